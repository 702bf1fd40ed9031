"""Queries of the Slurm executor: which batch job runs a job, and which jobs wait for one.

A job is handed to Slurm while `accepted`; its batch job claims it on the compute node like any runner. The batch
job id stays on the row after the end, for `scontrol show job` and the job's status document.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from swath.store.jobs import list_records
from swath.store.records import JobRecord, JobStatus
from swath.store.scheduling import QUEUE_ORDER
from swath.store.tables import JobRow

_JOBS = cast(Table, JobRow.__table__)
_LIVE = (JobStatus.accepted.value, JobStatus.running.value)


def record_batch_job(session: Session, job_id: str, batch_job_id: str) -> bool:
    """Note the batch job just submitted for an accepted job; False when the job was no longer accepted (dismissed
    meanwhile: the caller cancels the batch job)."""
    result = session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job_id, _JOBS.c.status == JobStatus.accepted.value)
        .values(batch_job_id=batch_job_id)
    )
    return bool(getattr(result, "rowcount", 0))


def list_jobs_in_slurm(session: Session) -> list[JobRecord]:
    """Accepted and running jobs that have a batch job: the ones whose Slurm state the executor follows."""
    query = select(JobRow).where(JobRow.status.in_(_LIVE), JobRow.batch_job_id.is_not(None))
    return list_records(session, query)


def list_jobs_without_batch_job(session: Session, limit: int) -> list[JobRecord]:
    """Accepted jobs never handed to Slurm (over a cap, or Slurm was away), in the queue's order: highest priority
    first, then oldest."""
    query = (
        select(JobRow)
        .where(JobRow.status == JobStatus.accepted.value, JobRow.batch_job_id.is_(None))
        .order_by(*QUEUE_ORDER)
        .limit(limit)
    )
    return list_records(session, query)


def count_jobs_in_slurm(session: Session, user: str | None = None, process_id: str | None = None) -> int:
    """How many of `user`'s jobs, or of a process's, are in Slurm now (queued there or running)."""
    query = select(func.count()).where(JobRow.status.in_(_LIVE), JobRow.batch_job_id.is_not(None))
    if user is not None:
        query = query.where(JobRow.created_by == user)
    if process_id is not None:
        query = query.where(JobRow.process_id == process_id)
    return int(session.scalar(query) or 0)


def forget_batch_job(session: Session, job_id: str, batch_job_id: str) -> None:
    """Clear an accepted job's batch job (it ended without running it), so that the job is submitted again."""
    session.execute(
        update(_JOBS)
        .where(
            _JOBS.c.id == job_id,
            _JOBS.c.status == JobStatus.accepted.value,
            _JOBS.c.batch_job_id == batch_job_id,
        )
        .values(batch_job_id=None)
    )


def list_failed_since(session: Session, since: datetime) -> list[JobRecord]:
    """Jobs with a batch job that failed after `since`: Slurm may know better than their message why."""
    query = select(JobRow).where(
        JobRow.status == JobStatus.failed.value, JobRow.batch_job_id.is_not(None), JobRow.finished >= since
    )
    return list_records(session, query)


def explain_failure(session: Session, job_id: str, message: str) -> None:
    """Replace a failed job's message with the reason Slurm gives (its status stays, it is final)."""
    session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job_id, _JOBS.c.status == JobStatus.failed.value, _JOBS.c.message != message)
        .values(message=message)
    )
