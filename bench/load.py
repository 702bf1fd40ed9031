"""Load generators for bursts of async executions.

`httpx`: an asyncio client with `concurrency` connections, run in a process of its own so it shares no interpreter
with the harness; it records every request's latency and the job ids it was given. `wrk`: Debian's C load
generator with a Lua script, for when one Python process cannot generate enough load to find the server's limit
(it reports latency percentiles and counts, not ids, so acceptance is verified by counting rows).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ASYNC = {"Prefer": "respond-async", "Content-Type": "application/json"}


@dataclass
class Burst:
    """What a load generator saw: per-request latencies (ms) of accepted requests, and the counts."""

    seconds: float
    accepted: int
    refused: int
    latencies_ms: list[float] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)
    generator: str = "httpx"

    @property
    def accepted_per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


async def _burst(
    url: str, body: dict[str, Any], total: int, concurrency: int, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    sent = {**ASYNC, **(headers or {})}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    job_ids: list[str] = []
    refused = 0
    remaining = iter(range(total))
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def worker() -> None:
            nonlocal refused
            for _ in remaining:
                begin = time.perf_counter()
                response = await client.post(url, json=body, headers=sent)
                elapsed = (time.perf_counter() - begin) * 1000
                if response.status_code == 201:
                    latencies.append(elapsed)
                    # pygeoapi answers an async execute with an empty body and the job in Location.
                    job_ids.append(response.headers.get("Location", "").rsplit("/", 1)[-1])
                else:
                    refused += 1

        begin = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - begin
    return {"seconds": seconds, "latencies": latencies, "job_ids": job_ids, "refused": refused}


def _burst_in_child(
    url: str, body: dict[str, Any], total: int, concurrency: int, queue: Any, headers: dict[str, str] | None = None
) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    queue.put(asyncio.run(_burst(url, body, total, concurrency, headers)))


def httpx_burst(
    url: str, body: dict[str, Any], total: int, concurrency: int, headers: dict[str, str] | None = None
) -> Burst:
    """POST `total` async executions to `url`, `concurrency` at a time, from a separate process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_burst_in_child, args=(url, body, total, concurrency, queue, headers))
    child.start()
    outcome = queue.get(timeout=900)
    child.join(60)
    return Burst(
        seconds=outcome["seconds"],
        accepted=len(outcome["job_ids"]),
        refused=outcome["refused"],
        latencies_ms=outcome["latencies"],
        job_ids=outcome["job_ids"],
    )


_WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Prefer"] = "respond-async"
%(headers)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) accepted = 0 end
function response(status, headers, body) if status == 201 then accepted = accepted + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("accepted") end
  io.write(string.format('BENCH {"requests": %%d, "accepted": %%d, "duration_us": %%d, "p50": %%d, "p95": %%d, ' ..
    '"p99": %%d, "min": %%d, "max": %%d, "mean": %%f, "socket_errors": %%d}\\n',
    summary.requests, total, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.min, latency.max, latency.mean,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk_burst(
    url: str,
    body: dict[str, Any],
    seconds: float,
    concurrency: int,
    threads: int = 1,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run wrk against `url` for `seconds`; returns its summary (latencies in µs) as a dict."""
    extra = "\n".join(
        f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in (headers or {}).items()
    )
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "execute.lua"
        script.write_text(_WRK_SCRIPT % {"body": json.dumps(json.dumps(body)), "headers": extra})
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{seconds:g}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    summary: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
    return summary
