"""A worker cut off from the broker, or from the database, while it runs jobs: relays the test controls stand
between the worker and RabbitMQ, and between the worker and PostgreSQL. Once the link is back, every job ends
`successful`, and no job ever runs twice at once: a cut shorter than the heartbeat timeout costs no run, a longer
one stops the worker's jobs before the server takes them back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from tests.cluster.conftest import Cluster, S3Server, required, running_cluster
from tests.conftest import RABBITMQ_URL, free_port
from tests.e2e.helpers import ensure_deployed, submit, wait_for_status
from tests.relay import Relay, relaying

JOBS = 4


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[Cluster]:
    broker = required(RABBITMQ_URL, "RABBITMQ")
    with running_cluster(tmp_path_factory.mktemp("cuts"), s3_server, broker, [], log_copy_interval="0.5") as running:
        yield running


def through(relay: Relay, url: str) -> str:
    """`url` with its host and port replaced by the relay's."""
    parts = urlsplit(url)
    return url.replace(f"@{parts.hostname}:{parts.port}/", f"@127.0.0.1:{relay.port}/", 1)


def target_of(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return str(parts.hostname), int(parts.port or default_port)


def run_through_a_cut(
    cluster: Cluster,
    client: httpx.Client,
    name: str,
    relay: Relay,
    cut: float,
    seconds: int = 2,
    while_cut: Callable[[], None] = lambda: None,
    **worker: str,
) -> list[list[str]]:
    """Run JOBS jobs of `seconds` on a worker whose link the relay cuts for `cut` seconds while the first runs
    (`while_cut` is called at its end); every job ends successful. Returns each job's ledger: the start and end of
    every run of its tool, in order."""
    process = ensure_deployed(client, "ledger")
    ledger = cluster.ledger.with_name(f"{name}.ledger")
    worker_process = cluster.start_worker("small,large", keep=False, **worker)
    try:
        cluster.wait_for_workers(1)
        job_ids = [
            submit(client, process, {"inputs": {"ledger": str(ledger), "token": token, "seconds": seconds}})
            for token in range(JOBS)
        ]
        wait_for_status(client, job_ids[0], {"running"})
        relay.cut()
        time.sleep(cut)
        while_cut()
        relay.restore()
        statuses = [wait_for_status(client, job_id, timeout=180) for job_id in job_ids]
    finally:
        worker_process.kill()
        worker_process.wait()
    assert [status["status"] for status in statuses] == ["successful"] * JOBS, statuses
    lines = [line.split() for line in ledger.read_text().splitlines()]
    return [[event for event, token in lines if token == str(index)] for index in range(JOBS)]


def test_jobs_on_a_worker_cut_off_from_the_broker_end_successful_each_run_once(
    cluster: Cluster, client: httpx.Client
) -> None:
    with relaying(free_port(), target_of(cluster.broker_url, 5672)) as relay:
        broker = through(relay, cluster.broker_url)
        runs = run_through_a_cut(cluster, client, "broker-cut", relay, cut=8, broker_url=broker)
    assert runs == [["start", "end"]] * JOBS


def test_a_job_whose_worker_loses_the_database_briefly_records_its_outcome_once_it_is_back(
    cluster: Cluster, client: httpx.Client
) -> None:
    # Shorter than the heartbeat timeout: the finished run holds its outcome until the database answers.
    database_url = cluster.server.environment["SWATH_DATABASE_URL"]
    with relaying(free_port(), target_of(database_url, 5432)) as relay:
        database = through(relay, database_url)
        runs = run_through_a_cut(cluster, client, "database-blip", relay, cut=3, database_url=database)
    assert runs == [["start", "end"]] * JOBS


def test_jobs_on_a_worker_cut_off_from_the_database_for_long_run_again_never_twice_at_once(
    cluster: Cluster, client: httpx.Client
) -> None:
    # Longer than the heartbeat timeout: the worker stops its running job before the server may take it back (the
    # tool's process, `sleep 12.0`, is gone while the link is still cut), and the job runs again once it is back.
    def first_run_stopped() -> None:
        assert not [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "12.0"]]

    database_url = cluster.server.environment["SWATH_DATABASE_URL"]
    with relaying(free_port(), target_of(database_url, 5432)) as relay:
        database = through(relay, database_url)
        runs = run_through_a_cut(
            cluster,
            client,
            "database-cut",
            relay,
            cut=8,
            seconds=12,
            while_cut=first_run_stopped,
            database_url=database,
        )
    assert runs[0] == ["start", "start", "end"], cluster.logs()
