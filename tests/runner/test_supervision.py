"""The supervisor driven directly, with real children and a real database, without HTTP.

Each scenario runs in a process of its own: a supervisor is a child subreaper and kills any child of its process
that is not one of its jobs, which it must never do to the test runner's other children (servers of other tests).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from swath.runner.supervision import Supervisor
from swath.services.context import ServiceContext
from swath.services.identity import Identity, Role
from swath.services.jobs import ExecuteRequest, get_job, submit_job
from swath.services.processes import deploy_process
from swath.services.recovery import RunnerId, RunnerKind, recover_jobs
from swath.settings import Settings
from swath.storage import open_storage
from swath.store import jobs as job_store
from swath.store.database import create_database_engine, create_session_factory, migrate, transaction
from swath.store.records import JobStatus
from tests.conftest import DATA


class QueueingExecutor:
    """An honest executor that only keeps what it is handed: the supervisor under test does the running."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def start(self) -> None: ...

    def submit(self, job_id: str, queue: str | None = None) -> None:
        self.submitted.append(job_id)

    def cancel(self, job_id: str) -> None: ...

    def check(self) -> None: ...

    def stop(self) -> None: ...


TESTER = Identity("tester", Role.user)

def _context(data_dir: Path, **settings: Any) -> ServiceContext:
    configured = Settings(
        data_dir=data_dir,
        container_runtime="none",
        heartbeat_interval=0.2,
        heartbeat_timeout=1.0,
        deploy_examples=False,
        **settings,
    )
    engine = create_database_engine(configured.resolved_database_url)
    migrate(engine)
    return ServiceContext(configured, create_session_factory(engine), open_storage(configured), QueueingExecutor())


def _sleeper_job(context: ServiceContext, seconds: int) -> str:
    body = (DATA / "e2e" / "sleeper.cwl").read_bytes()
    process = deploy_process(context, body, "application/cwl+yaml", Identity("tester", Role.deployer))
    return submit_job(context, process.id, ExecuteRequest(inputs={"seconds": seconds}), TESTER).id


def _supervise_until(supervisor: Supervisor, done: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the supervised job did not reach the expected state")
        supervisor.reap()
        supervisor.tick()
        time.sleep(0.02)


def _in_own_process(scenario: Callable[..., Any], *arguments: Any) -> Any:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
        return pool.submit(scenario, *arguments).result(timeout=60)


def _is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")


# Scenarios: each returns what the test asserts.


def _time_limit(data_dir: Path) -> tuple[str, str | None, bool]:
    context = _context(data_dir, job_time_limit=0.5)
    job_id = _sleeper_job(context, 30)
    supervisor = Supervisor(context.settings, context.sessions, RunnerId.here(RunnerKind.local))
    child = supervisor.start(job_id)
    assert child is not None
    _supervise_until(supervisor, lambda: not supervisor.jobs)
    job = get_job(context, job_id, TESTER)
    return job.status.value, job.message, _is_gone(child.pid) and not child.work_dir.exists()


def _dismissal(data_dir: Path) -> tuple[str, float]:
    context = _context(data_dir)
    job_id = _sleeper_job(context, 30)
    supervisor = Supervisor(context.settings, context.sessions, RunnerId.here(RunnerKind.local))
    assert supervisor.start(job_id) is not None
    # Dismissed through another server: only the table says so, and the supervisor learns it at a beat.
    with transaction(context.sessions) as session:
        job_store.move_job(
            session, job_id, [JobStatus.running], JobStatus.dismissed, datetime.now(UTC), message="Dismissed."
        )
    dismissed = time.monotonic()
    _supervise_until(supervisor, lambda: not supervisor.jobs)
    return get_job(context, job_id, TESTER).status.value, time.monotonic() - dismissed


def _crash(data_dir: Path) -> tuple[str, str | None]:
    context = _context(data_dir)
    job_id = _sleeper_job(context, 30)
    supervisor = Supervisor(context.settings, context.sessions, RunnerId.here(RunnerKind.local))
    child = supervisor.start(job_id)
    assert child is not None
    os.kill(child.pid, signal.SIGKILL)
    _supervise_until(supervisor, lambda: not supervisor.jobs)
    job = get_job(context, job_id, TESTER)
    return job.status.value, job.message


def _heartbeat_loss(data_dir: Path) -> tuple[str, str | None, str, str | None]:
    context = _context(data_dir)
    job_id = _sleeper_job(context, 1)
    supervisor = Supervisor(context.settings, context.sessions, RunnerId(RunnerKind.celery, "elsewhere", (1, 2)))
    assert supervisor.start(job_id) is not None
    # The supervisor never beats (as one cut off from the database would), so the job's heartbeat goes stale.
    with transaction(context.sessions) as session:
        job_store.beat(session, [job_id], datetime.now(UTC) - timedelta(seconds=5))
    taken = recover_jobs(context.sessions, context.settings)
    after_recovery = get_job(context, job_id, TESTER)
    # The old run ends afterwards; its late success must not overwrite the job taken back from it.
    while supervisor.jobs:
        supervisor.reap()
        time.sleep(0.02)
    final = get_job(context, job_id, TESTER)
    assert [job.id for job, _ in taken] == [job_id]
    return after_recovery.status.value, after_recovery.message, final.status.value, final.message


def _heartbeat_loss_on_a_full_disk(data_dir: Path) -> tuple[str, str | None]:
    context = _context(data_dir)
    job_id = _sleeper_job(context, 1)
    supervisor = Supervisor(context.settings, context.sessions, RunnerId(RunnerKind.celery, "elsewhere", (1, 2)))
    assert supervisor.start(job_id) is not None
    with transaction(context.sessions) as session:
        job_store.beat(session, [job_id], datetime.now(UTC) - timedelta(seconds=5))
    # No disk keeps an exabyte free: to this setting, the disk is full.
    context.settings.min_free_space = 10**18
    recover_jobs(context.sessions, context.settings)
    while supervisor.jobs:
        supervisor.reap()
        time.sleep(0.02)
    job = get_job(context, job_id, TESTER)
    return job.status.value, job.message


def test_a_job_taken_back_on_a_full_disk_is_failed_saying_so_not_run_again(tmp_path: Path) -> None:
    status, message = _in_own_process(_heartbeat_loss_on_a_full_disk, tmp_path)

    assert status == "failed"
    assert message is not None and "(setting min_free_space)." in message
    # A full disk is never retried (services/retries.py): the message says why it ended, not that attempts ran out.
    assert message.endswith("(setting min_free_space).")
    assert "Queued again" not in message


def test_a_job_past_its_time_limit_is_stopped_and_failed_with_the_limit(tmp_path: Path) -> None:
    status, message, cleaned = _in_own_process(_time_limit, tmp_path)
    assert status == "failed"
    assert message == "The job ran longer than the time limit of 0.5 seconds."
    assert cleaned


def test_a_job_dismissed_elsewhere_is_stopped_at_the_next_beat_and_stays_dismissed(tmp_path: Path) -> None:
    status, seconds = _in_own_process(_dismissal, tmp_path)
    assert status == "dismissed"
    assert seconds < 2


def test_a_job_whose_process_is_killed_is_failed_with_the_signal(tmp_path: Path) -> None:
    status, message = _in_own_process(_crash, tmp_path)
    assert (status, message) == ("failed", "The job's process was killed by signal SIGKILL.")


def test_a_job_whose_heartbeat_stops_is_queued_again_and_its_old_run_cannot_overwrite_it(tmp_path: Path) -> None:
    status, message, final_status, final_message = _in_own_process(_heartbeat_loss, tmp_path)
    assert status == "accepted"
    assert message == (
        "The runner of this job (celery:elsewhere:1:2) stopped beating for 1 s. Queued again (attempt 2 of 3)."
    )
    assert (final_status, final_message) == (status, message)


def test_runner_ids_read_back_as_they_were_written() -> None:
    for runner in (RunnerId(RunnerKind.local, "node-1.example", (42,)), RunnerId(RunnerKind.celery, "h", (7, 8))):
        assert RunnerId.parse(str(runner)) == runner
    assert RunnerId.parse("celery:h:7:8") == RunnerId(RunnerKind.celery, "h", (7, 8))
    assert RunnerId.parse("nonsense") is None
    assert RunnerId.parse(None) is None
