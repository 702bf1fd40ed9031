"""The Unity ADES-WPST view of processes and jobs: the jobs of one process, and a process named the Unity way.

Unity notebooks name applications as they were registered in their catalog, e.g. `job-l1b-cwl:develop` for
version `develop` of the process `l1b-cwl`; a `job-` prefix is dropped when no process of the full name exists.
A job is reached through the process it ran, so a job of another process is "not found" here, exactly as an
unknown job id.
"""

from __future__ import annotations

import dataclasses
import logging
import time

from swath.errors import NoSuchJob, NoSuchProcess
from swath.process_ids import ProcessRef, parse_process_ref
from swath.services import jobs
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.services.jobs import ExecuteRequest
from swath.services.processes import get_process
from swath.store.jobs import JobFilter
from swath.store.records import JobRecord

log = logging.getLogger("swath.unity")

UNITY_JOB_PREFIX = "job-"
# Unity clients read the jobs of a process in one response; this many of the newest are sent.
PROCESS_JOBS_LIMIT = 1000


def resolve_process_scope(context: ServiceContext, process_id: str, viewer: Identity) -> ProcessRef:
    """The processes whose jobs `process_id` means: one version (`id:version`), or every version of a bare id.

    Raises NoSuchProcess naming the id as given when neither it nor its un-prefixed form is deployed.
    """
    try:
        process = get_process(context, process_id, viewer)
    except NoSuchProcess:
        if not process_id.startswith(UNITY_JOB_PREFIX):
            raise
        try:
            process = get_process(context, process_id.removeprefix(UNITY_JOB_PREFIX), viewer)
        except NoSuchProcess as error:
            raise NoSuchProcess(
                f"No process with id '{process_id}' or '{process_id.removeprefix(UNITY_JOB_PREFIX)}' is deployed.",
                process_id=process_id,
            ) from error
        process_id = process_id.removeprefix(UNITY_JOB_PREFIX)
    named = parse_process_ref(process_id)
    return ProcessRef(process.id, process.version if named.version is not None else None)


def process_jobs(context: ServiceContext, process_id: str, viewer: Identity) -> list[JobRecord]:
    """The newest jobs of a process (every version of it when the id names no version) that `viewer` may see."""
    scope = resolve_process_scope(context, process_id, viewer)
    return jobs.list_jobs(context, JobFilter(processes=[scope]), PROCESS_JOBS_LIMIT, viewer)


def process_job(context: ServiceContext, process_id: str, job_id: str, viewer: Identity) -> JobRecord:
    """A job reached through its process; NoSuchJob when it ran another process or belongs to another user."""
    scope = resolve_process_scope(context, process_id, viewer)
    job = jobs.get_job_status(context, job_id, viewer)
    if not scope.matches(job.process_id, job.process_version):
        raise NoSuchJob(
            f"No job with id '{job_id}' exists for process '{process_id}'.", process_id=process_id, job_id=job_id
        )
    return job


def dismiss_process_job(context: ServiceContext, process_id: str, job_id: str, viewer: Identity) -> JobRecord:
    """Dismiss a job reached through its process (see `jobs.dismiss_job`)."""
    process_job(context, process_id, job_id, viewer)
    return jobs.dismiss_job(context, job_id, viewer)


def submit_process_job(
    context: ServiceContext, scope: ProcessRef, request: ExecuteRequest, user: Identity
) -> JobRecord:
    """Start a job the ADES-WPST way: an `outputs` entry naming an output the process lacks is ignored, as the
    Unity ADES ignored it (the Unity tutorial asks for `output` of every application), and noted in the job's log.
    The OGC face refuses such an entry with 400."""
    process = get_process(context, str(scope), user)
    unknown = sorted(set(request.outputs) - set(process.description.outputs))
    if unknown:
        kept = {name: wanted for name, wanted in request.outputs.items() if name not in unknown}
        request = dataclasses.replace(request, outputs=kept)
    job = jobs.create_job(context, process, request, user)
    if unknown:
        _note_in_job_log(
            context,
            job.id,
            f"Ignored the requested output(s) {', '.join(unknown)}: not outputs of process '{process.id}' "
            f"(it has: {', '.join(sorted(process.description.outputs)) or 'none'}).",
        )
    return job


def _note_in_job_log(context: ServiceContext, job_id: str, note: str) -> None:
    """Append a line to the job's log where the runners of this server write it (they append too); with runners
    on other machines (celery) the log is theirs, so the note goes to the server's log instead."""
    if context.settings.executor != "local":
        log.warning("Job %s: %s", job_id, note)
        return
    path = context.settings.job_log(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"{stamp} WARNING {note}\n")
