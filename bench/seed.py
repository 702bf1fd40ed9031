"""Fill a store with many finished jobs, fast: bulk inserts into Swath's own tables, after its own migrations.

Jobs are spread evenly over the 30 days before `now`, over five processes, and are all finished (80 % successful,
10 % failed, 10 % dismissed), so a server started on the store has nothing to run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from swath.store.database import create_database_engine, migrate
from swath.store.tables import JobRow, ProcessRow

PROCESSES = [f"bench-{letter}" for letter in "abcde"]
PROCESS_VERSION = "1.0"
SPAN = timedelta(days=30)
_CHUNK = 10_000


@dataclass(frozen=True)
class Seeded:
    jobs: int
    first: datetime
    last: datetime


def status_of(index: int) -> str:
    return {8: "failed", 9: "dismissed"}.get(index % 10, "successful")


def job_rows(count: int, now: datetime, process_pks: list[int]) -> Iterator[dict[str, Any]]:
    step = SPAN / max(count, 1)
    start = now - SPAN
    for index in range(count):
        created = start + step * index
        which = index % len(PROCESSES)
        yield {
            "id": str(uuid.UUID(int=index + 1)),
            "process_pk": process_pks[which],
            "process_id": PROCESSES[which],
            "process_version": PROCESS_VERSION,
            "status": status_of(index),
            "created": created,
            "updated": created + timedelta(seconds=2),
            "started": created + timedelta(seconds=1),
            "finished": created + timedelta(seconds=2),
            "heartbeat": None,
            "progress": 100,
            "message": "Finished.",
            "attempts": 1,
            "runner": "local:bench:1",
            "created_by": "bench",
            "inputs": {"message": "hello"},
            "outputs": {},
            "response": "document",
            "collection": None,
            "results": None,
        }


def seed(database_url: str, count: int, now: datetime | None = None) -> Seeded:
    now = now or datetime.now(UTC)
    engine = create_database_engine(database_url)
    try:
        migrate(engine)
        pks = _insert_processes(engine, now)
        rows = job_rows(count, now, pks)
        with engine.begin() as connection:
            while chunk := [row for _, row in zip(range(_CHUNK), rows, strict=False)]:
                connection.execute(insert(JobRow), chunk)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE jobs")
        else:
            with engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return Seeded(count, now - SPAN, now)


def _insert_processes(engine: Engine, now: datetime) -> list[int]:
    """Retired revisions: their jobs stay listable, and nothing about them needs to be a valid live process."""
    pks = []
    with engine.begin() as connection:
        for process_id in PROCESSES:
            result = connection.execute(
                insert(ProcessRow).values(
                    id=process_id,
                    version=PROCESS_VERSION,
                    kind="cwl",
                    description={},
                    cwl=None,
                    workflow_id=None,
                    package=b"",
                    package_media_type="application/cwl+yaml",
                    created_by="bench",
                    created=now - SPAN,
                    retired=now,
                )
            )
            pks.append(int(result.inserted_primary_key[0]))
    return pks
