"""The jobs service without HTTP: a real store on a fresh SQLite file, and an executor that records hand-overs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from swath.errors import JobNotDismissable, NoSuchJob, NoSuchOutput, ResultNotReady
from swath.services import jobs
from swath.services.context import ServiceContext
from swath.services.identity import Identity, Role
from swath.services.processes import install_builtin_processes
from swath.settings import Settings
from swath.storage import LocalStorage
from swath.store.database import create_database_engine, create_session_factory, migrate
from swath.store.records import JobStatus


class RecordingExecutor:
    """An honest executor that runs nothing: it keeps the jobs handed to it, in order, and the ones cancelled."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, str | None]] = []
        self.cancelled: list[str] = []

    def start(self) -> None:
        pass

    def submit(self, job_id: str, queue: str | None = None) -> None:
        self.submitted.append((job_id, queue))

    def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)

    def check(self) -> None:
        pass

    def stop(self) -> None:
        pass


@pytest.fixture
def context(tmp_path: Path) -> Iterator[ServiceContext]:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'swath.db'}")
    engine = create_database_engine(settings.resolved_database_url)
    migrate(engine)
    context = ServiceContext(
        settings=settings,
        sessions=create_session_factory(engine),
        storage=LocalStorage(tmp_path / "outputs", "http://testserver"),
        executor=RecordingExecutor(),
    )
    install_builtin_processes(context)
    yield context
    engine.dispose()


TESTER = Identity("tester", Role.user)
SOMEONE_ELSE = Identity("someone-else", Role.user)
ADMIN = Identity("operator", Role.admin)


def executor_of(context: ServiceContext) -> RecordingExecutor:
    assert isinstance(context.executor, RecordingExecutor)
    return context.executor


def submit_echo(context: ServiceContext) -> str:
    request = jobs.ExecuteRequest(inputs={"stringInput": "Value1"})
    return jobs.submit_job(context, "echo", request, TESTER).id


def test_a_submitted_job_is_recorded_accepted_and_handed_to_the_executor_once(context: ServiceContext) -> None:
    job_id = submit_echo(context)

    assert jobs.get_job(context, job_id, TESTER).status is JobStatus.accepted
    assert [submitted for submitted, _ in executor_of(context).submitted] == [job_id]


def test_dismissing_a_queued_job_dismisses_it_and_cancels_it_in_the_executor(context: ServiceContext) -> None:
    job_id = submit_echo(context)

    job = jobs.dismiss_job(context, job_id, TESTER)

    assert job.status is JobStatus.dismissed
    assert executor_of(context).cancelled == [job_id]


def test_dismissing_a_job_twice_answers_dismissed_without_a_second_cancel(context: ServiceContext) -> None:
    job_id = submit_echo(context)
    jobs.dismiss_job(context, job_id, TESTER)

    assert jobs.dismiss_job(context, job_id, TESTER).status is JobStatus.dismissed
    assert executor_of(context).cancelled == [job_id]


def test_the_results_of_a_queued_job_are_not_ready_and_the_error_names_the_job(context: ServiceContext) -> None:
    job_id = submit_echo(context)

    with pytest.raises(ResultNotReady) as raised:
        jobs.get_results(context, job_id, TESTER)

    assert raised.value.members == {"jobID": job_id}


def test_an_unknown_job_is_no_such_job_naming_it(context: ServiceContext) -> None:
    with pytest.raises(NoSuchJob) as raised:
        jobs.get_job(context, "nope", TESTER)

    assert raised.value.members == {"jobID": "nope"}


def test_the_errors_a_dismissal_and_an_output_raise_carry_their_members() -> None:
    refusal = JobNotDismissable("Job 'j' has already finished.", job_id="j")
    missing = NoSuchOutput("Job 'j' has no output 'x'.", job_id="j", output_id="x")

    assert refusal.members == {"jobID": "j"}
    assert missing.members == {"jobID": "j", "output": "x"}


def test_another_user_s_job_does_not_exist_for_them_but_does_for_an_admin(context: ServiceContext) -> None:
    job_id = submit_echo(context)

    with pytest.raises(NoSuchJob):
        jobs.get_job(context, job_id, SOMEONE_ELSE)
    with pytest.raises(NoSuchJob):
        jobs.dismiss_job(context, job_id, SOMEONE_ELSE)
    assert jobs.get_job(context, job_id, TESTER).status is JobStatus.accepted
    assert jobs.dismiss_job(context, job_id, ADMIN).status is JobStatus.dismissed
