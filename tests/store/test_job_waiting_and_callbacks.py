"""The job table's rules for Part 4 `created` jobs and for callbacks: a created job is never queued, changes only
while it waits, and a callback is taken by one sender only, under a lease that another takes over once it runs out."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from swath.store import callbacks
from swath.store import jobs as store
from swath.store.database import transaction
from swath.store.records import JobRecord, JobStatus, Subscriber
from tests.store.test_jobs import T0, add_jobs


def held(sessions: sessionmaker[Session]) -> JobRecord:
    [job_id] = add_jobs(sessions, 1)
    with transaction(sessions) as session:
        session.execute(
            store.update(store._JOBS).where(store._JOBS.c.id == job_id).values(status=JobStatus.created.value)
        )
    with sessions() as session:
        job = store.get_job(session, job_id)
    assert job is not None
    return job


def test_a_created_job_is_neither_queued_nor_claimed(sessions: sessionmaker[Session]) -> None:
    job = held(sessions)
    with transaction(sessions) as session:
        assert store.list_queued_jobs(session, 10) == []
        assert store.claim_job(session, job.id, "runner-a", T0) is None


def test_a_created_job_is_redefined_only_while_it_waits(sessions: sessionmaker[Session]) -> None:
    job = held(sessions)
    with transaction(sessions) as session:
        assert store.redefine_created_job(session, dataclasses.replace(job, inputs={"a": 1}), T0)
    with transaction(sessions) as session:
        assert store.move_job(session, job.id, [JobStatus.created], JobStatus.accepted, T0)
    with transaction(sessions) as session:
        assert not store.redefine_created_job(session, dataclasses.replace(job, inputs={"a": 2}), T0)
    with sessions() as session:
        stored = store.get_job(session, job.id)
    assert stored is not None and (stored.status, stored.inputs) == (JobStatus.accepted, {"a": 1})


def test_a_callback_is_taken_once_held_under_a_lease_and_leaves_the_list_once_sent(
    sessions: sessionmaker[Session],
) -> None:
    [job_id] = add_jobs(sessions, 1)
    with transaction(sessions) as session:
        session.execute(
            store.update(store._JOBS)
            .where(store._JOBS.c.id == job_id)
            .values(notified="accepted", subscriber=Subscriber(success_uri="http://example.org/").to_json())
        )
        assert callbacks.list_jobs_to_notify(session, T0, 10) == []
        store.claim_job(session, job_id, "runner-a", T0)
        store.move_job(session, job_id, [JobStatus.running], JobStatus.successful, T0)
    with transaction(sessions) as session:
        [due] = callbacks.list_jobs_to_notify(session, T0, 10)
    assert (due.status, due.notified, due.subscriber) == (
        JobStatus.successful,
        "accepted",
        Subscriber(success_uri="http://example.org/"),
    )
    lease_end = T0 + timedelta(seconds=20)
    with transaction(sessions) as session:
        assert callbacks.take_notification(session, due, T0, lease_end)
    with transaction(sessions) as session:
        assert not callbacks.take_notification(session, due, T0, lease_end)
        assert callbacks.list_jobs_to_notify(session, T0 + timedelta(seconds=10), 10) == []
    # The holder stopped: once its lease has run out, another server takes the same callbacks.
    after = lease_end + timedelta(seconds=1)
    with transaction(sessions) as session:
        [resumed] = callbacks.list_jobs_to_notify(session, after, 10)
        assert callbacks.take_notification(session, resumed, after, after + timedelta(seconds=20))
    with transaction(sessions) as session:
        callbacks.finish_notification(session, resumed)
    with transaction(sessions) as session:
        assert callbacks.list_jobs_to_notify(session, after + timedelta(days=1), 10) == []
        assert store.get_job(session, job_id).notified is None  # type: ignore[union-attr]
