"""The job table's rules: compare-and-set status moves, claiming, release, keyset listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from swath.services.builtin import echo_process
from swath.store import jobs as store
from swath.store.database import transaction
from swath.store.group_commit import commit_new_job
from swath.store.jobs import JobCursor, JobFilter
from swath.store.processes import insert_process
from swath.store.records import JobRecord, JobStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def add_jobs(sessions: sessionmaker[Session], count: int, process_id: str = "echo") -> list[str]:
    """Jobs recorded the way a submission records them (`commit_new_job`)."""
    with transaction(sessions) as session:
        process = insert_process(session, echo_process()) if process_id == "echo" else None
        pk = process.pk if process else 1
    ids = []
    for index in range(count):
        created = T0 + timedelta(seconds=index)
        job = JobRecord(
            id=f"job-{index:04d}",
            process_pk=pk,
            process_id=process_id,
            process_version="1.0.0",
            status=JobStatus.accepted,
            created=created,
            updated=created,
            created_by="anonymous",
            inputs={},
            outputs={},
        )
        commit_new_job(sessions, job)
        ids.append(job.id)
    return ids


def test_migrations_create_the_tables_and_their_indexes(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        inspector = inspect(session.get_bind())
        assert {"processes", "jobs", "collection_items"} <= set(inspector.get_table_names())
        assert {"ix_jobs_created", "ix_jobs_status_created", "ix_jobs_process_created"} <= {
            index["name"] for index in inspector.get_indexes("jobs")
        }


def test_a_job_is_claimed_once_however_often_it_is_delivered(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    with transaction(sessions) as session:
        claimed = store.claim_job(session, job_id, "runner-a", T0)
    with transaction(sessions) as session:
        assert store.claim_job(session, job_id, "runner-b", T0) is None
    with sessions() as session:
        job = store.get_job(session, job_id)
    # The claim answers with the job as the table holds it afterwards.
    assert claimed == job
    assert job is not None
    assert (job.status, job.runner, job.attempts, job.message) == (JobStatus.running, "runner-a", 1, "Running.")


def test_a_late_result_never_overwrites_dismissed(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    with transaction(sessions) as session:
        store.claim_job(session, job_id, "runner-a", T0)
        assert store.move_job(session, job_id, [JobStatus.running], JobStatus.dismissed, T0)
        assert not store.move_job(session, job_id, [JobStatus.running], JobStatus.successful, T0)
        job = store.get_job(session, job_id)
    assert job is not None and job.status is JobStatus.dismissed


def test_a_released_job_is_queued_again_until_its_attempts_are_used(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    outcomes = []
    for _ in range(2):
        with transaction(sessions) as session:
            store.claim_job(session, job_id, "runner-a", T0)
            job = store.get_job(session, job_id)
            assert job is not None
            outcomes.append(store.release_job(session, job, 2, "The runner died.", T0))
    assert outcomes == [JobStatus.accepted, JobStatus.failed]
    with sessions() as session:
        job = store.get_job(session, job_id)
    assert job is not None and "tried 2 times" in (job.message or "")


def test_another_runner_cannot_release_a_job_it_does_not_hold(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    with transaction(sessions) as session:
        store.claim_job(session, job_id, "runner-a", T0)
        job = store.get_job(session, job_id)
        assert job is not None
        stale_view = JobRecord(**{**job.__dict__, "runner": "runner-b"})
        assert store.release_job(session, stale_view, 3, "gone", T0) is None


def test_jobs_list_newest_first_in_keyset_pages(sessions: sessionmaker[Session]) -> None:
    ids = add_jobs(sessions, 7)
    newest_first = list(reversed(ids))
    with sessions() as session:
        first = store.list_jobs(session, JobFilter(), 3)
        second = store.list_jobs(session, JobFilter(), 3, after=JobCursor(first[-1].created, first[-1].id))
        back = store.list_jobs(session, JobFilter(), 3, before=JobCursor(second[0].created, second[0].id))
    assert [job.id for job in first] == newest_first[:3]
    assert [job.id for job in second] == newest_first[3:6]
    assert [job.id for job in back] == newest_first[:3]


def test_jobs_filter_by_status_and_creation_time(sessions: sessionmaker[Session]) -> None:
    ids = add_jobs(sessions, 5)
    with transaction(sessions) as session:
        store.claim_job(session, ids[1], "runner-a", T0)
    with sessions() as session:
        running = store.list_jobs(session, JobFilter(statuses=[JobStatus.running]), 10)
        recent = store.list_jobs(session, JobFilter(created_after=T0 + timedelta(seconds=3)), 10)
    assert [job.id for job in running] == [ids[1]]
    assert [job.id for job in recent] == [ids[4], ids[3]]


def test_jobs_filter_by_duration(sessions: sessionmaker[Session]) -> None:
    ids = add_jobs(sessions, 2)
    with transaction(sessions) as session:
        for job_id in ids:
            store.claim_job(session, job_id, "runner-a", T0)
        store.move_job(session, ids[0], [JobStatus.running], JobStatus.successful, T0 + timedelta(seconds=5))
        store.move_job(session, ids[1], [JobStatus.running], JobStatus.successful, T0 + timedelta(seconds=50))
    with sessions() as session:
        long_ones = store.list_jobs(session, JobFilter(min_duration=10), 10)
        short_ones = store.list_jobs(session, JobFilter(max_duration=10), 10)
    assert [job.id for job in long_ones] == [ids[1]]
    assert [job.id for job in short_ones] == [ids[0]]


def test_stale_running_jobs_are_found_by_their_heartbeat(sessions: sessionmaker[Session]) -> None:
    ids = add_jobs(sessions, 2)
    with transaction(sessions) as session:
        store.claim_job(session, ids[0], "local:host:1", T0)
        store.claim_job(session, ids[1], "local:host:2", T0)
        store.beat(session, [ids[1]], T0 + timedelta(seconds=60))
    with sessions() as session:
        stale = store.list_running_jobs(session, beat_before=T0 + timedelta(seconds=30))
        mine = store.list_running_jobs(session, runner_prefix="local:host:2")
    assert [job.id for job in stale] == [ids[0]]
    assert [job.id for job in mine] == [ids[1]]
