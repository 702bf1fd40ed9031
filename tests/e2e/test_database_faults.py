"""The database cut off while jobs run: PostgreSQL behind a relay the test cuts, and SQLite whose file system is
full. Meanwhile /health says so and new work is refused with 503; once the database is back every job ends
`successful`: none stuck, none lost, none run twice at once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import Server, free_port, fresh_postgresql_database, make_server
from tests.e2e.helpers import ASYNC, ensure_deployed, submit, tmpfs, wait_for_status
from tests.relay import relaying

JOBS = 4


def submit_ledger_jobs(client: httpx.Client, ledger: Path) -> list[str]:
    process = ensure_deployed(client, "ledger")
    return [submit(client, process, ledger_job(ledger, token)) for token in range(JOBS)]


def ledger_job(ledger: Path, token: int) -> dict[str, Any]:
    return {"inputs": {"ledger": str(ledger), "token": token, "seconds": 2}}


def assert_every_job_ended_once(client: httpx.Client, job_ids: list[str], ledger: Path) -> None:
    statuses = [wait_for_status(client, job_id, timeout=120) for job_id in job_ids]
    # Runners wait for the database to come back (a lost attempt is run again), so every job succeeds.
    assert [status["status"] for status in statuses] == ["successful"] * JOBS, statuses
    # A job run again after a lost attempt starts twice, but never while its other run goes on.
    lines = ledger.read_text().splitlines() if ledger.exists() else []
    for token in range(JOBS):
        runs = [line.split()[0] for line in lines if line.split()[1] == str(token)]
        assert not re.search(r"start start", " ".join(runs)), (token, runs)


def test_jobs_running_while_postgresql_is_cut_off_end_once_it_is_back(tmp_path: Path) -> None:
    with fresh_postgresql_database() as database_url:
        database = urlsplit(database_url)
        port = free_port()
        through_relay = database_url.replace(f"@{database.hostname}:{database.port}/", f"@127.0.0.1:{port}/")
        with relaying(port, (str(database.hostname), int(database.port or 5432))) as relay:
            server = make_server(tmp_path, database_url=through_relay, deploy_examples="false").start()
            try:
                with httpx.Client(base_url=server.url, timeout=60) as client:
                    ledger = tmp_path / "ledger.txt"
                    job_ids = submit_ledger_jobs(client, ledger)
                    wait_for_status(client, job_ids[0], {"running"})
                    relay.cut()
                    time.sleep(1)
                    health = client.get("/health")
                    refused = client.post("/processes/ledger/execution", json=ledger_job(ledger, 99), headers=ASYNC)
                    time.sleep(6)
                    relay.restore()
                    assert_every_job_ended_once(client, job_ids, ledger)
                    after = client.get("/health")
            finally:
                server.stop()
    assert health.status_code == 503 and health.json()["checks"]["database"]["healthy"] is False
    assert "127.0.0.1" not in health.text and "psycopg" not in health.text  # no host, port or driver message
    assert refused.status_code == 503, refused.text
    assert refused.json()["type"] == "https://swath.dev/exceptions/store-unavailable"
    assert after.status_code == 200, after.text


@pytest.fixture
def database_folder(tmp_path: Path) -> Iterator[Path]:
    """A small tmpfs for the SQLite database alone, which the test can fill."""
    with tmpfs(tmp_path / "database", "16m") as folder:
        yield folder


def fill(folder: Path) -> Path:
    """Fill `folder`'s file system to the last byte; the ballast file to delete to free it again."""
    ballast = folder / "ballast"
    # Unbuffered: a buffered file would raise its last, partial write again when it is closed.
    with ballast.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return ballast


def test_jobs_running_while_the_sqlite_database_cannot_take_writes_end_once_it_can(
    tmp_path: Path, database_folder: Path
) -> None:
    # Its file system full, SQLite refuses every write, as it does a read-only database (a read-only mount cannot
    # be made under a server that holds the database open for writing).
    server: Server = make_server(
        tmp_path, database_url=f"sqlite:///{database_folder / 'swath.db'}", deploy_examples="false"
    ).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            ledger = tmp_path / "ledger.txt"
            job_ids = submit_ledger_jobs(client, ledger)
            wait_for_status(client, job_ids[0], {"running"})
            ballast = fill(database_folder)
            try:
                health = client.get("/health")
                refused = client.post("/processes/ledger/execution", json=ledger_job(ledger, 99), headers=ASYNC)
                time.sleep(5)
            finally:
                ballast.unlink()
            assert_every_job_ended_once(client, job_ids, ledger)
            after = client.get("/health")
    finally:
        server.stop()
    assert health.status_code == 503
    assert health.json()["checks"]["database-writes"]["healthy"] is False
    assert str(database_folder) not in health.text
    assert refused.status_code == 503, refused.text
    assert refused.json()["type"] == "https://swath.dev/exceptions/store-unavailable"
    assert after.status_code == 200, after.text
