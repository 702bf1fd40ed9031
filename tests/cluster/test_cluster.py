"""The scale-out mode end to end: `swath serve` with the Celery executor on RabbitMQ, two `swath worker`
processes, PostgreSQL and a real S3 server (moto), driven over HTTP as users drive it."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from tests.cluster.conftest import (
    BUCKET,
    Cluster,
    S3Server,
    count,
    deploy_file,
    is_gone,
    job_log,
    process_id,
    required,
    running_cluster,
    worker_running,
)
from tests.conftest import RABBITMQ_URL, free_port, fresh_postgresql_database, make_server, wait_until
from tests.e2e.helpers import submit, wait_for_status
from tests.relay import relaying

EXAMPLES = Path(__file__).resolve().parents[2] / "swath" / "examples"
ATTEMPTS = Path(__file__).resolve().parents[1] / "data" / "attempts"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[Cluster]:
    broker = required(RABBITMQ_URL, "RABBITMQ")
    # One worker serves only the small class, the other both: a large job can run on the second alone.
    workers = ["small", "small,large"]
    with running_cluster(
        tmp_path_factory.mktemp("cluster"), s3_server, broker, workers, log_copy_interval="0.5"
    ) as running:
        yield running


def test_many_jobs_on_two_workers_each_run_exactly_once(cluster: Cluster, client: httpx.Client) -> None:
    tokens = [f"many-{index}" for index in range(16)]
    jobs = {token: count(client, cluster, token, seconds=0.2) for token in tokens}
    runners: set[str] = set()
    for token, job_id in jobs.items():
        status = wait_for_status(client, job_id, timeout=90)
        assert status["status"] == "successful", status
        assert len(cluster.runs(token)) == 1, token
        log = job_log(client, job_id)
        assert log.count("starts (attempt") == 1
        runners.add(log.split("Runner: celery:", 1)[1].split(":")[1])
    # Runner ids name the worker process (celery:<host>:<worker pid>:<pool process pid>): both took jobs.
    assert runners == {str(worker.pid) for worker in cluster.workers}


def test_outputs_land_in_the_object_store_and_download_through_the_results(
    cluster: Cluster, client: httpx.Client, s3_server: S3Server
) -> None:
    job_id = count(client, cluster, "stored")
    assert wait_for_status(client, job_id)["status"] == "successful"
    keys = s3_server.keys(f"{cluster.prefix}/jobs/{job_id}/")
    assert f"{cluster.prefix}/jobs/{job_id}/counted/counted.txt" in keys
    assert f"{cluster.prefix}/jobs/{job_id}/catalog.json" in keys
    response = client.get(f"/jobs/{job_id}/results")
    assert client.get(response.json()["counted"]["href"]).text == "counted stored\n"
    catalog = client.get(response.links["catalog"]["url"]).json()
    item_href = next(link["href"] for link in catalog["links"] if link["rel"] == "item")
    asset = next(iter(client.get(item_href).json()["assets"].values()))
    assert client.get(asset["href"]).text == "counted stored\n"


def test_an_s3_input_is_read_by_the_worker_with_the_storage_credentials(
    cluster: Cluster, client: httpx.Client, s3_server: S3Server
) -> None:
    s3_server.client().put_object(Bucket=BUCKET, Key="inputs/poem.txt", Body=b"one two\nthree\n")
    process = deploy_file(client, EXAMPLES / "word-count.cwl")
    job_id = submit(client, process, {"inputs": {"text": {"href": f"s3://{BUCKET}/inputs/poem.txt"}}})
    assert wait_for_status(client, job_id)["status"] == "successful"
    results = client.get(f"/jobs/{job_id}/results").json()
    assert (results["lines"], results["words"]) == (2, 3)


def test_a_missing_s3_input_fails_the_job_naming_the_object(cluster: Cluster, client: httpx.Client) -> None:
    process = deploy_file(client, EXAMPLES / "word-count.cwl")
    job_id = submit(client, process, {"inputs": {"text": {"href": f"s3://{BUCKET}/inputs/absent.txt"}}})
    status = wait_for_status(client, job_id)
    assert status["status"] == "failed"
    assert (
        status["message"]
        == f"Input 'text' could not be read: Input s3://{BUCKET}/inputs/absent.txt does not exist in s3://{BUCKET}."
    )


def test_with_presigned_urls_configured_output_downloads_redirect_to_the_object_store(
    cluster: Cluster, client: httpx.Client, tmp_path: Path
) -> None:
    job_id = count(client, cluster, "presigned")
    assert wait_for_status(client, job_id)["status"] == "successful"
    href = client.get(f"/jobs/{job_id}/results").json()["counted"]["href"]
    presigning = cluster.another_server(tmp_path, s3_presigned_url_expiry="300").start()
    try:
        response = httpx.get(href.replace(cluster.server.url, presigning.url))
    finally:
        presigning.stop()
    assert response.status_code == 307
    assert response.headers["Location"].startswith(cluster.s3_endpoint)
    assert httpx.get(response.headers["Location"]).text == "counted presigned\n"


def test_a_large_package_goes_to_the_worker_that_serves_the_large_class(cluster: Cluster, client: httpx.Client) -> None:
    body = {"inputs": {"token": "large", "ledger": str(cluster.ledger), "seconds": 1}}
    job_id = submit(client, process_id(client, "big-counter"), body)
    pid = wait_until(lambda: cluster.runs("large"), timeout=60, message="the large job to start")[0]
    assert worker_running(cluster, pid).pid == cluster.workers[1].pid
    assert wait_for_status(client, job_id)["status"] == "successful"


def test_an_execute_request_asking_for_more_than_any_class_offers_is_refused(client: httpx.Client) -> None:
    body = {"inputs": {"token": "huge", "ledger": "/dev/null"}, "resources": {"coresMin": 64}}
    response = client.post(f"/processes/{process_id(client, 'counter')}/execution", json=body)
    assert response.status_code == 400
    assert "64 cores" in response.json()["detail"]
    assert "large: 8 cores" in response.json()["detail"]


def test_a_running_job_beats_and_dismissing_it_stops_its_processes_on_the_worker(
    cluster: Cluster, client: httpx.Client
) -> None:
    job_id = count(client, cluster, "dismissed", seconds=60)
    pid = wait_until(lambda: cluster.runs("dismissed"), timeout=60, message="the job's tool to start")[0]
    # While it runs, its worker beats: `updated` advances.
    first = client.get(f"/jobs/{job_id}").json()["updated"]
    wait_until(lambda: client.get(f"/jobs/{job_id}").json()["updated"] > first, timeout=5, message="a heartbeat")
    # Its log, written on the worker's own disk, reaches the API while it runs, and grows from an offset.
    log = wait_until(lambda: client.get(f"/jobs/{job_id}/logs").text, timeout=5, message="the running job's log")
    assert "starts (attempt 1" in log
    assert client.get(f"/jobs/{job_id}").json()["status"] == "running"
    assert client.get(f"/jobs/{job_id}/logs", params={"since": len(log.encode())}).text == ""
    assert client.delete(f"/jobs/{job_id}").json()["status"] == "dismissed"
    wait_until(lambda: is_gone(pid), timeout=5, message=f"the dismissed job's tool (pid {pid}) to stop")
    assert wait_for_status(client, job_id)["status"] == "dismissed"


def test_health_lists_the_workers_and_the_services(cluster: Cluster, client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200, response.text
    # The API runs no jobs itself: no runner pool under it (its one child validates deploys).
    assert cluster.server.process is not None
    below = psutil.Process(cluster.server.process.pid).children(recursive=True)
    assert not [child for child in below if "swath.runner.pool" in " ".join(child.cmdline())]
    document = response.json()
    assert document["status"] == "healthy"
    checks = {"database", "database-writes", "disk", "broker", "storage", "containers", "workers"}
    assert set(document["checks"]) == checks
    assert sorted(worker["queues"] for worker in document["workers"]) == [["small"], ["small", "large"]]


def test_a_job_whose_worker_is_killed_runs_again_on_another_and_completes_once(
    cluster: Cluster, client: httpx.Client
) -> None:
    job_id = count(client, cluster, "killed", seconds=3)
    first = wait_until(lambda: cluster.runs("killed"), timeout=60, message="the job's tool to start")[0]
    victim = worker_running(cluster, first)
    os.kill(victim.pid, signal.SIGKILL)
    wait_until(lambda: is_gone(first), timeout=5, message="the killed worker's job to die with it")
    status = wait_for_status(client, job_id, timeout=60)
    assert status["status"] == "successful", status
    runs = cluster.runs("killed")
    assert len(runs) == 2 and runs[0] == first
    log = job_log(client, job_id)
    assert "(attempt 2)" in log and "stopped beating" in log
    # Give the cluster back the worker it lost, serving the same classes, for the tests that follow.
    index = [worker.pid for worker in cluster.workers].index(victim.pid)
    cluster.workers[index].wait()
    cluster.workers[index] = cluster.start_worker(["small", "small,large"][index], keep=False)
    cluster.wait_for_workers(2)


def test_a_failing_tool_is_retried_on_the_workers_by_its_policy_and_every_attempt_is_kept(
    cluster: Cluster, client: httpx.Client
) -> None:
    job_id = submit(client, deploy_file(client, ATTEMPTS / "retry-exit.cwl"), {"inputs": {}})
    status = wait_for_status(client, job_id, timeout=90)
    assert status["status"] == "failed", status
    assert status["attempt"] == 3 and "tried 3 times" in status["message"]
    attempts = client.get(f"/jobs/{job_id}/attempts").json()["attempts"]
    assert [(attempt["attempt"], attempt["reason"], attempt["exitCode"]) for attempt in attempts] == [
        (1, "exitCode", 3),
        (2, "exitCode", 3),
        (3, "exitCode", 3),
    ]
    assert all(attempt["runner"].startswith("celery:") for attempt in attempts)


def test_a_job_a_worker_could_not_start_for_want_of_its_database_is_not_lost(
    cluster: Cluster, client: httpx.Client
) -> None:
    for worker in cluster.workers:  # only the worker without a database takes jobs for now
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    cut_off = cluster.start_worker(
        "small,large", keep=False, database_url=f"postgresql+psycopg://x@127.0.0.1:{free_port()}/x"
    )
    try:
        job_id = count(client, cluster, "no-database")
        wait_until(lambda: "Delivering it again" in cluster.worker_log(cut_off), timeout=60, message="a retry")
    finally:
        os.killpg(cut_off.pid, signal.SIGKILL)
        cut_off.wait()
    cluster.workers = [cluster.start_worker("small", keep=False), cluster.start_worker("small,large", keep=False)]
    assert wait_for_status(client, job_id, timeout=60)["status"] == "successful"
    assert len(cluster.runs("no-database")) == 1


def test_jobs_survive_a_restart_of_the_api(cluster: Cluster, client: httpx.Client) -> None:
    tokens = [f"restart-{index}" for index in range(6)]
    jobs = {token: count(client, cluster, token, seconds=1) for token in tokens}
    cluster.server.stop(signal.SIGKILL)
    cluster.server.start()
    with httpx.Client(base_url=cluster.server.url, timeout=60) as restarted:
        for token, job_id in jobs.items():
            assert wait_for_status(restarted, job_id, timeout=90)["status"] == "successful"
            assert len(cluster.runs(token)) == 1, token


def test_a_job_submitted_while_the_broker_is_away_runs_once_it_is_back(cluster: Cluster, tmp_path: Path) -> None:
    port = free_port()
    broker = urlsplit(cluster.broker_url)
    server = cluster.another_server(tmp_path, broker_url=cluster.broker_url.replace(f":{broker.port}/", f":{port}/"))
    with httpx.Client(base_url=server.start().url, timeout=60) as away:
        try:
            job_id = count(away, cluster, "broker-away")
            assert away.get(f"/jobs/{job_id}").json()["status"] == "accepted"
            with relaying(port, (str(broker.hostname), int(broker.port or 5672))):
                assert wait_for_status(away, job_id, timeout=60)["status"] == "successful"
        finally:
            server.stop()
    assert f"Could not send job {job_id} to the broker" in server.log()
    assert len(cluster.runs("broker-away")) == 1


def test_an_unreachable_broker_makes_health_answer_503_and_says_so(tmp_path: Path) -> None:
    port = free_port()
    with fresh_postgresql_database() as database_url:
        server = make_server(
            tmp_path,
            executor="celery",
            broker_url=f"amqp://guest:guest@127.0.0.1:{port}//",
            database_url=database_url,
            deploy_examples="false",
        ).start()
        try:
            response = httpx.get(server.url + "/health", timeout=30)
        finally:
            server.stop()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["healthy"] and checks["storage"]["healthy"]
    assert checks["broker"] == {"healthy": False, "detail": f"The broker at amqp://127.0.0.1:{port}// did not answer."}
    assert checks["workers"]["healthy"] is False
