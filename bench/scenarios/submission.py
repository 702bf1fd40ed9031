"""3. Submission: concurrent async `POST /processes/{id}/execution`: accepted jobs per second and latency.

Measured twice in the same run: with authentication off, and with it on (`SWATH_AUTH_MODE=on`, every request
carrying a Swath API token), so the cost of checking a token shows against the same load.

The bound is measured in the same run with the same load generator: a bare FastAPI route on the same web stack
(`bench.bare_app`), which is as fast as any route of this stack can answer on this machine. Afterwards every
accepted job must be in the store.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bench.load import Burst, has_wrk, httpx_burst, wrk_burst
from bench.options import Options
from bench.report import Run
from bench.servers import DATA, SwathServer, child_environment, deploy, free_port, running, wait_until
from bench.stats import Figure, Summary, Target, single
from bench.store import count_jobs, job_ids

SCENARIO = "3 submission"
BODY = {"inputs": {"message": "hi"}}


def run(results: Run, options: Options) -> None:
    generator = options.load_generator if options.load_generator != "wrk" or has_wrk() else "httpx"
    if generator != options.load_generator:
        results.notes.append("wrk is not installed (apt-get install wrk); submission used the httpx generator.")
    with _bare_server() as bare_url:
        bare = measure(bare_url + "/processes/bare/execution", generator, options)
    server = SwathServer(options.work_dir / "submission", settings={"workers": str(options.workers)})
    with running(server), httpx.Client(base_url=server.url, timeout=60) as client:
        process_id = deploy(client, DATA / "echo.cwl")
        burst = measure(f"{server.url}/processes/{process_id}/execution", generator, options)
        missing = _missing(burst, f"sqlite:///{server.data_dir / 'swath.db'}", process_id)
    results.add(*figures("Swath", burst, bare, missing, generator, options))
    secured = SwathServer(
        options.work_dir / "submission-auth", settings={"workers": str(options.workers), "auth_mode": "on"}
    )
    token = _make_token(secured)
    headers = {"Authorization": f"Bearer {token}"}
    with running(secured), httpx.Client(base_url=secured.url, timeout=60, headers=headers) as client:
        process_id = deploy(client, DATA / "echo.cwl")
        burst = measure(f"{secured.url}/processes/{process_id}/execution", generator, options, headers)
        missing = _missing(burst, f"sqlite:///{secured.data_dir / 'swath.db'}", process_id)
    # The bare route's figures were added once above; only the authenticated server's own are added here.
    results.add(*figures("Swath, auth on", burst, bare, missing, generator, options)[:-2])


def _make_token(server: SwathServer) -> str:
    """An admin API token in the server's database, made the way an operator makes one."""
    environment = child_environment(
        {"SWATH_DATA_DIR": str(server.data_dir), "SWATH_PUBLIC_URL": server.url, "SWATH_AUTH_MODE": "on"}
    )
    server.data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "swath", "token", "create", "--user", "bench", "--role", "admin"]
    return subprocess.run(command, env=environment, capture_output=True, text=True, check=True).stdout.strip()


def figures(who: str, burst: Burst, bare: Burst, missing: int | None, generator: str, options: Options) -> list[Figure]:
    """The figures of one server's burst against the bare route's, shared with the peer scenario."""
    bare_rate = Figure(SCENARIO, "bare FastAPI route", "req/s", single(bare.accepted_per_second), better="higher")
    bare_latency = Figure(SCENARIO, "bare FastAPI route latency", "ms", _latency(bare))
    where = f"{generator}, {options.concurrency} connections"
    found = (
        []
        if missing is None
        else [
            Figure(
                SCENARIO,
                f"{who}: accepted jobs missing afterwards",
                "jobs",
                single(missing),
                targets=[Target("max", "<=", 0)],
            )
        ]
    )
    return [
        Figure(
            SCENARIO,
            f"{who}: accepted/s ({where})",
            "jobs/s",
            single(burst.accepted_per_second),
            better="higher",
            targets=[Target("median", ">=", 1000)],
            baseline=bare_rate,
            note=f"{burst.accepted} accepted, {burst.refused} refused in {burst.seconds:.1f} s",
        ),
        Figure(
            SCENARIO,
            f"{who}: latency ({where})",
            "ms",
            _latency(burst),
            stat="p99",
            targets=[Target("p99", "<", 20)],
            baseline=bare_latency,
        ),
        *found,
        bare_rate,
        bare_latency,
    ]


def _latency(burst: Burst) -> Summary:
    return Summary.of(burst.latencies_ms) if burst.latencies_ms else _wrk_latency[id(burst)]


# wrk reports percentiles, not samples; its summaries are kept here by burst.
_wrk_latency: dict[int, Summary] = {}


def measure(url: str, generator: str, options: Options, headers: dict[str, str] | None = None) -> Burst:
    if generator == "httpx":
        return httpx_burst(url, BODY, options.submissions, options.concurrency, headers)
    report = wrk_burst(url, BODY, options.load_seconds, options.concurrency, headers=headers)
    seconds = report["duration_us"] / 1e6
    burst = Burst(seconds, report["accepted"], report["requests"] - report["accepted"], generator="wrk")
    _wrk_latency[id(burst)] = Summary(
        n=report["requests"],
        min=report["min"] / 1000,
        median=report["p50"] / 1000,
        p95=report["p95"] / 1000,
        p99=report["p99"] / 1000,
        max=report["max"] / 1000,
        mean=report["mean"] / 1000,
    )
    return burst


def _missing(burst: Burst, database_url: str, process_id: str) -> int:
    """Accepted jobs not in the store: by id (httpx knows them), else by count (wrk does not)."""
    if burst.job_ids:
        return len(set(burst.job_ids) - job_ids(database_url, process_id))
    return max(0, burst.accepted - count_jobs(database_url, process_id).total)


@contextmanager
def _bare_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.bare_app", str(port)], env=child_environment({}))
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(url + "/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, timeout=60, what="the bare FastAPI server")
        yield url
    finally:
        process.terminate()
        process.wait(30)


__all__: list[Any] = ["figures", "measure", "run"]
