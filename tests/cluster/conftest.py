"""A real cluster on this machine: `swath serve` with the Celery executor, `swath worker` processes, PostgreSQL,
RabbitMQ or Redis (from the SWATH_TEST_* variables, or at their usual local addresses), and a moto S3 server.

Each cluster gets its own database, bucket prefix and queue prefix, so runs sharing one broker never take each
other's jobs. Without a service the tests skip, except in CI (SWATH_TEST_REQUIRE_SERVICES), where they fail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import psutil
import pytest
from kombu import Connection

from tests.conftest import (
    DATA,
    Server,
    free_port,
    fresh_postgresql_database,
    make_server,
    wait_until,
)
from tests.e2e.helpers import submit

BUCKET = "swath-test"
QUEUES = [{"name": "small", "cores": 2, "ram_mb": 2048}, {"name": "large", "cores": 8, "ram_mb": 65536}]


def required(url: str, name: str) -> str:
    if not url:
        if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"No {name} answers (SWATH_TEST_{name}_URL, or its usual local address), and CI requires it")
        pytest.skip(f"No {name} answers (SWATH_TEST_{name}_URL, or its usual local address)")
    return url


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen[bytes]

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def keys(self, prefix: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return [entry["Key"] for entry in listing.get("Contents", [])]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen(
        ["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    server = S3Server(f"http://127.0.0.1:{port}", process)

    def answers() -> bool:
        try:
            return httpx.get(server.endpoint + "/moto-api/", timeout=1).status_code < 500
        except httpx.TransportError:
            return False

    wait_until(answers, timeout=30, message="the moto S3 server to answer")
    server.client().create_bucket(Bucket=BUCKET)
    yield server
    process.terminate()
    process.wait(10)
    log.close()


@dataclass
class Cluster:
    server: Server
    broker_url: str
    prefix: str
    ledger: Path
    s3_endpoint: str
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    worker_dirs: dict[int, Path] = field(default_factory=dict)

    def worker_environment(self, data_dir: Path) -> dict[str, str]:
        # Each worker has its own data directory, as on its own machine: logs and outputs reach the API only
        # through the database and the object store.
        return {**self.server.environment, "SWATH_DATA_DIR": str(data_dir)}

    def start_worker(
        self, queues: str, concurrency: int = 2, keep: bool = True, **settings: str
    ) -> subprocess.Popen[bytes]:
        """Start a worker (with some settings changed); `keep` adds it to `workers` (else the caller places it)."""
        data_dir = self.server.data_dir.parent / f"worker-{uuid.uuid4().hex[:6]}"
        data_dir.mkdir()
        environment = self.worker_environment(data_dir)
        environment.update({f"SWATH_{key.upper()}": value for key, value in settings.items()})
        with (data_dir / "worker.log").open("ab") as stream:
            worker = subprocess.Popen(
                [sys.executable, "-m", "swath", "worker", "--queues", queues, "--concurrency", str(concurrency)],
                env=environment,
                stdout=stream,
                stderr=subprocess.STDOUT,
                cwd=data_dir,
                start_new_session=True,
            )
        self.worker_dirs[worker.pid] = data_dir
        if keep:
            self.workers.append(worker)
        return worker

    def another_server(self, tmp_path: Path, **settings: str) -> Server:
        """A second API server on the same database, broker and storage, with some settings changed."""
        names = ("executor", "broker_url", "database_url", "queue_prefix", "queues", "storage", "s3_endpoint_url")
        shared = {name: self.server.environment[f"SWATH_{name.upper()}"] for name in names}
        credentials = {"s3_access_key_id": "test", "s3_secret_access_key": "test", "deploy_examples": "false"}
        return make_server(tmp_path, **{**shared, **credentials, **settings})

    def worker_log(self, worker: subprocess.Popen[bytes]) -> str:
        return (self.worker_dirs[worker.pid] / "worker.log").read_text(errors="replace")

    def wait_for_workers(self, count: int) -> None:
        def seen() -> bool:
            return len(httpx.get(self.server.url + "/health", timeout=10).json()["workers"]) >= count

        wait_until(seen, timeout=60, interval=0.2, message=f"{count} workers to report")

    def runs(self, token: str) -> list[int]:
        """The pids of every run of the counter tool with this token (one ledger line each)."""
        if not self.ledger.exists():
            return []
        lines = [line.split() for line in self.ledger.read_text().splitlines()]
        return [int(pid) for name, pid in lines if name == token]

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        self.server.stop()

    def logs(self) -> str:
        logs = [self.server.data_dir / "server.log", *self.server.data_dir.parent.glob("worker-*/worker.log")]
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in logs)


@contextmanager
def running_cluster(
    tmp_path: Path, s3: S3Server, broker_url: str, workers: list[str], **settings: str
) -> Iterator[Cluster]:
    """An API server and one worker per entry of `workers` (the queue classes it serves), torn down after."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    with fresh_postgresql_database() as database_url:
        server = make_server(
            tmp_path,
            executor="celery",
            broker_url=broker_url,
            database_url=database_url,
            queue_prefix=prefix,
            queues=json.dumps(QUEUES),
            storage=f"s3://{BUCKET}/{prefix}",
            s3_endpoint_url=s3.endpoint,
            s3_access_key_id="test",
            s3_secret_access_key="test",
            **{"deploy_examples": "false", "max_attempts": "3", **settings},
        )
        cluster = Cluster(server, broker_url, prefix, tmp_path / "ledger.txt", s3.endpoint)
        try:
            server.start()
            for queues in workers:
                cluster.start_worker(queues)
            cluster.wait_for_workers(len(workers))
            yield cluster
        finally:
            cluster.stop()
            _delete_queues(broker_url, [f"{prefix}.{queue['name']}" for queue in QUEUES])


def _delete_queues(broker_url: str, names: list[str]) -> None:
    if broker_url.startswith("redis"):
        return  # Redis keeps nothing of an empty queue
    with Connection(broker_url, connect_timeout=5) as connection:
        channel = connection.default_channel
        for name in names:
            channel.queue_delete(name)


@pytest.fixture
def client(cluster: Cluster) -> Iterator[httpx.Client]:
    """A client of the module's `cluster` (each cluster test module defines that fixture)."""
    with httpx.Client(base_url=cluster.server.url, timeout=60) as http:
        yield http


def deploy(client: httpx.Client, name: str) -> str:
    return deploy_file(client, DATA / "cluster" / f"{name}.cwl")


def deploy_file(client: httpx.Client, path: Path) -> str:
    """Deploy a CWL file, or find it deployed already; returns the process id."""
    response = client.post("/processes", content=path.read_bytes(), headers={"Content-Type": "application/cwl+yaml"})
    if response.status_code == 409:
        return str(client.get(f"/processes/{path.stem}").json()["id"])
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def count(client: httpx.Client, cluster: Cluster, token: str, seconds: float = 0, **extra: object) -> str:
    body = {"inputs": {"token": token, "ledger": str(cluster.ledger), "seconds": seconds}, **extra}
    return submit(client, process_id(client, "counter"), body)


def process_id(client: httpx.Client, name: str) -> str:
    response = client.get(f"/processes/{name}")
    return str(response.json()["id"]) if response.status_code == 200 else deploy(client, name)


def job_log(client: httpx.Client, job_id: str) -> str:
    """The log of a job that ended on a worker: it reaches the store moments after the job's final status."""
    text: str = wait_until(lambda: client.get(f"/jobs/{job_id}/logs").text, timeout=10, message="the job's log")
    return text


def worker_running(cluster: Cluster, tool_pid: int) -> psutil.Process:
    """The `swath worker` main process under which the tool with this pid runs."""
    workers = {worker.pid for worker in cluster.workers}
    for ancestor in psutil.Process(tool_pid).parents():
        if ancestor.pid in workers:
            return ancestor
    raise AssertionError(f"tool {tool_pid} runs under no worker")


def is_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


