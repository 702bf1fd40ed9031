"""Catalog queries on SQLite and PostgreSQL: immutability rests on the unique index, deletion takes the files."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from swath.store import catalog
from swath.store.database import transaction
from swath.store.records import ApplicationVersionRecord


def version(name: str, number: str, checksum: str = "sha256:1") -> ApplicationVersionRecord:
    return ApplicationVersionRecord(
        name=name,
        version=number,
        checksum=checksum,
        entry_path="main.cwl",
        entry_id=None,
        files={"main.cwl": b"cwlVersion: v1.2\n", "tools/say.cwl": b"class: CommandLineTool\n"},
        metadata={"keywords": ["stac"]},
        warnings=["a warning"],
        registered_by="ada",
        registered=datetime.now(UTC),
    )


def test_a_second_insert_of_a_name_and_version_is_refused_and_the_transaction_goes_on(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        assert catalog.insert_version(session, version("app", "1")) is not None
        assert catalog.insert_version(session, version("app", "1", "sha256:2")) is None
        assert catalog.insert_version(session, version("app", "2")) is not None
    with transaction(sessions) as session:
        kept = catalog.get_version(session, "app", "1")
    assert kept is not None and kept.checksum == "sha256:1"
    assert kept.files["tools/say.cwl"] == b"class: CommandLineTool\n"
    assert kept.warnings == ["a warning"] and kept.metadata == {"keywords": ["stac"]}


def test_versions_are_listed_newest_first_without_their_files(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        catalog.insert_version(session, version("app", "1"))
        catalog.insert_version(session, version("app", "2"))
        listed = catalog.list_versions(session, "app")
    assert [item.version for item in listed] == ["2", "1"]
    assert all(item.files == {} for item in listed)


def test_deleting_a_version_removes_its_files_and_leaves_the_others(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        catalog.insert_version(session, version("app", "1"))
        catalog.insert_version(session, version("app", "2"))
    with transaction(sessions) as session:
        assert catalog.delete_version(session, "app", "1")
        assert not catalog.delete_version(session, "app", "1")
    with transaction(sessions) as session:
        assert catalog.get_version(session, "app", "1") is None
        assert [item.version for item in catalog.list_all_versions(session)] == ["2"]
