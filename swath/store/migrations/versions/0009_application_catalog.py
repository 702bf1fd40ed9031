"""The application catalog: registered application versions and their files; the package checksum and catalog
version of each process revision, and the package checksum of each job

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application_versions",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=255), nullable=False),
        sa.Column("checksum", sa.String(length=80), nullable=False),
        sa.Column("entry_path", sa.String(length=1024), nullable=False),
        sa.Column("entry_id", sa.String(length=255), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("registered_by", sa.String(length=255), nullable=False),
        sa.Column("registered", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_application_versions_name_version", "application_versions", ["name", "version"], unique=True)
    op.create_table(
        "application_files",
        sa.Column("version_pk", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["version_pk"], ["application_versions.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_pk", "path"),
    )
    # Revisions and jobs made before the catalog have no checksum recorded: nullable.
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("package_checksum", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("application_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("application_version", sa.String(length=255), nullable=True))
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("package_checksum", sa.String(length=80), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy: dropping the old copy of a table would
    # break the foreign keys of the tables that reference it.
    op.drop_column("jobs", "package_checksum")
    for column in ("application_version", "application_name", "package_checksum"):
        op.drop_column("processes", column)
    op.drop_table("application_files")
    op.drop_index("ix_application_versions_name_version", table_name="application_versions")
    op.drop_table("application_versions")
