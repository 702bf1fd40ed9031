"""Running caps with the Celery executor: a worker's claim checks them, so a user never runs more jobs than the cap
however many worker slots are free, and a job over the cap waits accepted, says why, and runs once later."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.cluster.conftest import Cluster, S3Server, count, required, running_cluster
from tests.conftest import RABBITMQ_URL, wait_until
from tests.e2e.helpers import wait_for_status


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[Cluster]:
    broker = required(RABBITMQ_URL, "RABBITMQ")
    # One worker with two slots; every job here is the same (anonymous) user's, who may run one at a time.
    with running_cluster(
        tmp_path_factory.mktemp("capped-cluster"), s3_server, broker, ["small"], max_running_per_user="1"
    ) as running:
        yield running


def test_a_worker_with_free_slots_keeps_the_user_cap_and_runs_every_job_once(
    cluster: Cluster, client: httpx.Client
) -> None:
    tokens = [f"capped-{index}" for index in range(3)]
    jobs = [count(client, cluster, token, seconds=1.5) for token in tokens]
    most = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal most
        while not stop.is_set():
            running = client.get("/jobs", params={"status": "running", "limit": 50}).json()["jobs"]
            most = max(most, len(running))
            stop.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        wait_until(
            lambda: any(client.get(f"/jobs/{job_id}").json()["status"] == "running" for job_id in jobs),
            timeout=60,
            message="a job to run",
        )
        waiting = [status for status in (client.get(f"/jobs/{job_id}").json() for job_id in jobs)]
        queued = [status for status in waiting if status["status"] == "accepted"]
        assert queued, waiting
        assert {status["waitReason"] for status in queued} == {"user cap 1 reached"}
        for job_id in jobs:
            assert wait_for_status(client, job_id, timeout=120)["status"] == "successful"
    finally:
        stop.set()
        watcher.join()
    assert most == 1
    assert [len(cluster.runs(token)) for token in tokens] == [1, 1, 1]
