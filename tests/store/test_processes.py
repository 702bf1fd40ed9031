"""The process table's rules: one live revision per id, retired revisions kept, newest version by name."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from swath.errors import DuplicatedProcess
from swath.services.builtin import echo_process
from swath.store import processes as store
from swath.store.database import transaction


def revision(process_id: str, seconds: int = 0):  # type: ignore[no-untyped-def]
    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return dataclasses.replace(echo_process(), id=process_id, created=created)


def test_a_second_live_process_with_the_same_id_is_a_conflict(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        store.insert_process(session, revision("app:1"))
        with pytest.raises(DuplicatedProcess, match="'app:1' is already deployed"):
            store.insert_process(session, revision("app:1"))


def test_a_retired_id_can_be_deployed_again_and_the_old_revision_stays(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        old = store.insert_process(session, revision("app:1"))
        assert store.retire_process(session, "app:1", datetime.now(UTC))
        new = store.insert_process(session, revision("app:1"))
    with sessions() as session:
        assert store.get_live_process(session, "app:1") == new
        assert store.get_process_revision(session, old.pk).retired is not None


def test_a_bare_name_finds_the_newest_live_version(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        store.insert_process(session, revision("app:1", seconds=0))
        store.insert_process(session, revision("app:2", seconds=10))
        store.insert_process(session, revision("app_x:9", seconds=20))
    with sessions() as session:
        latest = store.get_latest_live_version(session, "app")
    assert latest is not None and latest.id == "app:2"
