"""Process ids are the package's own: `name:version` rows become id `name` with their version beside it

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_LIVE = sa.text("retired IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.drop_index("ix_processes_live_id")
    # `name:<version>` (the id Swath built) becomes `name`; any other id holding ':' named its version after it.
    op.execute(
        "UPDATE processes SET id = substr(id, 1, length(id) - length(version) - 1) "
        "WHERE length(id) > length(version) + 1 AND substr(id, length(id) - length(version)) = ':' || version"
    )
    op.execute(
        "UPDATE processes SET version = substr(id, instr(id, ':') + 1), id = substr(id, 1, instr(id, ':') - 1) "
        "WHERE instr(id, ':') > 1"
        if op.get_bind().dialect.name == "sqlite"
        else "UPDATE processes SET version = substr(id, strpos(id, ':') + 1), id = substr(id, 1, strpos(id, ':') - 1) "
        "WHERE strpos(id, ':') > 1"
    )
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_processes_live_id_version",
            ["id", "version"],
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("process_version", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE jobs SET process_id = (SELECT processes.id FROM processes WHERE processes.pk = jobs.process_pk), "
        "process_version = (SELECT processes.version FROM processes WHERE processes.pk = jobs.process_pk)"
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.alter_column("process_version", existing_type=sa.String(length=255), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("process_version")
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.drop_index("ix_processes_live_id_version")
    op.execute("UPDATE processes SET id = id || ':' || version WHERE kind <> 'builtin'")
    op.execute("UPDATE jobs SET process_id = (SELECT processes.id FROM processes WHERE processes.pk = jobs.process_pk)")
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.create_index("ix_processes_live_id", ["id"], unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE)
