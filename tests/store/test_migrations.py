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


def test_attempts_and_the_new_job_columns_come_with_0010_and_go_with_its_downgrade(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0009")
        connection.execute(text(_PROCESS), {"id": "greet", "version": "2.1", "kind": "cwl", "package": b""})
        connection.execute(
            text(
                "INSERT INTO jobs (id, process_pk, process_id, process_version, status, created, updated, attempts, "
                "created_by, inputs, outputs, response) VALUES ('job-1', 1, 'greet', '2.1', 'successful', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 'ada', '{}', '{}', 'document')"
            )
        )
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0010")
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
        command.downgrade(_alembic(connection), "0009")
        tables = set(inspect(connection).get_table_names())
        columns = {column["name"] for column in inspect(connection).get_columns("jobs")}
        jobs = connection.execute(text("SELECT id FROM jobs")).scalars().all()
    assert "job_attempts" not in tables
    assert not {"not_before", "rerun_of", "reused_from", "reuse_key", "reuse"} & columns
    assert jobs == ["job-1"]
    engine.dispose()
