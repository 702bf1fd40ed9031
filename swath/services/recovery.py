"""Taking back running jobs whose runner is gone: one rule, one set of messages, used by every path that does it.

Those paths are the API's reaper (a worker anywhere stopped beating), a local executor starting or seeing its pool
die (the pool's process is gone on this machine), and a Celery redelivery (the message's first worker died). Each
asks `runner_gone`; a job whose runner is gone is queued again, or failed once it has used its attempts
(`services.retries.end_attempt`, which moves it only while the gone runner still holds it, so two paths never both
win).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import FailureKind, StorageFull
from swath.services.health import check_free_space
from swath.services.retries import Failure, end_attempt, retry_policy
from swath.settings import Settings
from swath.store import jobs as job_store
from swath.store.database import transaction
from swath.store.processes import get_process_revision
from swath.store.records import JobRecord, JobStatus


class RunnerKind(StrEnum):
    local = "local"
    celery = "celery"
    # A Slurm batch job's supervisor, on a compute node.
    slurm = "slurm"


@dataclass(frozen=True)
class RunnerId:
    """Who holds a running job: `kind:host:pid[:pid]`, the last pid that of the process supervising the job."""

    kind: RunnerKind
    host: str
    pids: tuple[int, ...]

    @classmethod
    def here(cls, kind: RunnerKind) -> Self:
        """The id of this process as a runner (a Celery pool process also names its worker, its parent)."""
        pids = (os.getppid(), os.getpid()) if kind is RunnerKind.celery else (os.getpid(),)
        return cls(kind, socket.gethostname(), pids)

    @classmethod
    def parse(cls, text: str | None) -> Self | None:
        kind, _, rest = (text or "").partition(":")
        host, _, pid = rest.rpartition(":")
        if kind not in RunnerKind.__members__ or not pid.isdigit():
            return None
        pids = [int(pid)]
        # A Celery runner names two pids; a host name has no part made only of digits after a colon.
        head, _, worker_pid = host.rpartition(":")
        if kind == RunnerKind.celery and worker_pid.isdigit():
            host, pids = head, [int(worker_pid), *pids]
        return cls(RunnerKind(kind), host, tuple(pids))

    @property
    def supervisor_pid(self) -> int:
        return self.pids[-1]

    @property
    def is_local_here(self) -> bool:
        """A local pool of this machine, whose process can be looked at."""
        return self.kind is RunnerKind.local and self.host == socket.gethostname()

    def __str__(self) -> str:
        return ":".join([self.kind.value, self.host, *map(str, self.pids)])


def local_runner_prefix() -> str:
    """Every local pool of this machine has a runner id starting with this."""
    return f"{RunnerKind.local.value}:{socket.gethostname()}:"


# Why a job was taken back, as its message and its next attempt's log say.
RUNNER_STOPPED = "The runner of this job ({runner}) stopped while the job ran."
RUNNER_SILENT = "The runner of this job ({runner}) stopped beating for {timeout:g} s."
SERVER_STOPPED = "The server stopped while the job ran."


def runner_gone(job: JobRecord, settings: Settings, now: datetime) -> str | None:
    """Why `job`'s runner is gone, or None while it may still be running the job: the one staleness rule.

    A local pool of this machine is gone when its process is; any runner is gone once its heartbeat is older than
    the heartbeat timeout.
    """
    if job.status is not JobStatus.running:
        return None
    runner = RunnerId.parse(job.runner)
    if runner is not None and runner.is_local_here and not is_alive(runner.supervisor_pid):
        return RUNNER_STOPPED.format(runner=job.runner)
    if job.heartbeat is None or job.heartbeat < _stale_before(settings, now):
        return RUNNER_SILENT.format(runner=job.runner, timeout=settings.heartbeat_timeout)
    return None


def take_back(session: Session, job: JobRecord, settings: Settings, reason: str, now: datetime) -> JobStatus | None:
    """Queue `job` again, or fail it once it has used its attempts (its process's retry policy, on `runnerLost`);
    None when its runner no longer holds it.

    On a full disk the job is failed at once, saying so: run again, it would fill the disk again (and a job that
    failed for lack of space is never tried again).
    """
    failure = Failure(FailureKind.runner_lost, reason)
    try:
        check_free_space(settings)
    except StorageFull as full:
        failure = Failure(FailureKind.disk_full, f"{reason} {full.detail.split(';')[0]}.")
    policy = retry_policy(get_process_revision(session, job.process_pk), settings)
    return end_attempt(session, job, failure, policy, now)


def recover_jobs(sessions: sessionmaker[Session], settings: Settings) -> list[tuple[JobRecord, JobStatus]]:
    """Take back every running job whose runner is gone; returns them with the status each moved to (`accepted`
    ones need a runner)."""
    now = datetime.now(UTC)
    taken: list[tuple[JobRecord, JobStatus]] = []
    with transaction(sessions) as session:
        candidates = job_store.list_running_jobs(
            session, beat_before=_stale_before(settings, now), runner_prefix=local_runner_prefix()
        )
        for job in candidates:
            reason = runner_gone(job, settings, now)
            outcome = take_back(session, job, settings, reason, now) if reason is not None else None
            if outcome is not None:
                taken.append((job, outcome))
    return taken


def recover_job(sessions: sessionmaker[Session], settings: Settings, job_id: str) -> bool:
    """Take back one job if its runner is gone; reports whether it moved."""
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        job = job_store.get_job(session, job_id)
        reason = runner_gone(job, settings, now) if job is not None else None
        return job is not None and reason is not None and take_back(session, job, settings, reason, now) is not None


def _stale_before(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=settings.heartbeat_timeout)


def is_alive(pid: int) -> bool:
    """Whether `pid` names a live process on this machine (a zombie, exited but not reaped, counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
