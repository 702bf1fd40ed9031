"""The local executor: a runner pool process on this machine, started, fed and watched by the server.

The server never forks job processes itself (it runs threads and an event loop; DESIGN.md): it starts one pool
process (`swath.runner.pool`) and writes job ids to it. A pool that dies is started again at once by a watching
thread; the new pool takes back the jobs its predecessor ran (their processes died with it) and every accepted job
in the table, so nothing waits for the next submission.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import time

from swath.errors import RunnersUnavailable
from swath.runner.pool import pool_beat_file, pool_commands_file
from swath.settings import Settings

log = logging.getLogger("swath.executor")

_STOP_WAIT = 10.0
# A pool that dies sooner than this after its start is started again only after a pause, doubling up to the most.
_STEADY_AFTER = 5.0
_MOST_PAUSE = 30.0


class LocalExecutor:
    def __init__(self, settings: Settings, shared: bool = False) -> None:
        """`shared`: other API processes hand jobs to this pool too, through its named command pipe
        (`swath serve --api-workers N`; SharedPoolExecutor)."""
        self.settings = settings
        self._shared = shared
        self._pool: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._last_exit: int | None = None
        self._pool_started = 0.0

    def start(self) -> None:
        for folder in (self.settings.work_dir, self.settings.log_dir, self.settings.storage_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if self._shared:
            commands = pool_commands_file(self.settings)
            commands.unlink(missing_ok=True)  # a pipe left by a server that was killed
            os.mkfifo(commands, 0o600)
        with self._lock:
            pool = self._start_pool()
        threading.Thread(target=self._watch, args=(pool,), name="swath-pool-watch", daemon=True).start()

    def _start_pool(self) -> subprocess.Popen[bytes]:
        self._pool_started = time.time()
        self._pool = subprocess.Popen(
            # -P: the pool imports the Swath this server runs, never a checkout that happens to be the working
            # directory (the server and its runners would then disagree, e.g. on the allowed input folders).
            [sys.executable, "-P", "-m", "swath.runner.pool"],
            stdin=subprocess.PIPE,
            # Its own session: a Ctrl-C meant for the server must not reach jobs; the server stops them.
            start_new_session=True,
        )
        assert self._pool.stdin is not None
        self._pool.stdin.write(self.settings.to_handover() + b"\n")
        self._pool.stdin.flush()
        return self._pool

    def _watch(self, pool: subprocess.Popen[bytes]) -> None:
        pause = 0.0
        while True:
            started = time.monotonic()
            code = pool.wait()
            if self._stopping.is_set():
                return
            self._last_exit = code
            pause = min(max(pause * 2, 1.0), _MOST_PAUSE) if time.monotonic() - started < _STEADY_AFTER else 0.0
            log.warning("The runner pool stopped (exit code %s); starting a new one in %g s.", code, pause)
            if self._stopping.wait(pause):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                pool = self._start_pool()

    def _send(self, line: str) -> None:
        with self._lock:
            pool = self._pool
            if pool is None or pool.stdin is None:
                return
            try:
                pool.stdin.write(line.encode() + b"\n")
                pool.stdin.flush()
            except (BrokenPipeError, ValueError):
                # The pool died: its successor finds the job in the table (accepted, or dismissed) on its own.
                log.warning("The runner pool had stopped; its successor takes over.")

    def submit(self, job_id: str, queue: str | None = None) -> None:
        # One pool serves every queue class here: this machine is the only one.
        self._send(f"run {job_id}")

    def cancel(self, job_id: str) -> None:
        self._send(f"cancel {job_id}")

    def check(self) -> None:
        pool = self._pool
        if pool is None or pool.poll() is not None:
            code = self._last_exit if pool is None else pool.returncode
            raise RunnersUnavailable(
                f"The runner pool is not running (it stopped with exit code {code}); a new one is being started."
            )
        # A pool touches its beat file at each heartbeat; one that has not for the heartbeat timeout is hung.
        try:
            last_beat = pool_beat_file(self.settings, pool.pid).stat().st_mtime
        except FileNotFoundError:
            last_beat = self._pool_started
        timeout = self.settings.heartbeat_timeout
        if time.time() - last_beat > timeout:
            raise RunnersUnavailable(f"The runner pool has not beaten in the last {timeout:g} s; it may be hung.")

    def stop(self) -> None:
        self._stopping.set()
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
        if self._shared:
            pool_commands_file(self.settings).unlink(missing_ok=True)


class SharedPoolExecutor:
    """The local executor of an API process that did not start the pool (`swath serve --api-workers N`): the pool
    that `swath serve` started once runs every API process's jobs, and hears of them through its named pipe.

    A command lost (the pipe full, the pool restarting) costs nothing but time: the pool looks in the table for
    accepted jobs every second, and a dismissed job is stopped by its runner's supervision when it sees the status.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pipe: int | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Nothing to start: the pool is the serving command's."""

    def _send(self, line: str) -> None:
        data = line.encode() + b"\n"  # under PIPE_BUF: written whole, never mixed with another process's line
        with self._lock:
            for _ in range(2):  # once more on a pipe reopened after the pool's restart
                try:
                    if self._pipe is None:
                        self._pipe = os.open(pool_commands_file(self.settings), os.O_WRONLY | os.O_NONBLOCK)
                    os.write(self._pipe, data)
                    return
                except BlockingIOError:
                    return  # the pool is behind; it finds the job in the table
                except OSError:
                    self._close()
            log.warning("The runner pool's command pipe is not open; the pool finds the job in the table.")

    def _close(self) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                os.close(self._pipe)
            self._pipe = None

    def submit(self, job_id: str, queue: str | None = None) -> None:
        self._send(f"run {job_id}")

    def cancel(self, job_id: str) -> None:
        self._send(f"cancel {job_id}")

    def check(self) -> None:
        beats = sorted(
            (path.stat().st_mtime for path in self.settings.work_dir.parent.glob("runner-pool-*.beat")), reverse=True
        )
        timeout = self.settings.heartbeat_timeout
        if not beats:
            raise RunnersUnavailable("The runner pool is not running; `swath serve` starts a new one.")
        if time.time() - beats[0] > timeout:
            raise RunnersUnavailable(f"The runner pool has not beaten in the last {timeout:g} s; it may be hung.")

    def stop(self) -> None:
        with self._lock:
            self._close()
