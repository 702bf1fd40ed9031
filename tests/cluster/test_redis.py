"""The Celery executor on the Redis broker (DESIGN.md: supported, with a visibility timeout above the time limit).

Redis redelivers a dead worker's job only after that timeout, so here the API's reaper takes the job back once its
heartbeat stops; with one attempt allowed, it is failed with the reason.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import httpx
import pytest

from tests.cluster.conftest import (
    Cluster,
    S3Server,
    count,
    is_gone,
    required,
    running_cluster,
    worker_running,
)
from tests.conftest import REDIS_URL, wait_until
from tests.e2e.helpers import wait_for_status


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[Cluster]:
    broker = required(REDIS_URL, "REDIS")
    with running_cluster(
        tmp_path_factory.mktemp("redis"),
        s3_server,
        broker,
        ["small,large", "small,large"],
        job_time_limit="4",
        broker_visibility_timeout="120",
        max_attempts="1",
    ) as running:
        yield running


def test_jobs_through_redis_each_run_exactly_once(cluster: Cluster, client: httpx.Client) -> None:
    jobs = {f"redis-{index}": count(client, cluster, f"redis-{index}", seconds=0.2) for index in range(8)}
    for token, job_id in jobs.items():
        assert wait_for_status(client, job_id, timeout=90)["status"] == "successful"
        assert len(cluster.runs(token)) == 1, token


def test_a_job_over_the_time_limit_is_stopped_by_its_worker_and_failed(cluster: Cluster, client: httpx.Client) -> None:
    job_id = count(client, cluster, "redis-slow", seconds=30)
    pid = wait_until(lambda: cluster.runs("redis-slow"), timeout=60, message="the job's tool to start")[0]
    status = wait_for_status(client, job_id, timeout=30)
    assert status["status"] == "failed"
    assert status["message"] == "The job ran longer than the time limit of 4 seconds."
    assert is_gone(pid)


def test_a_job_whose_worker_dies_after_its_last_attempt_is_failed_with_the_reason(
    cluster: Cluster, client: httpx.Client
) -> None:
    job_id = count(client, cluster, "redis-killed", seconds=30)
    pid = wait_until(lambda: cluster.runs("redis-killed"), timeout=60, message="the job's tool to start")[0]
    os.kill(worker_running(cluster, pid).pid, signal.SIGKILL)
    wait_until(lambda: is_gone(pid), timeout=5, message="the killed worker's job to die with it")
    status = wait_for_status(client, job_id, timeout=60)
    assert status["status"] == "failed"
    assert "stopped beating for 5 s" in status["message"]
    assert "The job was tried 1 times, the most allowed, and is failed." in status["message"]
    assert cluster.runs("redis-killed") == [pid]
