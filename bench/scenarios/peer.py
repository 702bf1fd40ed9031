"""6. A peer: the submission and listing scenarios against pygeoapi (TinyDB job manager, hello-world) and Swath,
side by side in the same run, with the same load generator; plus each server's idle memory.

pygeoapi is the baseline of every figure here, so each ratio says how many times better Swath did.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import psutil

from bench.load import httpx_burst
from bench.options import Options
from bench.peer import ensure_installed, pygeoapi_server
from bench.report import Run
from bench.servers import DATA, SwathServer, deploy, running
from bench.stats import Figure, Summary, Unavailable

SCENARIO = "6 peer"


def run(results: Run, options: Options) -> None:
    reason = ensure_installed()
    if reason:
        results.unavailable.append(Unavailable(SCENARIO, "pygeoapi", reason))
        return
    with pygeoapi_server(options.work_dir / "pygeoapi") as peer:
        peer_figures = _measure(
            "pygeoapi",
            peer.url,
            peer.pid,
            "hello-world",
            {"inputs": {"name": "bench"}},
            options,
            lambda client: client.get("/jobs", params={"f": "json", "limit": 10}),
        )
    server = SwathServer(options.work_dir / "peer-swath", settings={"workers": str(options.workers)})
    with running(server), httpx.Client(base_url=server.url, timeout=60) as client:
        process_id = deploy(client, DATA / "echo.cwl")
        swath_figures = _measure(
            "Swath",
            server.url,
            server.pid,
            process_id,
            {"inputs": {"message": "bench"}},
            options,
            lambda client: client.get("/jobs", params={"limit": 10}),
        )
    for mine, theirs in zip(swath_figures, peer_figures, strict=True):
        mine.baseline = theirs
        results.add(mine, theirs)


def _measure(
    who: str,
    url: str,
    pid: int,
    process_id: str,
    body: dict[str, object],
    options: Options,
    first_page: Callable[[httpx.Client], httpx.Response],
) -> list[Figure]:
    idle = psutil.Process(pid).memory_info().rss / 2**20
    burst = httpx_burst(f"{url}/processes/{process_id}/execution", body, options.peer_submissions, options.concurrency)
    listing = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(options.listing_repeats):
            begin = time.perf_counter()
            response = first_page(client)
            listing.append((time.perf_counter() - begin) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{who}: GET /jobs answered {response.status_code}: {response.text[:300]}")
    where = f"httpx, {options.concurrency} connections, {options.peer_submissions} jobs"
    return [
        Figure(
            SCENARIO,
            f"{who}: accepted/s ({where})",
            "jobs/s",
            Summary.of([burst.accepted_per_second]),
            better="higher",
            note=f"{burst.accepted} accepted, {burst.refused} refused",
        ),
        Figure(SCENARIO, f"{who}: submission latency", "ms", Summary.of(burst.latencies_ms or [0.0]), stat="p99"),
        Figure(SCENARIO, f"{who}: GET /jobs first page after the burst", "ms", Summary.of(listing), stat="p95"),
        Figure(SCENARIO, f"{who}: server RSS idle", "MiB", Summary.of([idle])),
    ]
