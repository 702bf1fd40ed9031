"""5. Memory: the server's resident memory idle and with `queued_jobs` jobs queued, and the memory of one running job.

The server is the `swath serve` process; its runner pool is a separate process, reported beside it. A running job is
a process forked from the warm pool, sharing most of its pages copy-on-write, so its own cost is its unique set
size (USS: pages no other process shares), summed over the job's process tree.
"""

from __future__ import annotations

import time

import httpx
import psutil

from bench.load import httpx_burst
from bench.options import Options
from bench.report import Run
from bench.servers import DATA, SwathServer, deploy, running, wait_until
from bench.stats import Figure, Summary, Target

SCENARIO = "5 memory"
MiB = 2**20


def run(results: Run, options: Options) -> None:
    server = SwathServer(options.work_dir / "memory", settings={"workers": str(options.workers)})
    with running(server), httpx.Client(base_url=server.url, timeout=60) as client:
        me = psutil.Process(server.pid)
        pool = wait_until(lambda: _pool(me), timeout=30, what="the runner pool")
        wait_until(lambda: _is_settled(pool), timeout=60, what="the runner pool to finish warming up")
        for _ in range(20):
            client.get("/jobs")  # a served server, not a cold one
        idle, pool_idle = _rss(me), _rss(pool)
        sleep_id, echo_id = deploy(client, DATA / "sleep.cwl"), deploy(client, DATA / "echo.cwl")
        for _ in range(options.workers):
            response = client.post(
                f"/processes/{sleep_id}/execution",
                json={"inputs": {"seconds": 120}},
                headers={"Prefer": "respond-async"},
            )
            response.raise_for_status()
        wait_until(lambda: len(pool.children()) >= options.workers, timeout=60, what="the sleep jobs to start")
        httpx_burst(
            f"{server.url}/processes/{echo_id}/execution", {"inputs": {"message": "m"}}, options.queued_jobs, 16
        )
        queued = _rss(me)
        per_job = [_tree_uss(child) for child in pool.children()]
    results.add(
        Figure(SCENARIO, "server RSS idle", "MiB", Summary.of(idle), targets=[Target("median", "<", 150)]),
        Figure(SCENARIO, "runner pool RSS idle (separate process)", "MiB", Summary.of(pool_idle)),
        Figure(SCENARIO, f"server RSS, {options.queued_jobs} jobs queued", "MiB", Summary.of(queued)),
        Figure(SCENARIO, "per running job (USS of its process tree)", "MiB", Summary.of(per_job)),
    )


def _pool(server: psutil.Process) -> psutil.Process | None:
    for child in server.children():
        if "swath.runner.pool" in " ".join(child.cmdline()):
            return child
    return None


def _is_settled(process: psutil.Process) -> bool:
    """True once resident memory stops growing: the pool has imported cwltool and loaded its schemas."""
    before = process.memory_info().rss
    time.sleep(0.5)  # the interval being measured over, not a wait for something
    return abs(process.memory_info().rss - before) < MiB


def _rss(process: psutil.Process, samples: int = 10) -> list[float]:
    values = []
    for _ in range(samples):
        values.append(process.memory_info().rss / MiB)
        time.sleep(0.05)  # sampling memory over half a second, not waiting for anything
    return values


def _tree_uss(process: psutil.Process) -> float:
    return sum(member.memory_full_info().uss for member in [process, *process.children(recursive=True)]) / MiB
