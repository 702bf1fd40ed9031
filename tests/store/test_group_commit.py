"""Group commit of new jobs: every caller returns once its own row is committed, and hears of its group's failure."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from swath.services.builtin import echo_process
from swath.store.database import reading, transaction
from swath.store.group_commit import commit_new_job
from swath.store.jobs import get_job
from swath.store.processes import insert_process
from swath.store.records import JobRecord, JobStatus
from swath.store.tables import JobRow

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def new_job(sessions: sessionmaker[Session], job_id: str) -> JobRecord:
    with transaction(sessions) as session:
        process = insert_process(session, echo_process())
    return JobRecord(
        id=job_id,
        process_pk=process.pk,
        process_id=process.id,
        process_version=process.version,
        status=JobStatus.accepted,
        created=NOW,
        updated=NOW,
        created_by="anonymous",
        inputs={"message": "hi"},
        outputs={},
        message="Accepted; waiting for a runner.",
        progress=0,
    )


def test_a_committed_job_is_readable_with_what_its_client_was_told(sessions: sessionmaker[Session]) -> None:
    job = new_job(sessions, "job-1")
    commit_new_job(sessions, job)
    with reading(sessions) as session:
        stored = get_job(session, "job-1")
    assert stored is not None
    assert (stored.status, stored.message, stored.progress, stored.inputs) == (
        JobStatus.accepted,
        "Accepted; waiting for a runner.",
        0,
        {"message": "hi"},
    )


def test_jobs_submitted_at_once_from_many_threads_are_all_committed(sessions: sessionmaker[Session]) -> None:
    template = new_job(sessions, "template")
    jobs = [replace(template, id=f"job-{index:03d}") for index in range(200)]
    with ThreadPoolExecutor(16) as threads:
        list(threads.map(lambda job: commit_new_job(sessions, job), jobs))
    with reading(sessions) as session:
        assert session.scalar(select(func.count()).select_from(JobRow)) == 200


def test_a_failed_commit_is_raised_to_its_caller_and_commits_nothing(sessions: sessionmaker[Session]) -> None:
    job = new_job(sessions, "job-1")
    commit_new_job(sessions, job)
    with pytest.raises(IntegrityError):
        commit_new_job(sessions, replace(job, message="the same id again"))
    with reading(sessions) as session:
        assert session.scalar(select(func.count()).select_from(JobRow)) == 1
