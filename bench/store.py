"""Direct reads of a server's store, for checks the API should not be trusted with (did every job land?)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from swath.store.database import create_database_engine
from swath.store.processes import as_utc
from swath.store.tables import JobRow


@dataclass(frozen=True)
class JobCounts:
    by_status: dict[str, int]
    first_created: datetime | None
    last_finished: datetime | None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def unfinished(self) -> int:
        return self.by_status.get("accepted", 0) + self.by_status.get("running", 0)


def count_jobs(database_url: str, process_id: str) -> JobCounts:
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            mine = JobRow.process_id == process_id
            statuses = connection.execute(select(JobRow.status, func.count()).where(mine).group_by(JobRow.status)).all()
            first, last = connection.execute(
                select(func.min(JobRow.created), func.max(JobRow.finished)).where(mine)
            ).one()
    finally:
        engine.dispose()
    return JobCounts(
        by_status={status: count for status, count in statuses},
        first_created=as_utc(first) if first else None,
        last_finished=as_utc(last) if last else None,
    )


def job_ids(database_url: str, process_id: str) -> set[str]:
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(JobRow.id).where(JobRow.process_id == process_id)))
    finally:
        engine.dispose()
