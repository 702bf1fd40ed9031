"""What a job asks Slurm for, and the words for how Slurm ended it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from swath.executors.slurm import batch_options, slurm_explanation
from swath.executors.slurm_commands import BatchJob, BatchState
from swath.settings import QueueClass, Settings
from swath.store.records import JobRecord, JobStatus

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def job(queue: str | None = None) -> JobRecord:
    return JobRecord(
        id="job-1",
        process_pk=1,
        process_id="p",
        process_version="1.0.0",
        status=JobStatus.accepted,
        created=NOW,
        updated=NOW,
        created_by="alice",
        inputs={},
        outputs={},
        queue=queue,
    )


def settings(**values: object) -> Settings:
    return Settings(executor="slurm", storage="file:///shared/swath", **values)  # type: ignore[arg-type]


def requirement(**fields: object) -> dict[str, object]:
    return {"class": "CommandLineTool", "requirements": [{"class": "ResourceRequirement", **fields}]}


def test_the_resource_requirement_becomes_cores_and_memory_with_the_runners_share() -> None:
    options = batch_options(settings(), job(), requirement(coresMin=1.5, ramMin=2000))
    assert "--cpus-per-task=2" in options
    assert "--mem=2512M" in options


def test_a_package_without_requirements_takes_its_queue_class() -> None:
    queues = [QueueClass(name="small", cores=4, ram_mb=1024)]
    options = batch_options(settings(queues=queues), job("small"), {"class": "CommandLineTool"})
    assert "--cpus-per-task=4" in options
    assert "--mem=1536M" in options


def test_without_any_memory_need_the_partition_default_applies() -> None:
    options = batch_options(settings(), job(), None)
    assert "--cpus-per-task=1" in options
    assert not any(option.startswith("--mem") for option in options)


def test_the_time_limit_partition_and_account_come_from_the_settings() -> None:
    options = batch_options(settings(job_time_limit=61, slurm_partition="gpu", slurm_account="eo"), job(), None)
    assert {"--time=2", "--partition=gpu", "--account=eo"} <= set(options)
    assert "--job-name=swath-job-1" in options
    assert "--output=/shared/swath/slurm/job-1.out" in options


def test_slurms_own_stops_have_their_own_messages() -> None:
    output = Path("/shared/swath/slurm/job-1.out")
    timeout = BatchJob("7", BatchState.timeout, "TimeLimit", "812M", "1:00")
    assert slurm_explanation(timeout, output) == "Slurm stopped the job at its time limit of 1:00 (batch job 7)."
    memory = BatchJob("8", BatchState.out_of_memory, "OutOfMemory", "612M", "1:00")
    assert "it used more than its memory limit of 612M (batch job 8)" in (slurm_explanation(memory, output) or "")
    failed = BatchJob("9", BatchState.failed, "NonZeroExitCode", "612M", "1:00")
    assert slurm_explanation(failed, output) == (
        "Batch job 9 ended FAILED before the job recorded a result; see /shared/swath/slurm/job-1.out."
    )
    assert slurm_explanation(BatchJob("10", BatchState.completed, "None", "1G", "1:00"), output) is None
