"""Queries on workers: each `swath worker` beats its row; `/health` reads the ones seen recently.

Writers take the caller's session; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from swath.store.processes import as_utc
from swath.store.records import WorkerRecord
from swath.store.tables import WorkerRow


def register_worker(session: Session, worker: WorkerRecord, forget_before: datetime) -> None:
    """Record a worker that starts (a restarted worker with the same id takes its old row over), and forget
    workers not seen since `forget_before`."""
    session.execute(
        delete(WorkerRow).where(WorkerRow.last_seen < forget_before).execution_options(synchronize_session=False)
    )
    row = session.get(WorkerRow, worker.id)
    if row is None:
        row = WorkerRow(id=worker.id)
        session.add(row)
    row.hostname = worker.hostname
    row.queues = ",".join(worker.queues)
    row.concurrency = worker.concurrency
    row.started = worker.started
    row.last_seen = worker.last_seen


def beat_worker(session: Session, worker_id: str, now: datetime) -> bool:
    """Mark a worker alive; False when its row is gone (it is registered again)."""
    result = session.execute(
        update(WorkerRow)
        .where(WorkerRow.id == worker_id)
        .values(last_seen=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def list_workers(session: Session, seen_after: datetime) -> list[WorkerRecord]:
    query = select(WorkerRow).where(WorkerRow.last_seen >= seen_after).order_by(WorkerRow.id)
    return [
        WorkerRecord(
            id=row.id,
            hostname=row.hostname,
            queues=[name for name in row.queues.split(",") if name],
            concurrency=row.concurrency,
            started=as_utc(row.started),
            last_seen=as_utc(row.last_seen),
        )
        for row in session.scalars(query)
    ]
