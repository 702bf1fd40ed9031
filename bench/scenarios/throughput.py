"""2. Throughput of small jobs: `throughput_jobs` trivial CWL jobs submitted at once; jobs completed per second.

Each executor is a variant: `local` (the embedded runner pool) always runs; `celery` runs once Swath has a Celery
executor (`SWATH_EXECUTOR=celery` and a `swath worker` command), and is reported as not available until then.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from bench.load import httpx_burst
from bench.options import Options
from bench.report import Run
from bench.servers import (
    DATA,
    SwathServer,
    child_environment,
    deploy,
    fresh_postgresql_database,
    running,
    wait_until,
)
from bench.stats import Figure, Target, Unavailable, single
from bench.store import count_jobs

SCENARIO = "2 throughput"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"


def run(results: Run, options: Options) -> None:
    for executor in options.executors:
        reason = _unavailable_reason(executor)
        if reason:
            results.unavailable.append(Unavailable(SCENARIO, f"jobs/s ({executor})", reason))
            continue
        with ExitStack() as stack:
            server = stack.enter_context(_executor_server(executor, options))
            results.add(_measure(server, executor, options))


def _unavailable_reason(executor: str) -> str | None:
    if executor == "local":
        return None
    if executor != "celery":
        return f"unknown executor '{executor}'"
    probe = subprocess.run(
        [sys.executable, "-m", "swath", "worker", "--help"], env=child_environment({}), capture_output=True, check=False
    )
    return None if probe.returncode == 0 else "not available: this Swath has no Celery executor (`swath worker`)"


@contextmanager
def _executor_server(executor: str, options: Options) -> Iterator[SwathServer]:
    folder = options.work_dir / f"throughput-{executor}"
    settings = {"workers": str(options.workers)}
    if executor == "local":
        with running(SwathServer(folder, settings=settings)) as server:
            yield server
        return
    # Celery: the server only queues; a `swath worker` on this machine runs `options.workers` jobs at once, through
    # RabbitMQ, on a PostgreSQL database they all reach, on queues of this run's own.
    with fresh_postgresql_database(options.postgresql_url) as database_url:
        settings |= {
            "executor": "celery",
            "broker_url": RABBITMQ_URL,
            "database_url": database_url,
            "queue_prefix": f"bench-{uuid.uuid4().hex[:8]}",
        }
        with running(SwathServer(folder, settings=settings)) as server, _workers(folder, settings, options.workers):
            yield server


@contextmanager
def _workers(folder: Path, settings: dict[str, str], count: int) -> Iterator[None]:
    """One `swath worker` running `count` jobs at once, as the local pool does with `workers` runners."""
    environment = child_environment(
        {f"SWATH_{key.upper()}": value for key, value in settings.items()}
        | {"SWATH_DATA_DIR": str(folder), "SWATH_CONTAINER_RUNTIME": "none"}
    )
    with (folder / "worker.log").open("ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "swath", "worker", "--concurrency", str(count)],
            env=environment,
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield
    finally:
        worker.terminate()
        worker.wait(60)


def _measure(server: SwathServer, executor: str, options: Options) -> Figure:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        process_id = deploy(client, DATA / "echo.cwl")
    database = server.settings.get("database_url") or f"sqlite:///{server.data_dir / 'swath.db'}"
    begin = time.perf_counter()
    burst = httpx_burst(
        f"{server.url}/processes/{process_id}/execution", {"inputs": {"message": "hi"}}, options.throughput_jobs, 32
    )
    if burst.accepted != options.throughput_jobs:
        raise RuntimeError(f"only {burst.accepted} of {options.throughput_jobs} submissions were accepted")
    counts = wait_until(
        lambda: (c := count_jobs(database, process_id)).unfinished == 0 and c,
        timeout=900,
        what=f"{options.throughput_jobs} jobs to finish",
        interval=0.1,
    )
    wall = time.perf_counter() - begin
    successful = counts.by_status.get("successful", 0)
    if successful != options.throughput_jobs:
        raise RuntimeError(f"only {successful} of {options.throughput_jobs} jobs succeeded: {counts.by_status}")
    assert counts.first_created and counts.last_finished
    span = (counts.last_finished - counts.first_created).total_seconds()
    return Figure(
        SCENARIO,
        f"jobs/s, {options.throughput_jobs} echo CWL jobs ({executor}, {options.workers} runners)",
        "jobs/s",
        single(successful / span),
        better="higher",
        targets=[Target("median", ">=", 50)] if executor == "local" else [],
        note=f"first created to last finished {span:.2f} s; submit to all observed done {wall:.2f} s",
    )
