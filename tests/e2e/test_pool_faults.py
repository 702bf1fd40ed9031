"""Faults of the runner pool itself: killed mid-job, hung, and tools that try to outlive their job."""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import Server, make_server, wait_until
from tests.e2e.helpers import ensure_deployed, pool_of, submit, wait_for_status


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own (the `client` fixture talks to it): these tests kill and stop what it runs."""
    running = make_server(tmp_path, workers="1", max_attempts="3").start()
    yield running
    running.stop()


def _token() -> int:
    return random.randrange(100000, 999999)


def _processes_with(argument: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if argument in (process.info["cmdline"] or []):
            found.append(process)
    return found


def _any_alive(processes: list[psutil.Process]) -> bool:
    def alive(process: psutil.Process) -> bool:
        try:
            return process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    return any(alive(process) for process in processes)


def test_a_killed_pool_takes_its_jobs_tools_with_it_and_a_new_pool_runs_them_once(
    server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    ledger, token = tmp_path / "ledger.txt", _token()
    job_id = submit(
        client, ensure_deployed(client, "ledger"), {"inputs": {"ledger": str(ledger), "token": token, "seconds": 3}}
    )
    first = wait_until(lambda: _processes_with(f"3.{token}"), message="the tool to start")
    pool_of(server).kill()
    # The job's processes die with their supervisor, at once, not when a heartbeat goes stale.
    wait_until(lambda: not _any_alive(first), timeout=2, message="the first run's tool to die")
    status = wait_for_status(client, job_id, timeout=30)
    assert status["status"] == "successful", status
    lines = ledger.read_text().split("\n")
    # Attempt 1 started and never ended; attempt 2 started after, alone, and ended: never two at once.
    assert lines[:3] == [f"start {token}", f"start {token}", f"end {token}"], lines
    log = client.get(f"/jobs/{job_id}/logs").text
    assert "(attempt 2)" in log
    assert "The previous attempt ended: The runner of this job (local:" in log
    assert "stopped while the job ran" in log


def test_the_tools_of_a_killed_pool_are_gone_before_its_job_runs_again(
    server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    token = _token()
    job_id = submit(
        client,
        ensure_deployed(client, "ledger"),
        {"inputs": {"ledger": str(tmp_path / "l"), "token": token, "seconds": 60}},
    )
    first = wait_until(lambda: _processes_with(f"60.{token}"), message="the tool to start")
    pool_of(server).kill()
    wait_until(lambda: not _any_alive(first), timeout=2, message="the first run's tool to die")
    wait_until(lambda: client.get(f"/jobs/{job_id}").json()["message"].endswith("(attempt 2 of 3)."), timeout=5)
    client.delete(f"/jobs/{job_id}")


def test_jobs_queued_when_the_pool_dies_run_without_another_submission(
    server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    process = ensure_deployed(client, "ledger")
    running_token, queued_token = _token(), _token()
    running = submit(client, process, {"inputs": {"ledger": str(tmp_path / "a"), "token": running_token, "seconds": 2}})
    queued = submit(client, process, {"inputs": {"ledger": str(tmp_path / "b"), "token": queued_token, "seconds": 0}})
    wait_until(lambda: _processes_with(f"2.{running_token}"), message="the first tool to start")
    pool_of(server).kill()
    for job_id in (running, queued):
        assert wait_for_status(client, job_id, timeout=20)["status"] == "successful"


def test_daemons_a_tool_leaves_behind_end_with_its_job(client: httpx.Client) -> None:
    token = _token()
    job_id = submit(client, ensure_deployed(client, "daemon"), {"inputs": {"token": token}})
    assert wait_for_status(client, job_id)["status"] == "successful"
    wait_until(lambda: not _any_alive(_processes_with(f"1{token}") + _processes_with(f"2{token}")), timeout=5)


def test_daemons_of_a_dismissed_job_end_with_it(client: httpx.Client) -> None:
    token = _token()
    job_id = submit(client, ensure_deployed(client, "daemon"), {"inputs": {"token": token, "seconds": 60}})
    wait_until(lambda: _processes_with(f"1{token}") and _processes_with(f"2{token}"), message="the daemons to start")
    assert client.delete(f"/jobs/{job_id}").status_code == 200
    wait_until(lambda: not _any_alive(_processes_with(f"1{token}") + _processes_with(f"2{token}")), timeout=2)


def test_daemons_of_a_running_job_end_when_the_server_stops(server: Server, client: httpx.Client) -> None:
    token = _token()
    submit(client, ensure_deployed(client, "daemon"), {"inputs": {"token": token, "seconds": 60}})
    wait_until(lambda: _processes_with(f"1{token}") and _processes_with(f"2{token}"), message="the daemons to start")
    server.stop()
    wait_until(lambda: not _any_alive(_processes_with(f"1{token}") + _processes_with(f"2{token}")), timeout=5)


def test_health_reports_a_hung_pool_and_its_recovery(server: Server, client: httpx.Client) -> None:
    pool = pool_of(server)
    os.kill(pool.pid, signal.SIGSTOP)
    try:
        response = wait_until(
            lambda: (answer := client.get("/health")).status_code == 503 and answer, timeout=15, message="a 503"
        )
        runners = response.json()["checks"]["runners"]
        assert runners == {
            "healthy": False,
            "detail": "The runner pool has not beaten in the last 5 s; it may be hung.",
        }
    finally:
        os.kill(pool.pid, signal.SIGCONT)
    wait_until(lambda: client.get("/health").status_code == 200, timeout=10, message="healthy again")
