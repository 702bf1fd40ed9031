"""The scheduler's store and rules on a real database (SQLite, and PostgreSQL when it answers): the queue's order,
the running caps of a round of picks, queue positions, priorities that change only while a job waits, and queued
caps that hold under concurrent submissions."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from swath.errors import QueueCapReached, Reason
from swath.services.builtin import echo_process
from swath.services.scheduling import MustWait, check_may_start, pick_jobs, queue_admission, with_waits
from swath.settings import Settings
from swath.store import jobs as job_store
from swath.store import scheduling as store
from swath.store.database import reading, transaction
from swath.store.group_commit import commit_new_job
from swath.store.processes import insert_process
from swath.store.records import JobRecord, JobStatus, ProcessScheduling

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def process_pk(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as session:
        return insert_process(session, echo_process()).pk


def _job(pk: int, index: int, user: str = "alice", process_id: str = "echo", priority: int = 0) -> JobRecord:
    created = T0 + timedelta(seconds=index)
    return JobRecord(
        id=f"job-{index:04d}",
        process_pk=pk,
        process_id=process_id,
        process_version="1.0.0",
        status=JobStatus.accepted,
        created=created,
        updated=created,
        created_by=user,
        inputs={},
        outputs={},
        priority=priority,
    )


def _add(sessions: sessionmaker[Session], *jobs: JobRecord) -> None:
    for job in jobs:
        commit_new_job(sessions, job)


def _settings(tmp_path_factory: pytest.TempPathFactory, **values: object) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), **values)  # type: ignore[arg-type]


def _run(sessions: sessionmaker[Session], job_id: str) -> None:
    with transaction(sessions) as session:
        assert job_store.claim_job(session, job_id, "runner", T0) is not None


def test_the_queue_runs_highest_priority_first_then_oldest_first(
    sessions: sessionmaker[Session], process_pk: int
) -> None:
    _add(
        sessions,
        _job(process_pk, 0, priority=-1),
        _job(process_pk, 1),
        _job(process_pk, 2, priority=5),
        _job(process_pk, 3),
        _job(process_pk, 4, user="bob", priority=5),
    )
    with reading(sessions) as session:
        order = [job.id for job in store.list_next_jobs(session, 10)]
        assert order == ["job-0002", "job-0004", "job-0001", "job-0003", "job-0000"]
        skipped = store.list_next_jobs(session, 10, skip_ids=["job-0002"], skip_users=["bob"])
        assert [job.id for job in skipped] == ["job-0001", "job-0003", "job-0000"]
        positions = [store.queue_position(session, job_store.get_job(session, job_id)) for job_id in order]  # type: ignore[arg-type]
    assert positions == [1, 2, 3, 4, 5]


def test_a_round_of_picks_keeps_the_user_cap_counting_its_own_picks(
    sessions: sessionmaker[Session], process_pk: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = _settings(tmp_path_factory, max_running_per_user=2)
    _add(sessions, *[_job(process_pk, index) for index in range(5)], _job(process_pk, 5, user="bob"))
    _run(sessions, "job-0000")
    with reading(sessions) as session:
        picked = pick_jobs(session, settings, 4)
    # alice runs one already: one more of hers, then bob's, though his came last; nothing else may start.
    assert picked == ["job-0001", "job-0005"]


def test_a_process_cap_of_an_admin_replaces_the_default_one(
    sessions: sessionmaker[Session], process_pk: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = _settings(tmp_path_factory, max_running_per_process=1)
    _add(sessions, *[_job(process_pk, index, process_id="echo") for index in range(3)])
    _add(sessions, *[_job(process_pk, index, process_id="other") for index in range(3, 6)])
    with transaction(sessions) as session:
        store.put_process_scheduling(session, ProcessScheduling("other", max_running=2), "ada", T0)
    with reading(sessions) as session:
        assert pick_jobs(session, settings, 6) == ["job-0000", "job-0003", "job-0004"]
    _run(sessions, "job-0000")
    with reading(sessions) as session:
        waiting = with_waits(session, settings, [job_store.get_job(session, "job-0001")])[0]  # type: ignore[list-item]
    assert waiting.waiting is not None
    assert (waiting.waiting.position, waiting.waiting.reason) == (1, "process cap 1 reached")


def test_a_priority_changes_only_while_the_job_waits(sessions: sessionmaker[Session], process_pk: int) -> None:
    _add(sessions, _job(process_pk, 0), _job(process_pk, 1))
    with transaction(sessions) as session:
        assert store.set_priority(session, "job-0001", 9, [JobStatus.accepted], T0)
    with reading(sessions) as session:
        assert [job.id for job in store.list_next_jobs(session, 2)] == ["job-0001", "job-0000"]
    _run(sessions, "job-0001")
    with transaction(sessions) as session:
        assert not store.set_priority(session, "job-0001", 1, [JobStatus.accepted], T0)
        assert job_store.get_job(session, "job-0001").priority == 9  # type: ignore[union-attr]


def test_rules_that_set_nothing_remove_a_process_rules(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        store.put_process_scheduling(session, ProcessScheduling("echo", 3, 1, 10), "ada", T0)
    with reading(sessions) as session:
        assert store.get_process_scheduling(session, "echo") == ProcessScheduling("echo", 3, 1, 10)
    with transaction(sessions) as session:
        store.put_process_scheduling(session, ProcessScheduling("echo"), "ada", T0)
    with reading(sessions) as session:
        assert store.get_process_scheduling(session, "echo") is None


def test_a_queued_cap_holds_under_concurrent_submissions(
    sessions: sessionmaker[Session], process_pk: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = _settings(tmp_path_factory, max_queued_per_user=5)
    refused: list[QueueCapReached] = []
    lock = threading.Lock()

    def submit(index: int) -> None:
        job = _job(process_pk, index)
        try:
            commit_new_job(sessions, job, queue_admission(settings, job, None))
        except QueueCapReached as error:
            with lock:
                refused.append(error)

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # bob is not held by alice's cap.
    bob = dataclasses.replace(_job(process_pk, 99, user="bob"))
    commit_new_job(sessions, bob, queue_admission(settings, bob, None))
    with reading(sessions) as session:
        assert store.count_jobs(session, JobStatus.accepted, created_by="alice") == 5
        assert store.count_jobs(session, JobStatus.accepted, created_by="bob") == 1
    assert len(refused) == 15
    assert {error.reason for error in refused} == {Reason.user_cap_reached}
    assert refused[0].detail == (
        "User 'alice' has 5 jobs queued, the most allowed (user cap 5); submit again once some have started."
    )


def test_a_claim_that_checks_the_caps_leaves_a_job_over_its_user_cap_accepted(
    sessions: sessionmaker[Session], process_pk: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = _settings(tmp_path_factory, max_running_per_user=1)
    _add(sessions, _job(process_pk, 0), _job(process_pk, 1), _job(process_pk, 2, user="bob"))
    _run(sessions, "job-0000")
    with pytest.raises(MustWait, match="user cap 1 reached"), transaction(sessions) as session:
        check_may_start(session, settings, "job-0001")
    with transaction(sessions) as session:
        check_may_start(session, settings, "job-0002")
        assert job_store.claim_job(session, "job-0002", "runner", T0) is not None
    with reading(sessions) as session:
        assert job_store.get_job(session, "job-0001").status is JobStatus.accepted  # type: ignore[union-attr]
