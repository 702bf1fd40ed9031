"""The runner pool: one warm process that claims jobs and forks one child per job.

Started by the local executor as `python -m swath.runner.pool`, it reads the settings as JSON on its first input
line, then commands, one a line: `run <job id>` and `cancel <job id>`. End of input means the server is gone: the
pool stops its jobs, gives them back to the queue and exits. At its start it takes back the jobs of a pool of this
machine that died, and looks in the table for accepted jobs, so a successor takes over at once.

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
import sys
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from swath.errors import StoreUnavailable
from swath.runner.execute import warm_up
from swath.runner.supervision import Supervisor
from swath.services.recovery import RunnerId, RunnerKind, recover_jobs
from swath.settings import Settings
from swath.store import jobs as job_store
from swath.store.database import create_database_engine, create_session_factory, reading
from swath.store.records import JobStatus

log = logging.getLogger("swath.runner.pool")

# How often the pool looks in the table for accepted jobs it was not told about (after a restart, a lost message).
_QUEUE_POLL_INTERVAL = 1.0


class RunnerPool:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        sessions = create_session_factory(create_database_engine(settings.resolved_database_url))
        self.sessions = sessions
        runner = RunnerId.here(RunnerKind.local)
        self.supervisor = Supervisor(settings, sessions, runner)
        self._last_beat = 0.0
        self.wanted: deque[str] = deque()
        self.stopping = False
        self._input = b""
        # The first round looks in the table at once: a new pool takes over the jobs queued for the one before it.
        self._last_poll = -_QUEUE_POLL_INTERVAL

    def serve(self, commands: int) -> None:
        try:
            # Jobs of a pool that died (its children died with it) are this pool's to give back, at once.
            recover_jobs(self.sessions, self.settings)
        except StoreUnavailable as error:
            log.warning("Runner pool: %s The server's reaper takes stale jobs back later.", error.detail)
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
            timeout = min(self.supervisor.timeout(), _QUEUE_POLL_INTERVAL / 2)
            for key, _ in selector.select(timeout=timeout):
                if key.data == "commands":
                    self._read_commands(commands)
                else:
                    with contextlib.suppress(BlockingIOError):
                        os.read(wakeup_read, 4096)
            try:
                self.supervisor.reap()
                self._fill_slots()
                self.supervisor.tick()
                self._beat()
            except StoreUnavailable as error:
                # The database is away for a moment; jobs keep running, and the next round tries again.
                log.warning("Runner pool: %s", error.detail)
                time.sleep(1)
        self.supervisor.shutdown()
        pool_beat_file(self.settings, os.getpid()).unlink(missing_ok=True)

    def _beat(self) -> None:
        """Touch this pool's beat file: the server's `/health` tells a hung pool by its age."""
        if time.monotonic() - self._last_beat < self.settings.heartbeat_interval:
            return
        self._last_beat = time.monotonic()
        pool_beat_file(self.settings, os.getpid()).touch()

    def _read_commands(self, commands: int) -> None:
        try:
            chunk = os.read(commands, 65536)
        except BlockingIOError:
            return
        if not chunk:  # the server is gone
            self.stopping = True
            return
        self._input += chunk
        *lines, self._input = self._input.split(b"\n")
        for line in lines:
            verb, _, job_id = line.decode().strip().partition(" ")
            if verb == "run":
                self.wanted.append(job_id)
            elif verb == "cancel":
                with contextlib.suppress(ValueError):
                    self.wanted.remove(job_id)
                self.supervisor.stop(job_id, reason=None)

    def _fill_slots(self) -> None:
        free = self.settings.workers - len(self.supervisor.jobs)
        if free > 0 and not self.wanted and time.monotonic() - self._last_poll >= _QUEUE_POLL_INTERVAL:
            self._last_poll = time.monotonic()
            with reading(self.sessions) as session:
                due = job_store.list_job_ids(session, JobStatus.accepted, free, due_at=datetime.now(UTC))
                self.wanted.extend(due)
        while free > 0 and self.wanted:
            if self.supervisor.start(self.wanted.popleft()) is not None:
                free -= 1


def pool_beat_file(settings: Settings, pid: int) -> Path:
    """The file a pool touches at each heartbeat (in its work directory's parent, the data directory)."""
    return settings.work_dir.parent / f"runner-pool-{pid}.beat"


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
    settings = Settings.from_handover(_read_first_line(commands))
    pool = RunnerPool(settings)
    pool_beat_file(settings, os.getpid()).touch()
    # Once, before any fork: every child then starts with cwltool's schemas loaded (~1.2 s saved per job).
    warm_up(settings.container_runtime)
    # What is loaded now is shared with every child. Left to the collector, it would be written to (a collection
    # touches every object it tracks) and so copied into each child: frozen, a trivial job's own memory fell from
    # ~50 to ~14 MiB (bench/, scenario 5).
    gc.freeze()
    pool.serve(commands)


if __name__ == "__main__":
    main()
