"""Engines, sessions and migrations.

SQLite is the embedded default; PostgreSQL is for scale. The schema is Alembic's: `migrate` brings a database to the
newest revision and is safe to call at every start-up.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from swath.errors import StoreUnavailable

log = logging.getLogger("swath.store")

_MIGRATIONS = Path(__file__).parent / "migrations"

# SQLite takes one writer at a time, and a writer that finds the database locked sleeps in SQLite's busy handler
# (1, 2, 5, 10 ... 100 ms steps) instead of being woken when the lock is free. Threads of one process therefore
# queue for writing on a lock of their own first (re-entrant: a nested transaction must not wait on itself); the
# busy handler is left to arbitrate between processes.
# Measured with 32 threads submitting jobs: 1,240 -> 1,570 jobs/s, slowest submission ~1 s -> ~0.13 s (bench/).
_SQLITE_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def create_database_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        _SQLITE_WRITE_LOCKS[engine] = threading.RLock()
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
    with _translated_errors(), _writer_turn(factory), factory() as session, session.begin():
        yield session


def _writer_turn(factory: sessionmaker[Session]) -> AbstractContextManager[Any]:
    lock = _SQLITE_WRITE_LOCKS.get(factory.kw.get("bind"))  # type: ignore[arg-type]
    return lock if lock is not None else nullcontext()


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
        # The driver's message names the host, the port and the file: for the operator's log, not for the client.
        log.warning("The database did not answer: %r", error.orig)
        raise StoreUnavailable("The database did not answer; try again shortly.") from error


def database_file(factory: sessionmaker[Session]) -> Path | None:
    """The file of an SQLite database, None for a server database."""
    engine: Engine = factory.kw["bind"]
    if engine.url.get_backend_name() != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    return Path(engine.url.database)


def check_writable(factory: sessionmaker[Session]) -> None:
    """StoreUnavailable unless the database takes a write now.

    An SQLite file deleted under a running server still takes writes, into a file nobody will open again: every
    job accepted then is lost at the next start. A write that changes nothing (the schema revision, to itself)
    finds a read-only database or a full disk.
    """
    path = database_file(factory)
    if path is not None and not path.exists():
        raise StoreUnavailable("The database file has been removed; jobs accepted now would be lost at restart.")
    try:
        with transaction(factory) as session:
            session.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except StoreUnavailable as error:
        raise StoreUnavailable("The database does not take writes (read-only, locked, or its disk is full).") from error


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema revision."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
