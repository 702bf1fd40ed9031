"""Processes restricted to named users or groups

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing processes have no rows here: they stay visible to every user, as they were.
    op.create_table(
        "process_access",
        sa.Column("process_pk", sa.Integer(), nullable=False),
        sa.Column("principal", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["process_pk"], ["processes.pk"]),
        sa.PrimaryKeyConstraint("process_pk", "principal"),
    )


def downgrade() -> None:
    op.drop_table("process_access")
