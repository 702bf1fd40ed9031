"""8. Soak: `soak_jobs` small jobs through the embedded service while a random share is dismissed and the runner
pool is killed (SIGKILL, its jobs' processes with it) every `soak_kill_interval` seconds.

Every job notes each run's start and end in a ledger. At the end every accepted job must be final (none lost, none
stuck), a failed one must say why, a successful one must have a run that ended, and no job may have two runs at
once (two starts before an end). How many jobs ran again after a kill, and how long it all took, are reported.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

from bench.options import Options
from bench.report import Run
from bench.servers import DATA, SwathServer, deploy, running, wait_until
from bench.stats import Figure, Target, single
from bench.store import count_jobs

SCENARIO = "8 soak"
_SUBMITTERS = 8
_DISMISS_SHARE = 0.05


def run(results: Run, options: Options) -> None:
    folder = options.work_dir / "soak"
    ledger = folder / "ledger.txt"
    settings = {"workers": str(options.workers), "heartbeat_interval": "0.5", "heartbeat_timeout": "5"}
    with running(SwathServer(folder, settings=settings)) as server:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            process_id = deploy(client, DATA / "ledger.cwl")
        database = f"sqlite:///{server.data_dir / 'swath.db'}"
        stop_killing = threading.Event()
        kills: list[float] = []
        killer = threading.Thread(target=_kill_pools, args=(server, options.soak_kill_interval, stop_killing, kills))
        begin = time.perf_counter()
        killer.start()
        try:
            accepted, dismissed = _submit_and_dismiss(server.url, process_id, ledger, options.soak_jobs)
            wait_until(
                lambda: count_jobs(database, process_id).unfinished == 0,
                timeout=3600,
                what=f"{options.soak_jobs} jobs to end",
                interval=1,
            )
        finally:
            stop_killing.set()
            killer.join()
        wall = time.perf_counter() - begin
        with httpx.Client(base_url=server.url, timeout=60) as client:
            statuses = _statuses(client, process_id)
    results.add(*_judge(accepted, dismissed, statuses, ledger, kills, wall))


def _submit_and_dismiss(url: str, process_id: str, ledger: Path, total: int) -> tuple[dict[int, str], set[str]]:
    """Submit `total` jobs (token = index), dismissing a random share of them right after their submission."""
    accepted: dict[int, str] = {}
    dismissed: set[str] = set()
    chooser = random.Random(42)
    to_dismiss = set(chooser.sample(range(total), int(total * _DISMISS_SHARE)))

    def submit(token: int, client: httpx.Client) -> None:
        body = {"inputs": {"ledger": str(ledger), "token": token}}
        response = client.post(f"/processes/{process_id}/execution", json=body, headers={"Prefer": "respond-async"})
        if response.status_code != 201:
            raise RuntimeError(f"submission {token} answered {response.status_code}: {response.text}")
        job_id = response.json()["jobID"]
        accepted[token] = job_id
        if token in to_dismiss and client.delete(f"/jobs/{job_id}").status_code == 200:
            dismissed.add(job_id)

    def submitter(tokens: range) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            for token in tokens:
                submit(token, client)

    with ThreadPoolExecutor(_SUBMITTERS) as pool:
        for future in [pool.submit(submitter, range(i, total, _SUBMITTERS)) for i in range(_SUBMITTERS)]:
            future.result()
    return accepted, dismissed


def _kill_pools(server: SwathServer, interval: float, stop: threading.Event, kills: list[float]) -> None:
    """SIGKILL the runner pool and its jobs every `interval` seconds; the server starts a new pool each time."""
    while not stop.wait(interval):
        assert server.process is not None
        for child in psutil.Process(server.process.pid).children():
            if "swath.runner.pool" in " ".join(child.cmdline()):
                victims = [child, *child.children(recursive=True)]
                for victim in victims:
                    victim.send_signal(signal.SIGKILL)
                kills.append(time.perf_counter())


def _statuses(client: httpx.Client, process_id: str) -> dict[str, dict[str, str]]:
    """Every job of the process: its status and message, through the API's keyset paging."""
    found: dict[str, dict[str, str]] = {}
    url: str | None = f"/jobs?processID={process_id}&limit=1000"
    while url:
        page = client.get(url).json()
        for job in page["jobs"]:
            found[job["jobID"]] = {"status": job["status"], "message": job.get("message") or ""}
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return found


def _judge(
    accepted: dict[int, str],
    dismissed: set[str],
    statuses: dict[str, dict[str, str]],
    ledger: Path,
    kills: list[float],
    wall: float,
) -> list[Figure]:
    events: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for line in ledger.read_text().splitlines():
        event, token, pid = line.split()
        events[int(token)].append((event, pid))
    lost = [token for token, job_id in accepted.items() if statuses.get(job_id, {}).get("status") not in _FINAL]
    unexplained = [job_id for job_id, job in statuses.items() if job["status"] == "failed" and not job["message"]]
    successful = {token for token, job_id in accepted.items() if statuses[job_id]["status"] == "successful"}
    without_run = [token for token in successful if not any(event == "end" for event, _ in events[token])]
    doubled = [token for token, runs in events.items() if _overlaps(runs)]
    again = [token for token, runs in events.items() if sum(event == "start" for event, _ in runs) > 1]
    by_status: dict[str, int] = defaultdict(int)
    for job in statuses.values():
        by_status[job["status"]] += 1
    note = (
        f"{len(accepted)} accepted, {len(dismissed)} dismissed at once, {len(kills)} pool kills; "
        f"{dict(by_status)}; {wall:.0f} s in all"
    )
    zero = [Target("median", "<=", 0)]
    return [
        Figure(SCENARIO, f"jobs lost or stuck, of {len(accepted)}", "jobs", single(len(lost)), targets=zero, note=note),
        Figure(SCENARIO, "jobs run twice at once", "jobs", single(len(doubled)), targets=zero),
        Figure(SCENARIO, "failed jobs without a message", "jobs", single(len(unexplained)), targets=zero),
        Figure(SCENARIO, "successful jobs without a finished run", "jobs", single(len(without_run)), targets=zero),
        Figure(SCENARIO, "jobs whose tool ran again after a kill", "jobs", single(len(again)), better="lower"),
        Figure(SCENARIO, "jobs ended per second, under kills", "jobs/s", single(len(accepted) / wall), better="higher"),
    ]


_FINAL = {"successful", "failed", "dismissed"}


def _overlaps(runs: list[tuple[str, str]]) -> bool:
    """Whether a run started while another run of the same job, one that went on to its end, was under way (a run
    whose runner was killed has a start and no end, and overlaps nothing)."""
    ended = {pid for event, pid in runs if event == "end"}
    under_way: set[str] = set()
    for event, pid in runs:
        if event == "start":
            if under_way & ended:
                return True
            under_way.add(pid)
        else:
            under_way.discard(pid)
    return False
