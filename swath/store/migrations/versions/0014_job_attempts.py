"""Job attempts (one row per run of a job, with its own outcome and log part), retry back-off, re-runs and
result reuse

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_JOB_COLUMNS = ("not_before", "rerun_of", "reused_from", "reuse_key", "reuse")


def upgrade() -> None:
    op.create_table(
        "job_attempts",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=255), nullable=True),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("log_offset", sa.BigInteger(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.PrimaryKeyConstraint("job_id", "attempt"),
    )
    # Jobs made before attempts were kept have none recorded: every new column is nullable.
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rerun_of", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("reused_from", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("reuse_key", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("reuse", sa.Boolean(), nullable=True))
    op.create_index("ix_jobs_rerun_of", "jobs", ["rerun_of"])
    op.create_index("ix_jobs_reuse_key", "jobs", ["reuse_key", "created_by"])


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy: dropping the old copy of `jobs` would
    # break the foreign keys of the tables that reference it (see 0009). An indexed column goes after its index.
    op.drop_index("ix_jobs_reuse_key", table_name="jobs")
    op.drop_index("ix_jobs_rerun_of", table_name="jobs")
    for column in _JOB_COLUMNS:
        op.drop_column("jobs", column)
    op.drop_table("job_attempts")
