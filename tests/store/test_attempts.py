"""Attempts, retry back-off, re-run links and reuse keys in the job table (SQLite, and PostgreSQL when given)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import FailureKind
from swath.services.retries import Failure, RetryPolicy, end_attempt
from swath.store import attempts as attempt_store
from swath.store import jobs as store
from swath.store import scheduling
from swath.store.database import transaction
from swath.store.records import JobRecord, JobStatus
from tests.store.test_jobs import T0, add_jobs

RETRY_EXIT_CODES = RetryPolicy(max_attempts=3, on=frozenset({FailureKind.exit_code}), backoff=10, backoff_factor=3)


def _claim(sessions: sessionmaker[Session], job_id: str, at: datetime = T0, offset: int = 0) -> JobRecord | None:
    with transaction(sessions) as session:
        job = store.claim_job(session, job_id, "runner-a", at)
        if job is not None:
            attempt_store.open_attempt(session, job, offset, at)
        return job


def _end(sessions: sessionmaker[Session], job: JobRecord, failure: Failure, at: datetime = T0) -> JobStatus | None:
    with transaction(sessions) as session:
        return end_attempt(session, job, failure, RETRY_EXIT_CODES, at)


def _attempts(sessions: sessionmaker[Session], job_id: str) -> list[tuple[int, str, str | None, int | None]]:
    with sessions() as session:
        found = attempt_store.list_attempts(session, job_id)
    return [(attempt.attempt, attempt.status, attempt.reason, attempt.exit_code) for attempt in found]


def test_a_retried_job_waits_out_its_back_off_before_it_can_be_claimed(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    job = _claim(sessions, job_id)
    assert job is not None
    assert _end(sessions, job, Failure(FailureKind.exit_code, "Tool failed with exit code 1.", 1)) is JobStatus.accepted
    with sessions() as session:
        queued = store.get_job(session, job_id)
        assert scheduling.list_next_jobs(session, 10, due_at=T0 + timedelta(seconds=9)) == []
        [due] = scheduling.list_next_jobs(session, 10, due_at=T0 + timedelta(seconds=10))
        assert due.id == job_id
    assert queued is not None and queued.not_before == T0 + timedelta(seconds=10)
    assert "Queued again (attempt 2 of 3, after 10 s)." in (queued.message or "")
    assert _claim(sessions, job_id, T0 + timedelta(seconds=9)) is None
    second = _claim(sessions, job_id, T0 + timedelta(seconds=10), offset=120)
    assert second is not None and second.attempts == 2 and second.not_before is None
    # The second back-off is three times the first.
    later = T0 + timedelta(seconds=10)
    assert _end(sessions, second, Failure(FailureKind.exit_code, "again", 1), later) is JobStatus.accepted
    with sessions() as session:
        again = store.get_job(session, job_id)
        [first_attempt, second_attempt] = attempt_store.list_attempts(session, job_id)
    assert again is not None and again.not_before == later + timedelta(seconds=30)
    assert (first_attempt.log_offset, second_attempt.log_offset) == (0, 120)
    assert second_attempt.retry_at == later + timedelta(seconds=30)


def test_a_job_is_failed_once_its_attempts_are_used_and_every_attempt_is_kept(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    outcomes = []
    for attempt in range(3):
        at = T0 + timedelta(hours=attempt)
        job = _claim(sessions, job_id, at)
        assert job is not None
        outcomes.append(_end(sessions, job, Failure(FailureKind.exit_code, f"Exit 2 ({attempt + 1}).", 2), at))
    assert outcomes == [JobStatus.accepted, JobStatus.accepted, JobStatus.failed]
    assert _attempts(sessions, job_id) == [(n, "failed", "exitCode", 2) for n in (1, 2, 3)]
    with sessions() as session:
        job = store.get_job(session, job_id)
    assert job is not None and "tried 3 times" in (job.message or "")


def test_a_failure_the_policy_does_not_name_fails_the_job_at_once(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    job = _claim(sessions, job_id)
    assert job is not None
    assert _end(sessions, job, Failure(FailureKind.staging, "Input 'a' is unreachable.")) is JobStatus.failed
    with sessions() as session:
        failed = store.get_job(session, job_id)
    assert failed is not None and failed.message == "Input 'a' is unreachable."
    assert _attempts(sessions, job_id) == [(1, "failed", "staging", None)]


def test_an_input_error_is_never_retried_whatever_the_policy_lists(sessions: sessionmaker[Session]) -> None:
    policy = dataclasses.replace(RETRY_EXIT_CODES, on=frozenset(FailureKind))
    assert not policy.retries(Failure(FailureKind.input, "bad"))
    assert not policy.retries(Failure(FailureKind.disk_full, "full"))
    assert not policy.retries(Failure(FailureKind.dismissed, "dismissed"))
    assert policy.retries(Failure(FailureKind.runner_lost, "gone"))
    only_75 = dataclasses.replace(RETRY_EXIT_CODES, exit_codes=frozenset({75}))
    assert only_75.retries(Failure(FailureKind.exit_code, "x", 75))
    assert not only_75.retries(Failure(FailureKind.exit_code, "x", 1))


def test_an_attempt_ended_by_a_dismissal_says_so(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    job = _claim(sessions, job_id)
    assert job is not None
    with transaction(sessions) as session:
        assert store.move_job(session, job_id, [JobStatus.running], JobStatus.dismissed, T0, message="Dismissed.")
    assert _end(sessions, job, Failure(FailureKind.runner_lost, "killed by SIGTERM")) is None
    assert _attempts(sessions, job_id) == [(1, "dismissed", "dismissed", None)]


def test_due_retries_are_handed_over_once(sessions: sessionmaker[Session]) -> None:
    [job_id] = add_jobs(sessions, 1)
    job = _claim(sessions, job_id)
    assert job is not None
    _end(sessions, job, Failure(FailureKind.exit_code, "x", 1))
    with transaction(sessions) as session:
        assert store.take_due_retries(session, T0 + timedelta(seconds=5), 10) == []
    with transaction(sessions) as session:
        assert store.take_due_retries(session, T0 + timedelta(seconds=10), 10) == [(job_id, None)]
    with transaction(sessions) as session:
        assert store.take_due_retries(session, T0 + timedelta(seconds=20), 10) == []
    # Handed over, it is claimable at once.
    assert _claim(sessions, job_id, T0 + timedelta(seconds=10)) is not None


def test_reuse_finds_only_a_successful_job_of_the_same_owner_and_key(sessions: sessionmaker[Session]) -> None:
    first, second, third = add_jobs(sessions, 3)
    with transaction(sessions) as session:
        session.execute(
            store._JOBS.update().where(store._JOBS.c.id == third).values(created_by="someone-else")
        )
    for job_id in (first, third):
        _claim(sessions, job_id)
        with transaction(sessions) as session:
            store.set_reuse(session, job_id, "sha256:k")
            store.move_job(session, job_id, [JobStatus.running], JobStatus.successful, T0, results={"outputs": {}})
    with sessions() as session:
        found = store.find_reusable_job(session, "sha256:k", "anonymous", second)
        assert found is not None and found.id == first
        assert store.find_reusable_job(session, "sha256:k", "anonymous", first) is None
        assert store.find_reusable_job(session, "sha256:other", "anonymous", second) is None
        assert store.find_reusable_job(session, "sha256:k", "nobody", second) is None


def test_reruns_are_listed_for_the_job_they_rerun(sessions: sessionmaker[Session]) -> None:
    first, second, third = add_jobs(sessions, 3)
    with transaction(sessions) as session:
        for rerun in (second, third):
            session.execute(
                store._JOBS.update().where(store._JOBS.c.id == rerun).values(rerun_of=first)
            )
    with sessions() as session:
        assert store.list_reruns(session, first) == [second, third]
        assert store.list_reruns(session, second) == []
