"""The runner pool: one warm process that claims jobs and forks one child per job.

Started by the local executor as `python -m swath.runner.pool`, it reads the settings as JSON on its first input
line, then commands, one a line: `run <job id>` and `cancel <job id>`. End of input means the server is gone: the
pool stops its jobs, gives them back to the queue and exits.

Why this shape (measurements in DESIGN.md): a child forked from a process that already imported cwltool starts a
tool in ~40 ms; one child per job keeps cwltool's global logger and child list per job; its own session lets a
dismiss kill the whole tree (killpg SIGTERM, a short grace, then SIGKILL); and this process runs no threads, so
forking it is safe. The job table does the claiming, so a job handed over twice runs once.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import selectors
import signal
import socket
import sys
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from swath.errors import StoreUnavailable
from swath.runner.execute import warm_up
from swath.runner.jobprocess import (
    KILL_GRACE,
    RunningJob,
    beat_and_find_dismissed,
    claim,
    clean,
    fork_job,
    record_exit,
    signal_group,
)
from swath.settings import Settings
from swath.store import jobs as job_store
from swath.store.database import create_database_engine, create_session_factory, reading, transaction
from swath.store.records import JobRecord, JobStatus, ProcessRecord

log = logging.getLogger("swath.runner.pool")

# How often the pool looks in the table for accepted jobs it was not told about (after a restart, a lost message).
_QUEUE_POLL_INTERVAL = 1.0


def runner_prefix() -> str:
    """Runner ids of local pools on this machine start with this, so a new server can find their orphans."""
    return f"local:{socket.gethostname()}:"


class RunnerPool:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions = create_session_factory(create_database_engine(settings.resolved_database_url))
        self.runner_id = f"{runner_prefix()}{os.getpid()}"
        self.children: dict[int, RunningJob] = {}
        self.wanted: deque[str] = deque()
        self.stopping = False
        self._input = b""
        self._last_poll = 0.0
        self._last_beat = 0.0

    # The loop.

    def serve(self, commands: int) -> None:
        os.set_blocking(commands, False)
        selector = selectors.DefaultSelector()
        selector.register(commands, selectors.EVENT_READ, "commands")
        # A child's exit wakes the loop at once (its slot is free for the next job) through this pipe.
        wakeup_read, wakeup_write = os.pipe()
        os.set_blocking(wakeup_read, False)
        os.set_blocking(wakeup_write, False)
        selector.register(wakeup_read, selectors.EVENT_READ, "signal")
        signal.set_wakeup_fd(wakeup_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while not self.stopping:
            for key, _ in selector.select(timeout=self._timeout()):
                if key.data == "commands":
                    self._read_commands(commands)
                else:
                    with contextlib.suppress(BlockingIOError):
                        os.read(wakeup_read, 4096)
            try:
                self._reap()
                self._fill_slots()
                self._watch()
            except StoreUnavailable as error:
                # The database is away for a moment; jobs keep running, and the next round tries again.
                log.warning("Runner pool: %s", error.detail)
                time.sleep(1)
        self._shutdown()

    def _timeout(self) -> float:
        if any(child.kill_after for child in self.children.values()):
            return 0.05
        return min(self.settings.heartbeat_interval, _QUEUE_POLL_INTERVAL) / 2

    def _read_commands(self, commands: int) -> None:
        try:
            chunk = os.read(commands, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self.stopping = True
            return
        self._input += chunk
        *lines, self._input = self._input.split(b"\n")
        for line in lines:
            verb, _, job_id = line.decode().strip().partition(" ")
            if verb == "run":
                self.wanted.append(job_id)
            elif verb == "cancel":
                self._cancel(job_id, reason=None)

    # Starting jobs.

    def _fill_slots(self) -> None:
        free = self.settings.workers - len(self.children)
        if free > 0 and not self.wanted and time.monotonic() - self._last_poll >= _QUEUE_POLL_INTERVAL:
            self._last_poll = time.monotonic()
            with reading(self.sessions) as session:
                self.wanted.extend(job_store.list_job_ids(session, JobStatus.accepted, free))
        while free > 0 and self.wanted:
            claimed = self._claim(self.wanted.popleft())
            if claimed is not None:
                self._fork(*claimed)
                free -= 1

    def _claim(self, job_id: str) -> tuple[JobRecord, ProcessRecord] | None:
        return claim(self.sessions, job_id, self.runner_id)

    def _fork(self, job: JobRecord, process: ProcessRecord) -> None:
        child = fork_job(self.settings, self.sessions, job, process, time.monotonic())
        self.children[child.pid] = child

    # Watching jobs.

    def _watch(self) -> None:
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.kill_after is not None and now >= child.kill_after:
                signal_group(child.pid, signal.SIGKILL)
            limit = self.settings.job_time_limit
            if limit and child.kill_after is None and now - child.started > limit:
                self._cancel(child.job_id, reason=f"The job ran longer than the time limit of {limit:g} seconds.")
        if now - self._last_beat >= self.settings.heartbeat_interval:
            self._last_beat = now
            self._beat()

    def _beat(self) -> None:
        """Mark our jobs alive, and stop any that were dismissed through another server."""
        job_ids = [child.job_id for child in self.children.values()]
        for job_id in beat_and_find_dismissed(self.sessions, job_ids):
            self._cancel(job_id, reason=None)

    def _cancel(self, job_id: str, reason: str | None) -> None:
        with contextlib.suppress(ValueError):
            self.wanted.remove(job_id)
        for child in self.children.values():
            if child.job_id == job_id and child.kill_after is None:
                child.kill_reason = reason
                child.kill_after = time.monotonic() + KILL_GRACE
                signal_group(child.pid, signal.SIGTERM)

    # Ending jobs.

    def _reap(self) -> None:
        while self.children:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is not None:
                # Tools the job started in its group may outlive it; nothing of a finished job may keep running.
                signal_group(pid, signal.SIGKILL)
                record_exit(self.sessions, self.runner_id, child, wait_status)
                clean(self.settings, child.work_dir)

    def _shutdown(self) -> None:
        """Stop every job and give it back to the queue: the next start runs it again."""
        for child in self.children.values():
            signal_group(child.pid, signal.SIGKILL)
        now = datetime.now(UTC)
        for pid, child in list(self.children.items()):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            with transaction(self.sessions) as session:
                job = job_store.get_job(session, child.job_id)
                if job is not None and job.status is JobStatus.running and job.runner == self.runner_id:
                    reason = "The server stopped while the job ran."
                    job_store.release_job(session, job, self.settings.max_attempts, reason, now)
            clean(self.settings, child.work_dir)
        self.children.clear()


def release_orphans(settings: Settings) -> int:
    """Give back running jobs of pools on this machine whose process is gone (a killed server's); returns how many.

    A pool that still lives (another server on this machine sharing the database) keeps its jobs.
    """
    engine = create_database_engine(settings.resolved_database_url)
    sessions = create_session_factory(engine)
    now = datetime.now(UTC)
    count = 0
    with transaction(sessions) as session:
        for job in job_store.list_running_jobs(session, runner_prefix=runner_prefix()):
            if _is_alive(int((job.runner or "").rsplit(":", 1)[-1] or 0)):
                continue
            reason = f"The runner of this job ({job.runner}) stopped while the job ran."
            count += job_store.release_job(session, job, settings.max_attempts, reason, now) is not None
    engine.dispose()
    return count


def _is_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is gone for our purposes.
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


def _read_first_line(fd: int) -> bytes:
    # Byte by byte, so nothing after the settings line is left in a buffer the command loop never sees.
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line


def main() -> None:
    commands = sys.stdin.fileno()
    settings = Settings.model_validate_json(_read_first_line(commands))
    # Once, before any fork: every child then starts with cwltool's schemas loaded (~1.2 s saved per job).
    warm_up(settings.container_runtime)
    # What is loaded now is shared with every child. Left to the collector, it would be written to (a collection
    # touches every object it tracks) and so copied into each child: frozen, a trivial job's own memory fell from
    # ~50 to ~14 MiB (bench/, scenario 5).
    gc.freeze()
    RunnerPool(settings).serve(commands)


if __name__ == "__main__":
    main()
