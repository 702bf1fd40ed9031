"""The Unity ADES-WPST view of processes and jobs: the jobs of one process, and a process named the Unity way.

Unity notebooks name applications as they were registered in their catalog, e.g. `job-l1b-cwl:develop` for the
process `l1b-cwl:develop`; a `job-` prefix is dropped when no process of the full name exists. A job is reached
through the process it ran, so a job of another process is "not found" here, exactly as an unknown job id.
"""

from __future__ import annotations

from swath.errors import NoSuchJob, NoSuchProcess
from swath.services import jobs
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.services.processes import get_process
from swath.store.jobs import JobFilter
from swath.store.records import JobRecord

UNITY_JOB_PREFIX = "job-"
# Unity clients read the jobs of a process in one response; this many of the newest are sent.
PROCESS_JOBS_LIMIT = 1000


def resolve_process_scope(context: ServiceContext, process_id: str) -> str:
    """The process id whose jobs `process_id` means: a full `name:version`, or a bare name (every version).

    Raises NoSuchProcess naming the id as given when neither it nor its un-prefixed form is deployed.
    """
    try:
        process = get_process(context, process_id)
    except NoSuchProcess:
        if not process_id.startswith(UNITY_JOB_PREFIX):
            raise
        try:
            process = get_process(context, process_id.removeprefix(UNITY_JOB_PREFIX))
        except NoSuchProcess as error:
            raise NoSuchProcess(
                f"No process with id '{process_id}' or '{process_id.removeprefix(UNITY_JOB_PREFIX)}' is deployed."
            ) from error
        process_id = process_id.removeprefix(UNITY_JOB_PREFIX)
    return process.id if ":" in process_id else process.id.partition(":")[0]


def is_job_of(job: JobRecord, scope: str) -> bool:
    return job.process_id == scope or (":" not in scope and job.process_id.partition(":")[0] == scope)


def process_jobs(context: ServiceContext, process_id: str, viewer: Identity) -> list[JobRecord]:
    """The newest jobs of a process (every version of it when the id names no version) that `viewer` may see."""
    scope = resolve_process_scope(context, process_id)
    return jobs.list_jobs(context, JobFilter(process_ids=[scope]), PROCESS_JOBS_LIMIT, viewer)


def process_job(context: ServiceContext, process_id: str, job_id: str, viewer: Identity) -> JobRecord:
    """A job reached through its process; NoSuchJob when it ran another process or belongs to another user."""
    scope = resolve_process_scope(context, process_id)
    job = jobs.get_job(context, job_id, viewer)
    if not is_job_of(job, scope):
        raise NoSuchJob(f"No job with id '{job_id}' exists for process '{process_id}'.")
    return job


def dismiss_process_job(context: ServiceContext, process_id: str, job_id: str, viewer: Identity) -> JobRecord:
    """Dismiss a job reached through its process (see `jobs.dismiss_job`)."""
    process_job(context, process_id, job_id, viewer)
    return jobs.dismiss_job(context, job_id, viewer)
