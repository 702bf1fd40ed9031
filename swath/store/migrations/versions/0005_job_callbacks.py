"""Job callbacks (OGC `callback` class): each job's subscriber, what was last notified, and every delivery

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("subscriber", sa.JSON(), nullable=True))
    op.add_column("jobs", sa.Column("notified", sa.String(length=16), nullable=True))
    op.create_index("ix_jobs_notified", "jobs", ["notified"])
    op.create_table(
        "job_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_deliveries_job", "job_deliveries", ["job_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_job_deliveries_job", table_name="job_deliveries")
    op.drop_table("job_deliveries")
    op.drop_index("ix_jobs_notified", table_name="jobs")
    op.drop_column("jobs", "notified")
    op.drop_column("jobs", "subscriber")
