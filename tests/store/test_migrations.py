"""Migrations carry existing rows forward: a database made by an older Swath keeps every process and job."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from swath.store import database
from swath.store.database import create_database_engine

_PROCESS = (
    "INSERT INTO processes (id, version, kind, description, package, package_media_type, created_by, created) "
    "VALUES (:id, :version, :kind, '{}', :package, 'application/cwl+yaml', 'dee', '2026-01-01 00:00:00')"
)
_JOB = (
    "INSERT INTO jobs (id, process_pk, process_id, status, created, updated, attempts, created_by, inputs, outputs, "
    "response) VALUES (:id, :pk, :process_id, 'successful', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 'ada', "
    "'{}', '{}', 'document')"
)

# A job as 0003 on records it: with the version of its process.
_VERSIONED_JOB = _JOB.replace("process_id, status", "process_id, process_version, status").replace(
    ":process_id, 'successful'", ":process_id, :version, 'successful'"
)


def _alembic(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(database._MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_process_ids_with_their_version_become_the_package_id_and_a_version_and_back(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0002")
        for pk, (process_id, version, kind) in enumerate(
            [("greet:2.1", "2.1", "cwl"), ("l1b-cwl:develop", "develop", "cwl"), ("echo", "1.0.0", "builtin")],
            start=1,
        ):
            connection.execute(text(_PROCESS), {"id": process_id, "version": version, "kind": kind, "package": b""})
            connection.execute(text(_JOB), {"id": f"job-{pk}", "pk": pk, "process_id": process_id})
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "head")
        processes = connection.execute(text("SELECT id, version FROM processes ORDER BY pk")).all()
        jobs = connection.execute(text("SELECT process_id, process_version FROM jobs ORDER BY id")).all()
    assert [tuple(row) for row in processes] == [("greet", "2.1"), ("l1b-cwl", "develop"), ("echo", "1.0.0")]
    assert [tuple(row) for row in jobs] == [("greet", "2.1"), ("l1b-cwl", "develop"), ("echo", "1.0.0")]
    with engine.begin() as connection:
        command.downgrade(_alembic(connection), "0002")
        processes = connection.execute(text("SELECT id FROM processes ORDER BY pk")).scalars().all()
        job_processes = connection.execute(text("SELECT process_id FROM jobs ORDER BY id")).scalars().all()
    assert processes == job_processes == ["greet:2.1", "l1b-cwl:develop", "echo"]
    engine.dispose()


_VERSION = (
    "INSERT INTO application_versions (name, version, checksum, entry_path, metadata, warnings, registered_by, "
    "registered) VALUES ('app', '1', 'sha256:x', 'main.cwl', '{}', '[]', 'ada', '2026-01-01 00:00:00')"
)


def test_catalog_versions_gain_a_packed_document_and_access_rows_and_lose_them_on_downgrade(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0009")
        connection.execute(text(_VERSION))
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0011")
        assert connection.execute(text("SELECT name, packed FROM application_versions")).all() == [("app", None)]
        pk = connection.execute(text("SELECT pk FROM application_versions")).scalar_one()
        connection.execute(text("INSERT INTO application_access VALUES (:pk, 'bob')"), {"pk": pk})
    with engine.begin() as connection:
        command.downgrade(_alembic(connection), "0010")
        assert connection.execute(text("SELECT name FROM application_versions")).scalars().all() == ["app"]
        assert "application_access" not in inspect(connection).get_table_names()
        assert "packed" not in {column["name"] for column in inspect(connection).get_columns("application_versions")}
    engine.dispose()


def test_retention_columns_and_leases_come_and_go_with_their_revision_and_jobs_keep_their_rows(
    database_url: str,
) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0009")
        connection.execute(text(_PROCESS), {"id": "greet", "version": "2.1", "kind": "cwl", "package": b""})
        connection.execute(text(_VERSIONED_JOB), {"id": "job-1", "pk": 1, "process_id": "greet", "version": "2.1"})
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0012")
        row = connection.execute(text("SELECT id, purged, stored_bytes FROM jobs")).one()
        connection.execute(text("INSERT INTO leases (name, holder, expires) VALUES ('x', 'a', '2026-01-01')"))
    assert tuple(row) == ("job-1", None, None)
    with engine.begin() as connection:
        command.downgrade(_alembic(connection), "0011")
        columns = {column["name"] for column in inspect(connection).get_columns("jobs")}
        tables = set(inspect(connection).get_table_names())
        assert connection.execute(text("SELECT id FROM jobs")).scalars().all() == ["job-1"]
    assert not {"purged", "stored_bytes"} & columns
    assert "leases" not in tables
    engine.dispose()


def test_jobs_gain_the_default_priority_and_lose_it_again_with_the_process_rules(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0009")
        connection.execute(text(_PROCESS), {"id": "echo", "version": "1.0.0", "kind": "builtin", "package": b""})
        connection.execute(text(_VERSIONED_JOB), {"id": "job-1", "pk": 1, "process_id": "echo", "version": "1.0.0"})
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0013")
        assert connection.execute(text("SELECT priority FROM jobs")).scalars().all() == [0]
        connection.execute(
            text(
                "INSERT INTO process_scheduling (process_id, priority, updated_by, updated) "
                "VALUES ('echo', 5, 'ada', '2026-01-01 00:00:00')"
            )
        )
    with engine.begin() as connection:
        command.downgrade(_alembic(connection), "0012")
        columns = {column["name"] for column in inspect(connection).get_columns("jobs")}
        assert "priority" not in columns
        assert "process_scheduling" not in inspect(connection).get_table_names()
        assert connection.execute(text("SELECT id FROM jobs")).scalars().all() == ["job-1"]
    engine.dispose()


def test_attempts_and_the_new_job_columns_come_with_0014_and_go_with_its_downgrade(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0009")
        connection.execute(text(_PROCESS), {"id": "greet", "version": "2.1", "kind": "cwl", "package": b""})
        connection.execute(text(_VERSIONED_JOB), {"id": "job-1", "pk": 1, "process_id": "greet", "version": "2.1"})
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0014")
        connection.execute(
            text(
                "INSERT INTO job_attempts (job_id, attempt, started, status, log_offset) "
                "VALUES ('job-1', 1, '2026-01-01 00:00:00', 'successful', 0)"
            )
        )
        row = connection.execute(text("SELECT not_before, rerun_of, reused_from, reuse_key, reuse FROM jobs")).one()
        indexes = {index["name"] for index in inspect(connection).get_indexes("jobs")}
    assert tuple(row) == (None, None, None, None, None)
    assert {"ix_jobs_rerun_of", "ix_jobs_reuse_key"} <= indexes
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM job_attempts"))
        command.downgrade(_alembic(connection), "0013")
        tables = set(inspect(connection).get_table_names())
        columns = {column["name"] for column in inspect(connection).get_columns("jobs")}
        jobs = connection.execute(text("SELECT id FROM jobs")).scalars().all()
    assert "job_attempts" not in tables
    assert not {"not_before", "rerun_of", "reused_from", "reuse_key", "reuse"} & columns
    assert jobs == ["job-1"]
    engine.dispose()
