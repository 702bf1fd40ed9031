"""The workers table and the 0002 migration, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

import swath.store
from swath.store import workers as store
from swath.store.database import transaction
from swath.store.records import WorkerRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MIGRATIONS = Path(swath.store.__file__).parent / "migrations"


def worker(worker_id: str, seen: datetime) -> WorkerRecord:
    return WorkerRecord(worker_id, "host-a", ["small", "large"], 4, T0, seen)


def test_workers_seen_recently_are_listed_and_silent_ones_are_not(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        store.register_worker(session, worker("a", T0), forget_before=T0)
        store.register_worker(session, worker("b", T0), forget_before=T0)
    with transaction(sessions) as session:
        assert store.beat_worker(session, "a", T0 + timedelta(seconds=120))
        assert not store.beat_worker(session, "gone", T0)
    with transaction(sessions) as session:
        seen = store.list_workers(session, seen_after=T0 + timedelta(seconds=60))
    assert seen == [worker("a", T0 + timedelta(seconds=120))]


def test_a_starting_worker_forgets_workers_long_silent(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        store.register_worker(session, worker("old", T0), forget_before=T0)
    later = T0 + timedelta(days=30)
    with transaction(sessions) as session:
        store.register_worker(session, worker("new", later), forget_before=later - timedelta(days=7))
    with transaction(sessions) as session:
        assert [seen.id for seen in store.list_workers(session, seen_after=T0 - timedelta(days=1))] == ["new"]


def test_the_0002_migration_goes_down_and_up_again(sessions: sessionmaker[Session]) -> None:
    engine = sessions.kw["bind"]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "workers" not in inspect(engine).get_table_names()
    assert "queue" not in {column["name"] for column in inspect(engine).get_columns("jobs")}
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert "workers" in inspect(engine).get_table_names()
    assert "queue" in {column["name"] for column in inspect(engine).get_columns("jobs")}
