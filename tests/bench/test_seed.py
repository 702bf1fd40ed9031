"""The rows the listing scenario seeds (bench/seed.py): finished jobs only, spread evenly, over every process."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.seed import PROCESSES, SPAN, job_rows, seed
from swath.store.database import create_database_engine
from swath.store.tables import JobRow


def test_seeded_jobs_are_all_finished_mostly_successful() -> None:
    rows = list(job_rows(1000, datetime.now(UTC), [1, 2, 3, 4, 5]))
    statuses = Counter(row["status"] for row in rows)
    assert statuses == {"successful": 800, "failed": 100, "dismissed": 100}


def test_seeded_jobs_spread_over_every_process_and_the_whole_span() -> None:
    now = datetime(2026, 1, 31, tzinfo=UTC)
    rows = list(job_rows(500, now, [1, 2, 3, 4, 5]))
    assert {row["process_id"] for row in rows} == set(PROCESSES)
    assert rows[0]["created"] == now - SPAN
    assert rows[-1]["created"] < now
    assert len({row["id"] for row in rows}) == 500


def test_seeding_fills_a_migrated_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'swath.db'}"
    seeded = seed(url, 2500)
    engine = create_database_engine(url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(JobRow)) == 2500
    engine.dispose()
    assert seeded.jobs == 2500
