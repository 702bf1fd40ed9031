"""Restart safety: after `swath serve` is killed and started again, no job is lost or stuck."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, make_server
from tests.e2e.helpers import ensure_deployed, pool_of, submit, wait_for_status


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Server]:
    server = make_server(tmp_path, workers="1", max_attempts="2").start()
    yield server
    server.stop()


def test_jobs_running_or_queued_when_the_server_is_killed_finish_after_a_restart(restartable: Server) -> None:
    with httpx.Client(base_url=restartable.url, timeout=60) as client:
        process = ensure_deployed(client, "sleeper")
        running = submit(client, process, {"inputs": {"seconds": 2}})
        queued = submit(client, process, {"inputs": {"seconds": 1}})
        wait_for_status(client, running, {"running"})
    restartable.stop(signal.SIGKILL)
    restartable.start()
    with httpx.Client(base_url=restartable.url, timeout=60) as client:
        for job_id in (running, queued):
            status = wait_for_status(client, job_id)
            assert status["status"] == "successful", status


def test_a_job_whose_runner_keeps_dying_is_failed_with_the_reason(restartable: Server) -> None:
    with httpx.Client(base_url=restartable.url, timeout=60) as client:
        job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 60}})
        wait_for_status(client, job_id, {"running"})
    for _ in range(2):
        restartable.stop(signal.SIGKILL)
        restartable.start()
        with httpx.Client(base_url=restartable.url, timeout=60) as client:
            status = wait_for_status(client, job_id, {"running", "failed"})
    with httpx.Client(base_url=restartable.url, timeout=60) as client:
        status = wait_for_status(client, job_id)
    assert status["status"] == "failed"
    assert "tried 2 times" in status["message"]


def test_a_job_whose_runner_pool_dies_is_taken_back_by_the_next_pool_and_run_again(restartable: Server) -> None:
    with httpx.Client(base_url=restartable.url, timeout=60) as client:
        job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 2}})
        wait_for_status(client, job_id, {"running"})
        pool = pool_of(restartable)
        job_processes = pool.children(recursive=True)
        for process in [pool, *job_processes]:
            process.kill()
        # The server starts a new pool at once, which sees its predecessor's process gone and runs the job again.
        status = wait_for_status(client, job_id, timeout=60)
        assert status["status"] == "successful", status
        log = client.get(f"/jobs/{job_id}/logs").text
        assert "(attempt 2)" in log
        assert "The previous attempt ended: The runner of this job" in log
        assert "stopped while the job ran" in log
