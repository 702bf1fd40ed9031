"""Queries on job attempts: one row per run of a job, opened at its claim and closed when the run ends.

Writers take the caller's session; the caller commits. The attempt number is the job's own `attempts` count, set by
the claim (`store.jobs.claim_job`); this table only keeps what each attempt did.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from swath.store.processes import as_utc
from swath.store.records import AttemptRecord, JobRecord, JobStatus
from swath.store.tables import JobAttemptRow


def open_attempt(session: Session, job: JobRecord, log_offset: int, now: datetime) -> None:
    """Record the attempt a claim just started (`job` as the claim returned it)."""
    session.execute(
        insert(JobAttemptRow).values(
            job_id=job.id,
            attempt=job.attempts,
            runner=job.runner,
            started=now,
            status=JobStatus.running.value,
            log_offset=log_offset,
        )
    )


def close_attempt(
    session: Session,
    job_id: str,
    attempt: int,
    status: JobStatus,
    now: datetime,
    *,
    reason: str | None = None,
    exit_code: int | None = None,
    message: str | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """End an attempt still open; reports whether it was (an attempt ends once, by whoever sees its end first)."""
    result = session.execute(
        update(JobAttemptRow)
        .where(
            JobAttemptRow.job_id == job_id,
            JobAttemptRow.attempt == attempt,
            JobAttemptRow.status == JobStatus.running.value,
        )
        .values(
            status=status.value,
            finished=now,
            reason=reason,
            exit_code=exit_code,
            message=message,
            retry_at=retry_at,
        )
    )
    return bool(getattr(result, "rowcount", 0))


def close_open_attempts(
    session: Session, job_id: str, status: JobStatus, reason: str, message: str, now: datetime
) -> None:
    """End whatever attempt of the job is still open (a dismissal ends the running one with the job)."""
    session.execute(
        update(JobAttemptRow)
        .where(JobAttemptRow.job_id == job_id, JobAttemptRow.status == JobStatus.running.value)
        .values(status=status.value, finished=now, reason=reason, message=message)
    )


def list_attempts(session: Session, job_id: str) -> list[AttemptRecord]:
    """A job's attempts, first first."""
    rows = session.scalars(select(JobAttemptRow).where(JobAttemptRow.job_id == job_id).order_by(JobAttemptRow.attempt))
    return [
        AttemptRecord(
            job_id=row.job_id,
            attempt=row.attempt,
            runner=row.runner,
            started=as_utc(row.started),
            status=row.status,
            log_offset=row.log_offset,
            finished=as_utc(row.finished) if row.finished else None,
            reason=row.reason,
            exit_code=row.exit_code,
            message=row.message,
            retry_at=as_utc(row.retry_at) if row.retry_at else None,
        )
        for row in rows
    ]
