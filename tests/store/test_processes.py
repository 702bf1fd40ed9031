"""The process table's rules: one live revision per id and version, retired revisions kept, the newest by id."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from swath.errors import DuplicatedProcess
from swath.process_ids import ProcessRef
from swath.services.builtin import echo_process
from swath.store import processes as store
from swath.store.database import transaction


def revision(process_id: str, version: str, seconds: int = 0):  # type: ignore[no-untyped-def]
    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return dataclasses.replace(echo_process(), id=process_id, version=version, created=created)


def test_a_second_live_process_with_the_same_id_and_version_is_a_conflict(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        store.insert_process(session, revision("app", "1"))
        with pytest.raises(DuplicatedProcess, match="Process 'app' version '1' is already deployed"):
            store.insert_process(session, revision("app", "1"))


def test_a_retired_version_can_be_deployed_again_and_the_old_revision_stays(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        old = store.insert_process(session, revision("app", "1"))
        assert store.retire_process(session, old.pk, datetime.now(UTC))
        new = store.insert_process(session, revision("app", "1"))
    with sessions() as session:
        assert store.get_live_process(session, ProcessRef("app", "1")) == new
        assert store.get_process_revision(session, old.pk).retired is not None


def test_a_bare_id_finds_the_newest_live_version_and_a_versioned_one_its_own(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        store.insert_process(session, revision("app", "1", seconds=0))
        store.insert_process(session, revision("app", "2", seconds=10))
        store.insert_process(session, revision("app_x", "9", seconds=20))
    with sessions() as session:
        latest = store.get_live_process(session, ProcessRef("app"))
        first = store.get_live_process(session, ProcessRef("app", "1"))
    assert latest is not None and (latest.id, latest.version) == ("app", "2")
    assert first is not None and first.version == "1"


def test_the_list_shows_the_newest_version_of_each_id_and_versions_lists_them_all(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        store.insert_process(session, revision("app", "1", seconds=0))
        store.insert_process(session, revision("app", "2", seconds=10))
        store.insert_process(session, revision("other", "1", seconds=5))
    with sessions() as session:
        listed = [(process.id, process.version) for process in store.list_live_processes(session, 10)]
        versions = [process.version for process in store.list_live_versions(session, "app")]
    assert listed == [("app", "2"), ("other", "1")]
    assert versions == ["2", "1"]
