"""A job delivered to a Celery worker: run it here under this process's supervisor, or leave it to its runner.

Delivery is at least once (DESIGN.md), so the job table decides: a job already finished, or running under a live
worker, is left alone; a job whose runner is gone is taken back (`services.recovery`) and then claimed here. What
happens while the job runs (heartbeat, dismissal, time limit, stopping, the end) is the supervisor's; this module
adds only the waiting for a redelivered job's old runner and the copies of the growing log to storage.
"""

from __future__ import annotations

import logging
import os
import select
import time
from datetime import UTC, datetime

from swath.errors import StorageUnavailable
from swath.layout import job_log_key
from swath.runner.supervision import RunningJob, Supervisor
from swath.services.recovery import recover_job
from swath.settings import Settings
from swath.storage import Storage
from swath.store import jobs as job_store
from swath.store.database import reading
from swath.store.records import JobStatus

log = logging.getLogger("swath.worker")


def run_delivered_job(supervisor: Supervisor, storage: Storage, job_id: str, redelivered: bool) -> str:
    """Run the job here if it is this delivery's to run; returns a short account of what happened.

    A redelivered message (its worker died) may find the job still `running` under the dead runner: it waits up to
    the heartbeat timeout for the heartbeat to stop, then takes the job back. A first delivery finding the job
    running leaves it to its runner (the API's reaper takes back jobs of dead runners).
    """
    settings, sessions = supervisor.settings, supervisor.sessions
    deadline = time.monotonic() + (settings.heartbeat_timeout + 2 * settings.heartbeat_interval if redelivered else 0)
    while True:
        child = supervisor.start(job_id)
        if child is not None:
            _supervise(supervisor, storage, child)
            pause = _retry_pause(supervisor, job_id)
            if pause is None:
                return f"job {job_id} ran here"
            # Its retry policy queued it again: a short back-off is waited for here, the next attempt run at once.
            time.sleep(pause)
            continue
        with reading(sessions) as session:
            job = job_store.get_job(session, job_id)
        if job is None or job.status.is_final:
            return f"job {job_id} is {job.status if job else 'gone'}; nothing to do"
        if job.status is JobStatus.running:
            if recover_job(sessions, settings, job_id):
                continue
            if time.monotonic() >= deadline:
                return f"job {job_id} is running under {job.runner}; left to it"
            time.sleep(settings.heartbeat_interval)


def _retry_pause(supervisor: Supervisor, job_id: str) -> float | None:
    """Seconds until the job's next attempt when its retry policy queued it again with a back-off no longer than
    the heartbeat timeout; else None (a longer one is handed over again by the server's reaper)."""
    with reading(supervisor.sessions) as session:
        job = job_store.get_job(session, job_id)
    if job is None or job.status is not JobStatus.accepted or job.not_before is None:
        return None
    pause = (job.not_before - datetime.now(UTC)).total_seconds()
    return max(pause, 0.0) if pause <= supervisor.settings.heartbeat_timeout else None


def _supervise(supervisor: Supervisor, storage: Storage, child: RunningJob) -> None:
    """Wait for the child; its exit wakes this loop at once (pidfd), the supervisor's ticks wake it on time."""
    copies = _LogCopies(supervisor.settings, storage, child)
    pidfd = os.pidfd_open(child.pid)
    try:
        while child.pid in supervisor.jobs:
            select.select([pidfd], [], [], supervisor.timeout())
            supervisor.reap()
            supervisor.tick()
            copies.tick()
    finally:
        os.close(pidfd)
        copies.copy()


class _LogCopies:
    """Copies of a running job's grown log to storage, where an API on another machine reads it (`read_log`)."""

    def __init__(self, settings: Settings, storage: Storage, child: RunningJob) -> None:
        self.settings = settings
        self.storage = storage
        self.child = child
        self.last_copy = time.monotonic()
        self.copied_size = 0

    def tick(self) -> None:
        if time.monotonic() - self.last_copy < self.settings.log_copy_interval:
            return
        self.last_copy = time.monotonic()
        try:
            size = self.child.log_path.stat().st_size
        except OSError:
            return
        if size != self.copied_size:
            self.copied_size = size
            self.copy()

    def copy(self) -> None:
        try:
            self.storage.put_file(job_log_key(self.child.job_id), self.child.log_path, "text/plain")
        except (StorageUnavailable, OSError) as error:
            log.warning("The log of job %s was not stored: %s", self.child.job_id, error)


__all__ = ["run_delivered_job"]
