"""Queries for job callbacks: which jobs have callbacks to send, taking them under a lease (compare-and-set, so two
servers never send the same one; a lease that runs out, its server gone, lets another resume them), marking them
sent, and the record of every delivery attempt.

Writers take the caller's session; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from swath.store.jobs import get_job
from swath.store.processes import as_utc
from swath.store.records import FINAL_STATUSES, JobRecord, JobStatus
from swath.store.tables import JobDeliveryRow, JobRow

# The statuses that have a callback: running (inProgressUri), successful (successUri), failed (failedUri).
NOTIFIED_STATUSES = (JobStatus.running, *sorted(FINAL_STATUSES - {JobStatus.dismissed}))


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver a callback: its answer's status code, or why it got none."""

    event: str
    uri: str
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None


def list_jobs_to_notify(session: Session, now: datetime, limit: int) -> list[JobRecord]:
    """Jobs whose status has moved past the last one notified and that no server holds, oldest first."""
    query = (
        select(JobRow.id)
        .where(
            JobRow.notified.is_not(None),
            JobRow.status.in_([status.value for status in NOTIFIED_STATUSES]),
            JobRow.status != JobRow.notified,
            _unheld(now),
        )
        .order_by(JobRow.created, JobRow.id)
        .limit(limit)
    )
    jobs = [get_job(session, job_id) for job_id in session.scalars(query)]
    return [job for job in jobs if job is not None]


def _unheld(now: datetime) -> Any:
    return or_(JobRow.notify_lease.is_(None), JobRow.notify_lease < now)


def take_notification(session: Session, job: JobRecord, now: datetime, lease_until: datetime) -> bool:
    """Hold the callbacks of `job` from `job.notified` up to `job.status` until `lease_until`; whether this caller
    won them (no other server holds them, and the job has not moved since it was read)."""
    result = session.execute(
        update(JobRow)
        .where(
            JobRow.id == job.id, JobRow.notified == job.notified, JobRow.status == job.status.value, _unheld(now)
        )
        .values(notify_lease=lease_until)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def extend_notification(session: Session, job: JobRecord, lease_until: datetime) -> None:
    """Hold `job`'s callbacks longer: a delivery is still being tried."""
    session.execute(
        update(JobRow)
        .where(JobRow.id == job.id, JobRow.notified == job.notified)
        .values(notify_lease=lease_until)
        .execution_options(synchronize_session=False)
    )


def finish_notification(session: Session, job: JobRecord) -> None:
    """The callbacks up to `job.status` are sent: release them. After a final status nothing remains, so `notified`
    becomes NULL and the job leaves the query."""
    remaining = None if job.status.is_final else job.status.value
    session.execute(
        update(JobRow)
        .where(JobRow.id == job.id, JobRow.notified == job.notified)
        .values(notified=remaining, notify_lease=None)
        .execution_options(synchronize_session=False)
    )


def was_delivered(session: Session, job_id: str, event: str, uri: str) -> bool:
    """Whether a receiver already accepted this callback (a server stopped between delivering it and marking it)."""
    query = select(JobDeliveryRow.id).where(
        JobDeliveryRow.job_id == job_id,
        JobDeliveryRow.event == event,
        JobDeliveryRow.uri == uri,
        JobDeliveryRow.status_code >= 200,
        JobDeliveryRow.status_code < 300,
    )
    return session.scalar(query.limit(1)) is not None


def record_delivery(session: Session, job_id: str, delivery: Delivery) -> None:
    session.execute(
        insert(JobDeliveryRow).values(
            job_id=job_id,
            event=delivery.event,
            uri=delivery.uri,
            attempt=delivery.attempt,
            at=delivery.at,
            status_code=delivery.status_code,
            error=delivery.error,
        )
    )


def list_deliveries(session: Session, job_id: str) -> list[Delivery]:
    rows = session.scalars(select(JobDeliveryRow).where(JobDeliveryRow.job_id == job_id).order_by(JobDeliveryRow.id))
    return [Delivery(row.event, row.uri, row.attempt, as_utc(row.at), row.status_code, row.error) for row in rows]
