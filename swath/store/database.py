"""Engines, sessions and migrations.

SQLite is the embedded default; PostgreSQL is for scale. The schema is Alembic's: `migrate` brings a database to the
newest revision and is safe to call at every start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from swath.errors import StoreUnavailable

_MIGRATIONS = Path(__file__).parent / "migrations"


def create_database_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(connection: Any, _record: Any) -> None:
    # WAL lets the API read while runners write; busy_timeout makes writers queue instead of failing at once;
    # synchronous=NORMAL is durable across process crashes in WAL mode, which is what a job queue needs.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with _translated_errors(), factory() as session, session.begin():
        yield session


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reads only; nothing it does is committed."""
    with _translated_errors(), factory() as session:
        yield session


@contextmanager
def _translated_errors() -> Iterator[None]:
    # A database that is down, or locked past the busy timeout, is the service's trouble, not the caller's: 503.
    try:
        yield
    except OperationalError as error:
        raise StoreUnavailable(f"The database did not answer ({error.orig!r}); try again shortly.") from error


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema revision."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
