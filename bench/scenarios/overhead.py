"""1. Per-job overhead: one trivial CWL job at a time, submitted async and polled until `successful`.

Baseline: the same tool and inputs run by the `cwltool` command line, as a user without Swath would.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime

import httpx

from bench.options import Options
from bench.report import Run
from bench.servers import DATA, SwathServer, deploy, running, wait_until
from bench.stats import Figure, Summary, Target

SCENARIO = "1 overhead"
# Polling this often adds at most ~2 ms to what is measured, and costs the server little.
POLL_INTERVAL = 0.002


def run(results: Run, options: Options) -> None:
    baseline = Figure(SCENARIO, "cwltool command line", "ms", Summary.of(_cwltool_runs(options.cwltool_runs)))
    server = SwathServer(options.work_dir / "overhead", settings={"workers": str(options.workers)})
    with running(server), httpx.Client(base_url=server.url, timeout=60) as client:
        process_id = deploy(client, DATA / "echo.cwl")
        _one_job(client, process_id)  # the first job pays for imports nobody else pays for
        samples = [_one_job(client, process_id) for _ in range(options.overhead_jobs)]
    results.add(
        Figure(
            SCENARIO,
            "submit → successful (echo CWL)",
            "ms",
            Summary.of([total for total, _, _ in samples]),
            targets=[Target("median", "<", 100), Target("median", ">=", 10, on="ratio")],
            baseline=baseline,
        ),
        Figure(SCENARIO, "  of which created → started", "ms", Summary.of([queued for _, queued, _ in samples])),
        Figure(SCENARIO, "  of which started → finished", "ms", Summary.of([ran for _, _, ran in samples])),
        baseline,
    )


def _one_job(client: httpx.Client, process_id: str) -> tuple[float, float, float]:
    """(end to end, queued, running) in ms; the last two from the job's own timestamps."""
    begin = time.perf_counter()
    response = client.post(
        f"/processes/{process_id}/execution", json={"inputs": {"message": "hello"}}, headers={"Prefer": "respond-async"}
    )
    if response.status_code != 201:
        raise RuntimeError(f"submitting answered {response.status_code}: {response.text}")
    job_url = f"/jobs/{response.json()['jobID']}"

    def finished() -> dict[str, str] | None:
        status: dict[str, str] = client.get(job_url).json()
        if status["status"] in ("failed", "dismissed"):
            raise RuntimeError(f"the benchmark job ended {status['status']}: {status.get('message')}")
        return status if status["status"] == "successful" else None

    status = wait_until(finished, timeout=60, what="the echo job", interval=POLL_INTERVAL)
    total = (time.perf_counter() - begin) * 1000
    created, started, ended = (datetime.fromisoformat(status[key]) for key in ("created", "started", "finished"))
    return total, (started - created).total_seconds() * 1000, (ended - started).total_seconds() * 1000


def _cwltool_runs(count: int) -> list[float]:
    samples = []
    for _ in range(count):
        begin = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cwltool",
                "--quiet",
                "--outdir",
                "/tmp/bench-cwltool-out",
                str(DATA / "echo.cwl"),
                str(DATA / "echo-job.yml"),
            ],
            check=True,
            capture_output=True,
        )
        samples.append((time.perf_counter() - begin) * 1000)
    return samples
