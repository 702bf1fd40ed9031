"""Queries of the retention sweeper (swath.services.retention): which finished jobs, rows and uploads have expired.

Writers take the caller's session; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from swath.store.processes import as_utc
from swath.store.records import JSON, JobStatus
from swath.store.tables import CollectionItemRow, JobAttemptRow, JobDeliveryRow, JobRow, UploadRow

FINAL = (JobStatus.successful.value, JobStatus.failed.value, JobStatus.dismissed.value)


@dataclass(frozen=True)
class ExpiredJob:
    id: str
    status: JobStatus
    finished: datetime
    stored_bytes: int


@dataclass(frozen=True)
class ExpiredUpload:
    id: str
    name: str
    owner: str
    size: int
    created: datetime


def _expired(row: JobRow) -> ExpiredJob:
    return ExpiredJob(row.id, JobStatus(row.status), as_utc(row.finished or row.updated), row.stored_bytes or 0)


def list_jobs_finished_before(session: Session, status: JobStatus, before: datetime, limit: int) -> list[ExpiredJob]:
    """Unpurged jobs that ended with `status` before `before`, oldest first."""
    query = (
        select(JobRow)
        .where(JobRow.purged.is_(None), JobRow.status == status.value, JobRow.finished < before)
        .order_by(JobRow.finished, JobRow.id)
        .limit(limit)
    )
    return [_expired(row) for row in session.scalars(query)]


def list_unsized_jobs(session: Session, limit: int) -> list[tuple[str, JSON | None]]:
    """Finished, unpurged jobs whose stored bytes were not counted yet, with their results."""
    query = (
        select(JobRow.id, JobRow.results)
        .where(JobRow.purged.is_(None), JobRow.status.in_(FINAL), JobRow.stored_bytes.is_(None))
        .limit(limit)
    )
    return [(row.id, row.results) for row in session.execute(query)]


def record_stored_bytes(session: Session, sizes: dict[str, int]) -> None:
    for job_id, size in sizes.items():
        session.execute(update(JobRow).where(JobRow.id == job_id).values(stored_bytes=size))


def stored_bytes_total(session: Session) -> int:
    """What the results of every unpurged finished job hold together."""
    query = select(func.coalesce(func.sum(JobRow.stored_bytes), 0)).where(
        JobRow.purged.is_(None), JobRow.status.in_(FINAL)
    )
    return int(session.scalar(query) or 0)


def list_oldest_unpurged(session: Session, limit: int) -> list[ExpiredJob]:
    """Unpurged finished jobs, the longest ended first (the total-size rule removes them in this order)."""
    query = (
        select(JobRow)
        .where(JobRow.purged.is_(None), JobRow.status.in_(FINAL), JobRow.finished.is_not(None))
        .order_by(JobRow.finished, JobRow.id)
        .limit(limit)
    )
    return [_expired(row) for row in session.scalars(query)]


def mark_purged(session: Session, job_id: str, now: datetime) -> bool:
    """Record that a finished job's files are going, and drop its results from the row; reports whether this caller
    did (a job purged by another sweep, or not finished, is left alone)."""
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.purged.is_(None), JobRow.status.in_(FINAL))
        .values(purged=now, results=None)
    )
    return bool(getattr(result, "rowcount", 0))


def list_purged_before(session: Session, before: datetime, limit: int) -> list[str]:
    """Jobs purged before `before`: their rows may go."""
    query = select(JobRow.id).where(JobRow.purged < before).order_by(JobRow.purged, JobRow.id).limit(limit)
    return list(session.scalars(query))


def delete_jobs(session: Session, job_ids: Sequence[str]) -> None:
    """Delete job rows with what refers to them (callback deliveries, collection items, attempts)."""
    for table in (JobDeliveryRow, CollectionItemRow, JobAttemptRow):
        session.execute(delete(table).where(table.job_id.in_(job_ids)))
    session.execute(delete(JobRow).where(JobRow.id.in_(job_ids)))


def job_ends(session: Session, job_ids: Sequence[str]) -> dict[str, datetime | None]:
    """When each job of `job_ids` that has a row ended; None for one that has not ended."""
    query = select(JobRow.id, JobRow.finished, JobRow.status).where(JobRow.id.in_(job_ids))
    return {
        row.id: as_utc(row.finished) if row.finished and row.status in FINAL else None
        for row in session.execute(query)
    }


def list_uploads_before(session: Session, before: datetime, limit: int) -> list[ExpiredUpload]:
    query = select(UploadRow).where(UploadRow.created < before).order_by(UploadRow.created).limit(limit)
    return [ExpiredUpload(r.id, r.name, r.owner, r.size, as_utc(r.created)) for r in session.scalars(query)]


def delete_upload(session: Session, upload_id: str) -> None:
    session.execute(delete(UploadRow).where(UploadRow.id == upload_id))
