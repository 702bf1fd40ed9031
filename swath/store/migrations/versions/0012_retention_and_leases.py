"""Retention: when a job's files were purged and how many bytes its results hold; leases, so that one server of a
venue sweeps at a time

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("purged", sa.DateTime(timezone=True), nullable=True))
    op.add_column("jobs", sa.Column("stored_bytes", sa.BigInteger(), nullable=True))
    op.create_index("ix_jobs_purge", "jobs", ["purged", "status", "finished"])
    op.create_index("ix_uploads_created", "uploads", ["created"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index("ix_uploads_created", table_name="uploads")
    op.drop_index("ix_jobs_purge", table_name="jobs")
    # Not a batch copy of `jobs`: job_deliveries references it (see 0009).
    op.drop_column("jobs", "stored_bytes")
    op.drop_column("jobs", "purged")
