"""A job delivered to a Celery worker: claim it, run it in a forked child, watch it, and end it.

Delivery is at least once (DESIGN.md), so the job table decides: a job already finished, or running under a live
worker, is left alone; a job whose runner died is released (queued again, or failed once it has used its attempts)
and then claimed here. While the child runs, this process beats the job's heartbeat, polls its status so that a
dismiss made through any server stops it within one heartbeat, and enforces the time limit.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import StorageUnavailable, StoreUnavailable
from swath.layout import job_log_key
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
from swath.storage import Storage
from swath.store import jobs as job_store
from swath.store.database import reading, transaction
from swath.store.records import JobStatus

log = logging.getLogger("swath.worker")


def run_delivered_job(
    settings: Settings,
    sessions: sessionmaker[Session],
    storage: Storage,
    job_id: str,
    runner_id: str,
    redelivered: bool,
) -> str:
    """Run the job here if it is this delivery's to run; returns a short account of what happened.

    A redelivered message (its worker died) may find the job still `running` under the dead runner: it waits up to
    the heartbeat timeout for the heartbeat to stop, then takes the job back. A first delivery finding the job
    running leaves it to its runner (the API's reaper takes back jobs of dead runners).
    """
    deadline = time.monotonic() + (settings.heartbeat_timeout + 2 * settings.heartbeat_interval if redelivered else 0)
    while True:
        claimed = claim(sessions, job_id, runner_id)
        if claimed is not None:
            child = fork_job(settings, sessions, *claimed, started=time.monotonic(), die_with_parent=True)
            outcome = _supervise(settings, sessions, storage, runner_id, child)
            _copy_log(storage, child)
            return outcome
        with reading(sessions) as session:
            job = job_store.get_job(session, job_id)
        if job is None or job.status.is_final:
            return f"job {job_id} is {job.status if job else 'gone'}; nothing to do"
        if job.status is JobStatus.running:
            if _release_if_stale(settings, sessions, job_id):
                continue
            if time.monotonic() >= deadline:
                return f"job {job_id} is running under {job.runner}; left to it"
            time.sleep(settings.heartbeat_interval)


def _release_if_stale(settings: Settings, sessions: sessionmaker[Session], job_id: str) -> bool:
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        job = job_store.get_job(session, job_id)
        if job is None or job.status is not JobStatus.running or job.heartbeat is None:
            return False
        if job.heartbeat > now - timedelta(seconds=settings.heartbeat_timeout):
            return False
        reason = f"The runner of this job ({job.runner}) stopped beating for {settings.heartbeat_timeout:g} s."
        return job_store.release_job(session, job, settings.max_attempts, reason, now) is not None


def _copy_log(storage: Storage, child: RunningJob) -> None:
    """Put the job's log in storage, where an API on another machine reads it (`read_log`)."""
    try:
        storage.put_file(job_log_key(child.job_id), child.log_path, "text/plain")
    except (StorageUnavailable, OSError) as error:
        log.warning("The log of job %s was not stored: %s", child.job_id, error)


def _supervise(
    settings: Settings, sessions: sessionmaker[Session], storage: Storage, runner_id: str, child: RunningJob
) -> str:
    """Watch the child until it exits; its exit wakes this loop at once (pidfd), heartbeats wake it on time."""
    watch = _Watch(settings, sessions, storage, child)
    pidfd = os.pidfd_open(child.pid)
    try:
        while True:
            ready, _, _ = select.select([pidfd], [], [], watch.timeout())
            if ready:
                _, wait_status = os.waitpid(child.pid, 0)
                break
            watch.tick()
    finally:
        os.close(pidfd)
    # Tools the job started in its group may outlive it; nothing of a finished job may keep running.
    signal_group(child.pid, signal.SIGKILL)
    record_exit(sessions, runner_id, child, wait_status)
    clean(settings, child.work_dir)
    return f"job {child.job_id} ran here"


class _Watch:
    """Heartbeat, dismissal, time limit and log copies of one running child."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], storage: Storage, child: RunningJob
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.storage = storage
        self.child = child
        self.last_beat = self.last_copy = time.monotonic()
        self.copied_size = 0

    def timeout(self) -> float:
        return 0.05 if self.child.kill_after is not None else self.settings.heartbeat_interval / 2

    def tick(self) -> None:
        now = time.monotonic()
        child, limit = self.child, self.settings.job_time_limit
        if child.kill_after is not None and now >= child.kill_after:
            signal_group(child.pid, signal.SIGKILL)
        if limit and child.kill_after is None and now - child.started > limit:
            self.stop(f"The job ran longer than the time limit of {limit:g} seconds.")
        if now - self.last_beat >= self.settings.heartbeat_interval:
            self.last_beat = now
            try:
                if beat_and_find_dismissed(self.sessions, [child.job_id]):
                    self.stop(None)
            except StoreUnavailable as error:
                # The database is away for a moment; the job keeps running, and the next beat tries again.
                log.warning("Worker: %s", error.detail)
        if now - self.last_copy >= self.settings.log_copy_interval:
            self.last_copy = now
            self.copy_grown_log()

    def copy_grown_log(self) -> None:
        try:
            size = self.child.log_path.stat().st_size
        except OSError:
            return
        if size != self.copied_size:
            self.copied_size = size
            _copy_log(self.storage, self.child)

    def stop(self, reason: str | None) -> None:
        if self.child.kill_after is None:
            self.child.kill_reason = reason
            self.child.kill_after = time.monotonic() + KILL_GRACE
            signal_group(self.child.pid, signal.SIGTERM)


__all__ = ["run_delivered_job"]
