"""2. Throughput of small jobs: `throughput_jobs` trivial CWL jobs submitted at once; jobs completed per second.

Each executor is a variant: `local` (the embedded runner pool) always runs; `celery` runs once Swath has a Celery
executor (`SWATH_EXECUTOR=celery` and a `swath worker` command), and is reported as not available until then.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx

from bench.load import httpx_burst
from bench.options import Options
from bench.report import Run
from bench.servers import DATA, SwathServer, child_environment, deploy, running, wait_until
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
        with running(SwathServer(folder, settings)) as server:
            yield server
        return
    # Celery: the server only queues; `options.workers` worker processes on this machine run the jobs.
    settings |= {"executor": "celery", "broker_url": RABBITMQ_URL}
    with running(SwathServer(folder, settings)) as server:
        environment = child_environment(
            {f"SWATH_{key.upper()}": value for key, value in settings.items()}
            | {"SWATH_DATA_DIR": str(folder), "SWATH_CONTAINER_RUNTIME": "none"}
        )
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "swath", "worker"],
                env=environment,
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(options.workers)
        ]
        try:
            yield server
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(30)


def _measure(server: SwathServer, executor: str, options: Options) -> Figure:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        process_id = deploy(client, DATA / "echo.cwl")
    database = f"sqlite:///{server.data_dir / 'swath.db'}"
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
