"""`swath serve --api-workers N`: several API processes share PostgreSQL and one runner pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Server, fresh_postgresql_database, make_server, wait_until
from tests.e2e.helpers import ensure_deployed, pool_of, submit, wait_for_status

pytestmark = pytest.mark.postgresql


@pytest.fixture(scope="module")
def two_api_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with fresh_postgresql_database() as url:
        server = make_server(
            tmp_path_factory.mktemp("api-workers"),
            database_url=url,
            api_workers="2",
            retention_failed="1",
            retention_interval="0.3",
        ).start()
        yield server
        server.stop()


def _api_processes(server: Server) -> list[psutil.Process]:
    """uvicorn's worker processes (spawned by multiprocessing) under the serving command."""
    children = psutil.Process(server.pid).children()
    return [child for child in children if "spawn_main" in " ".join(child.cmdline())]


def test_two_api_processes_accept_and_run_jobs_with_one_runner_pool(two_api_processes: Server) -> None:
    with httpx.Client(base_url=two_api_processes.url, timeout=60) as client:
        process = ensure_deployed(client, "greet")
        jobs = [submit(client, process, {"inputs": {"name": f"n{n}"}}) for n in range(6)]
        assert [wait_for_status(client, job)["status"] for job in jobs] == ["successful"] * 6
    api = _api_processes(two_api_processes)
    assert len(api) == 2
    pool_of(two_api_processes)  # exactly one pool, the serving command's
    # No API process started a pool of its own.
    assert not [
        child
        for worker in api
        for child in worker.children(recursive=True)
        if "swath.runner.pool" in " ".join(child.cmdline())
    ]


def test_each_api_process_answers_on_its_own(two_api_processes: Server) -> None:
    api = _api_processes(two_api_processes)
    with httpx.Client(base_url=two_api_processes.url, timeout=60) as client:
        process = ensure_deployed(client, "greet")
    for stopped, answering in ((api[0], api[1]), (api[1], api[0])):
        stopped.send_signal(signal.SIGSTOP)
        try:
            # A new connection each time: only the process left running can accept it.
            with httpx.Client(base_url=two_api_processes.url, timeout=30) as client:
                job = submit(client, process, {"inputs": {"name": f"via {answering.pid}"}})
                assert wait_for_status(client, job)["status"] == "successful"
                assert client.get("/health").status_code == 200
        finally:
            stopped.send_signal(signal.SIGCONT)


def test_one_api_process_of_the_venue_sweeps_and_purges(two_api_processes: Server) -> None:
    with httpx.Client(base_url=two_api_processes.url, timeout=60) as client:
        job = submit(client, ensure_deployed(client, "failing"), {"inputs": {}})
        wait_for_status(client, job)
        wait_until(lambda: client.get(f"/jobs/{job}/results").status_code == 410, timeout=30, message="the purge")
    url = two_api_processes.environment["SWATH_DATABASE_URL"]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            holders = connection.execute(text("SELECT holder FROM leases")).scalars().all()
    finally:
        engine.dispose()
    # One lease, held by one of the two API processes (its holder name carries its pid).
    assert len(holders) == 1
    assert int(holders[0].split(":")[1]) in {process.pid for process in _api_processes(two_api_processes)}


def test_several_api_processes_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SWATH_")}
    command = [sys.executable, "-m", "swath", "serve", "--api-workers", "2", "--data-dir", str(tmp_path)]
    refused = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 2
    assert "SWATH_API_WORKERS" in refused.stderr and "PostgreSQL" in refused.stderr
