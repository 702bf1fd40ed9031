"""The Slurm batch job that runs a job (Slurm executor)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_job_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Not a batch copy of `jobs`: job_deliveries references it (see 0009).
    op.drop_column("jobs", "batch_job_id")
