"""`python -m bench.slurm`: the same trivial CWL jobs through Swath's Slurm executor and through Toil's Slurm batch
system, in one run on one cluster; prints jobs/s and submit-to-finish latency for both.

Needs a running Slurm cluster (deploy/slurm/start-cluster.sh), PostgreSQL (`--postgresql-url`), and Toil in a
virtualenv of its own (`python3 -m venv /tmp/toil-venv && /tmp/toil-venv/bin/pip install 'toil[cwl]'`; Toil is no
dependency of Swath). Toil runs one `toil-cwl-runner` (a leader process on this machine) per job, `--toil-
concurrency` at a time; its leader submits the job's CWL step to Slurm and waits for it. Swath submits all jobs to
its API at once; the API submits one batch job per job.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from bench.servers import SwathServer, deploy, fresh_postgresql_database, running

DATA = Path(__file__).resolve().parent / "data"
TOOL, ORDER = DATA / "echo.cwl", DATA / "echo-job.yml"


@dataclass
class Outcome:
    name: str
    jobs: int
    succeeded: int
    wall: float
    latencies: list[float]

    def row(self) -> str:
        ordered = sorted(self.latencies) or [float("nan")]
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return (
            f"| {self.name} | {self.succeeded}/{self.jobs} | {self.wall:.1f} s | {self.succeeded / self.wall:.2f} | "
            f"{statistics.median(ordered):.2f} s | {p95:.2f} s | {max(ordered):.2f} s |"
        )


def run_swath(jobs: int, postgresql_url: str, folder: Path) -> Outcome:
    shared = folder / "shared"
    with fresh_postgresql_database(postgresql_url) as database_url:
        server = SwathServer(
            data_dir=folder / "swath-data",
            settings={
                "executor": "slurm",
                "storage": shared.as_uri(),
                "database_url": database_url,
                "slurm_node_data_dir": str(folder / "node"),
                "slurm_poll_interval": "1",
            },
        )
        with running(server), httpx.Client(base_url=server.url, timeout=60) as client:
            process_id = deploy(client, TOOL)
            started = time.time()
            job_ids = [_submit(client, process_id) for _ in range(jobs)]
            statuses = _wait_for_all(client, job_ids)
            wall = time.time() - started
    succeeded = [status for status in statuses if status["status"] == "successful"]
    latencies = [_seconds(status["created"], status["finished"]) for status in succeeded]
    # All jobs are submitted at once, so submit-to-finish includes the wait in Slurm's queue; the batch job's own
    # share (claimed on the node to finished) is shown beside it.
    on_node = [_seconds(status["started"], status["finished"]) for status in succeeded]
    print(f"Swath, started to finished on the node: median {statistics.median(on_node or [0]):.2f} s", flush=True)
    return Outcome("Swath, Slurm executor", jobs, len(succeeded), wall, latencies)


def _submit(client: httpx.Client, process_id: str) -> str:
    body = {"inputs": {"message": "hello"}}
    response = client.post(f"/processes/{process_id}/execution", json=body, headers={"Prefer": "respond-async"})
    response.raise_for_status()
    return str(response.json()["jobID"])


def _wait_for_all(client: httpx.Client, job_ids: list[str]) -> list[dict[str, str]]:
    pending, done = set(job_ids), {}
    deadline = time.monotonic() + 60 * 30
    while pending and time.monotonic() < deadline:
        for job_id in list(pending):
            status = client.get(f"/jobs/{job_id}").json()
            if status["status"] in ("successful", "failed", "dismissed"):
                done[job_id] = status
                pending.discard(job_id)
        time.sleep(0.5)
    return list(done.values())


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def run_toil(jobs: int, concurrency: int, toil: Path, folder: Path) -> Outcome:
    environment = dict(os.environ)
    # Toil's workers run `_toil_worker` from its virtualenv on the node.
    environment["PATH"] = f"{toil.parent}{os.pathsep}{environment.get('PATH', '')}"

    def one(number: int) -> float | None:
        place = folder / f"toil-{number}"
        place.mkdir(parents=True)
        command = [
            str(toil), "--batchSystem", "slurm", "--jobStore", str(place / "jobstore"), "--workDir", str(place),
            "--outdir", str(place / "out"), "--no-container", "--logLevel", "warning", str(TOOL), str(ORDER),
        ]  # fmt: skip
        started = time.time()
        done = subprocess.run(command, env=environment, capture_output=True, check=False)
        return time.time() - started if done.returncode == 0 else None

    started = time.time()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(jobs)))
    wall = time.time() - started
    latencies = [latency for latency in results if latency is not None]
    name = f"Toil {_toil_version(toil)}, slurm batch system ({concurrency} leaders)"
    return Outcome(name, jobs, len(latencies), wall, latencies)


def _toil_version(toil: Path) -> str:
    answer = subprocess.run([str(toil.parent / "toil"), "--version"], capture_output=True, text=True, check=False)
    return answer.stdout.strip() or "?"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.slurm", description=__doc__)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--toil-jobs", type=int, default=None, help="default: --jobs")
    parser.add_argument("--toil-concurrency", type=int, default=4)
    parser.add_argument("--toil", type=Path, default=Path("/tmp/toil-venv/bin/toil-cwl-runner"))
    parser.add_argument(
        "--postgresql-url",
        default=os.environ.get("SWATH_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--skip-toil", action="store_true")
    options = parser.parse_args()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="swath-bench-slurm-") as temporary:
        folder = Path(temporary)
        halves: list[Callable[[], Outcome]] = [lambda: run_swath(options.jobs, options.postgresql_url, folder)]
        if not options.skip_toil:
            toil_jobs = options.toil_jobs or options.jobs
            halves.append(lambda: run_toil(toil_jobs, options.toil_concurrency, options.toil, folder))
        for half in halves:
            outcome = half()
            outcomes.append(outcome)
            print(f"{outcome.name}: {outcome.succeeded}/{outcome.jobs} in {outcome.wall:.1f} s", flush=True)
    print()
    print("| system | succeeded | wall | jobs/s | latency median | p95 | max |")
    print("|---|---|---|---|---|---|---|")
    for outcome in outcomes:
        print(outcome.row())


if __name__ == "__main__":
    main()
