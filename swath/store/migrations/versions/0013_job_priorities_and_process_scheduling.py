"""Job priorities, and the scheduling rules an admin gives a process (default priority, caps)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not a batch copy of `jobs`: job_deliveries references it (see 0009). Existing jobs get the default priority.
    op.add_column("jobs", sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_jobs_queue_order", "jobs", ["status", sa.text("priority DESC"), "created", "id"])
    op.create_index("ix_jobs_owner_status", "jobs", ["created_by", "status"])
    op.create_index("ix_jobs_process_status", "jobs", ["process_id", "status"])
    op.create_table(
        "process_scheduling",
        sa.Column("process_id", sa.String(length=255), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("max_running", sa.Integer(), nullable=True),
        sa.Column("max_queued", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("process_id"),
    )


def downgrade() -> None:
    op.drop_table("process_scheduling")
    op.drop_index("ix_jobs_process_status", table_name="jobs")
    op.drop_index("ix_jobs_owner_status", table_name="jobs")
    op.drop_index("ix_jobs_queue_order", table_name="jobs")
    op.drop_column("jobs", "priority")
