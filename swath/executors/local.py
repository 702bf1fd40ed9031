"""The local executor: a runner pool process on this machine, started and fed by the server.

The server never forks job processes itself (it runs threads and an event loop; DESIGN.md): it starts one pool
process (`swath.runner.pool`) and writes job ids to it. If the pool dies, the next hand-over starts a new one,
which finds every accepted job in the table.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

from swath.runner.pool import release_orphans
from swath.settings import Settings

log = logging.getLogger("swath.executor")

_STOP_WAIT = 10.0


class LocalExecutor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        # Jobs that a killed server's pool was running are ours to give back: that pool is gone with it.
        released = release_orphans(self.settings)
        if released:
            log.warning("Gave %d job(s) of a stopped runner back to the queue.", released)
        with self._lock:
            self._ensure_pool()

    def _ensure_pool(self) -> subprocess.Popen[bytes]:
        if self._pool is None or self._pool.poll() is not None:
            for folder in (self.settings.work_dir, self.settings.log_dir, self.settings.storage_dir):
                folder.mkdir(parents=True, exist_ok=True)
            self._pool = subprocess.Popen(
                [sys.executable, "-m", "swath.runner.pool"],
                stdin=subprocess.PIPE,
                # Its own session: a Ctrl-C meant for the server must not reach jobs; the server stops them.
                start_new_session=True,
            )
            assert self._pool.stdin is not None
            self._pool.stdin.write(self.settings.model_dump_json().encode() + b"\n")
            self._pool.stdin.flush()
        return self._pool

    def _send(self, line: str) -> None:
        with self._lock:
            for _ in range(2):
                pool = self._ensure_pool()
                try:
                    assert pool.stdin is not None
                    pool.stdin.write(line.encode() + b"\n")
                    pool.stdin.flush()
                    return
                except BrokenPipeError:
                    log.warning("The runner pool had stopped; starting a new one.")
                    self._pool = None

    def submit(self, job_id: str, queue: str | None = None) -> None:
        # One pool serves every queue class here: this machine is the only one.
        self._send(f"run {job_id}")

    def cancel(self, job_id: str) -> None:
        self._send(f"cancel {job_id}")

    def check(self) -> None:
        # The pool is started again at the next hand-over if it died; nothing here can be unreachable.
        return None

    def stop(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        if pool.stdin is not None:
            pool.stdin.close()
        try:
            pool.wait(_STOP_WAIT)
        except subprocess.TimeoutExpired:
            pool.kill()
            pool.wait()
