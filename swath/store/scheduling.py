"""Queries of the scheduler: the queue's order, the counts the caps compare with, a job's place in the queue, and
the scheduling rules of processes.

The queue's order is one rule, written once here (`QUEUE_ORDER`): higher priority first, then oldest first, then
by id, so that two readers (the runner pool, a status read) always agree on it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from swath.store.records import JobRecord, JobStatus, ProcessScheduling
from swath.store.tables import JobRow, ProcessSchedulingRow

_JOBS = cast(Table, JobRow.__table__)
QUEUE_ORDER = (JobRow.priority.desc(), JobRow.created, JobRow.id)


@dataclass(frozen=True)
class QueuedJob:
    """What the scheduler needs to know of an accepted job to decide whether it may start."""

    id: str
    created_by: str
    process_id: str


def list_next_jobs(
    session: Session,
    limit: int,
    skip_ids: Collection[str] = (),
    skip_users: Collection[str] = (),
    skip_processes: Collection[str] = (),
    due_at: datetime | None = None,
) -> list[QueuedJob]:
    """The first `limit` accepted jobs in the queue's order, leaving out the ids, users and processes given, and
    given `due_at`, the jobs whose retry back-off lasts past it."""
    query = select(JobRow.id, JobRow.created_by, JobRow.process_id).where(JobRow.status == JobStatus.accepted.value)
    if due_at is not None:
        query = query.where(or_(JobRow.not_before.is_(None), JobRow.not_before <= due_at))
    if skip_ids:
        query = query.where(JobRow.id.not_in(list(skip_ids)))
    if skip_users:
        query = query.where(JobRow.created_by.not_in(list(skip_users)))
    if skip_processes:
        query = query.where(JobRow.process_id.not_in(list(skip_processes)))
    rows = session.execute(query.order_by(*QUEUE_ORDER).limit(limit)).all()
    return [QueuedJob(*row) for row in rows]


def count_by_owner(session: Session, status: JobStatus) -> dict[str, int]:
    """How many jobs in `status` each user has (users with none left out)."""
    query = select(JobRow.created_by, func.count()).where(JobRow.status == status.value)
    return {user: int(count) for user, count in session.execute(query.group_by(JobRow.created_by)).all()}


def count_by_process(session: Session, status: JobStatus) -> dict[str, int]:
    """How many jobs in `status` each process id has (processes with none left out)."""
    query = select(JobRow.process_id, func.count()).where(JobRow.status == status.value)
    return {process: int(count) for process, count in session.execute(query.group_by(JobRow.process_id)).all()}


def count_jobs(
    session: Session, status: JobStatus, created_by: str | None = None, process_id: str | None = None
) -> int:
    """How many jobs in `status` one user, or one process id, has."""
    query = select(func.count()).select_from(JobRow).where(JobRow.status == status.value)
    if created_by is not None:
        query = query.where(JobRow.created_by == created_by)
    if process_id is not None:
        query = query.where(JobRow.process_id == process_id)
    return int(session.scalar(query) or 0)


def queue_position(session: Session, job: JobRecord) -> int:
    """The job's place among accepted jobs in the queue's order; 1 is the next to start."""
    ahead = or_(
        JobRow.priority > job.priority,
        and_(JobRow.priority == job.priority, JobRow.created < job.created),
        and_(JobRow.priority == job.priority, JobRow.created == job.created, JobRow.id < job.id),
    )
    query = select(func.count()).select_from(JobRow).where(JobRow.status == JobStatus.accepted.value, ahead)
    return int(session.scalar(query) or 0) + 1


def set_priority(session: Session, job_id: str, priority: int, source: Collection[JobStatus], now: datetime) -> bool:
    """Give a job a new priority while it is in one of `source` (it has not started); reports whether it was."""
    result = session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job_id, _JOBS.c.status.in_([status.value for status in source]))
        .values(priority=priority, updated=now)
    )
    return bool(getattr(result, "rowcount", 0))


def get_process_scheduling(session: Session, process_id: str) -> ProcessScheduling | None:
    row = session.get(ProcessSchedulingRow, process_id, populate_existing=True)
    return _scheduling(row) if row else None


def list_process_scheduling(session: Session) -> dict[str, ProcessScheduling]:
    """Every process id's rules, by id (a small table: one row per process id an admin gave rules)."""
    return {row.process_id: _scheduling(row) for row in session.scalars(select(ProcessSchedulingRow))}


def put_process_scheduling(session: Session, rules: ProcessScheduling, updated_by: str, now: datetime) -> None:
    """Set a process id's rules, replacing any it had; rules that set nothing remove the row."""
    session.execute(delete(ProcessSchedulingRow).where(ProcessSchedulingRow.process_id == rules.process_id))
    if (rules.priority, rules.max_running, rules.max_queued) == (None, None, None):
        return
    values: dict[str, Any] = {
        "process_id": rules.process_id,
        "priority": rules.priority,
        "max_running": rules.max_running,
        "max_queued": rules.max_queued,
        "updated_by": updated_by,
        "updated": now,
    }
    session.add(ProcessSchedulingRow(**values))


def _scheduling(row: ProcessSchedulingRow) -> ProcessScheduling:
    return ProcessScheduling(row.process_id, row.priority, row.max_running, row.max_queued)


def lock_queue(session: Session) -> None:
    """Make the caller the only writer of new queued jobs until its transaction ends, so that a queued cap's count
    and the insert it allows are one step across API processes. SQLite writers take turns already; PostgreSQL
    takes a transaction-level advisory lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_QUEUE_LOCK)))


# The advisory lock key of the queue (any constant that nothing else in the database uses).
_QUEUE_LOCK = 0x5357_4154
