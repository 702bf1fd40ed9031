"""Alembic environment: runs on the connection handed over by `swath.store.database.migrate`."""

from __future__ import annotations

from alembic import context

from swath.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through swath.store.database.migrate, which supplies the connection.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
