"""The packed document of a multi-file catalog version, and catalog versions restricted to named users or groups

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Versions registered before have no packed document (a multi-file one is packed when it is registered again
    # as a new version) and no access rows: they stay visible to every user, as they were.
    with op.batch_alter_table("application_versions") as batch:
        batch.add_column(sa.Column("packed", sa.LargeBinary(), nullable=True))
    op.create_table(
        "application_access",
        sa.Column("version_pk", sa.Integer(), nullable=False),
        sa.Column("principal", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["version_pk"], ["application_versions.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_pk", "principal"),
    )


def downgrade() -> None:
    op.drop_table("application_access")
    with op.batch_alter_table("application_versions") as batch:
        batch.drop_column("packed")
