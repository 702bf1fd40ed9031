"""Part 4 job management (OGC API - Processes - Part 4, draft): a job created to wait, changed while it waits,
then started.

A `created` job is a committed row that no executor has been told of, so no runner can pick it up (runners claim
`accepted` jobs only). Starting it is one compare-and-set `created` → `accepted` followed by the hand-over, like a
new job's; a change is a write guarded by the same status, so a job that has been started is locked (423) and is
never changed under a runner.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from swath.errors import JobLocked
from swath.process_ids import format_process_ref
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.services.jobs import (
    ExecuteRequest,
    checked_job,
    create_job,
    get_job,
    get_job_status,
    load_job,
)
from swath.services.processes import get_process
from swath.services.scheduling import ACCEPTED_MESSAGE, read_process_rules, reprioritise_job
from swath.store import jobs as store
from swath.store.database import transaction
from swath.store.records import JobRecord, JobStatus, OutputRequest


@dataclass(frozen=True)
class JobChanges:
    """What a `PATCH /jobs/{id}` changes; None leaves a member as it was.

    `inputs` is merged into the job's inputs by id (RFC 7396: an input set to None is removed); `outputs`, `response`
    and `collection` replace what the job had.
    """

    inputs: dict[str, Any] | None = None
    outputs: dict[str, OutputRequest] | None = None
    response: str | None = None
    collection: str | None = None
    # A new priority: the owner's while the job is `created` (within what they may give), an admin's alone while
    # it is queued (`accepted`).
    priority: int | None = None

    @property
    def is_priority_only(self) -> bool:
        return (self.inputs, self.outputs, self.response, self.collection) == (None, None, None, None)


def submit_or_hold(
    context: ServiceContext, process_id: str, request: ExecuteRequest, user: Identity, hold: bool
) -> JobRecord:
    """A new job of `process_id`: started at once, or with `hold` left `created` until `start_job`
    (/req/job-management/create-execution-pending, create-execution-immediate)."""
    return create_job(context, get_process(context, process_id, user), request, user, start=not hold)


def update_job(context: ServiceContext, job_id: str, viewer: Identity, changes: JobChanges) -> JobRecord:
    """Change a `created` job's definition, checked again against its process; JobLocked once it has started.

    A queued job's priority alone may change, by an admin (`scheduling.reprioritise_job`).
    """
    job = get_job(context, job_id, viewer)
    if job.status is JobStatus.accepted and changes.priority is not None and changes.is_priority_only:
        reprioritise_job(context, job, changes.priority, viewer)
        return get_job_status(context, job_id, viewer)
    _require_created(job)
    inputs = dict(job.inputs)
    for input_id, value in (changes.inputs or {}).items():
        if value is None:
            inputs.pop(input_id, None)
        else:
            inputs[input_id] = value
    request = ExecuteRequest(
        inputs=inputs,
        outputs=job.outputs if changes.outputs is None else changes.outputs,
        response=changes.response or job.response,
        collection=job.collection if changes.collection is None else changes.collection,
        priority=changes.priority,
    )
    process = get_process(context, format_process_ref(job.process_id, job.process_version), viewer)
    checked = checked_job(context, process, request, viewer, read_process_rules(context, process.id))
    changed = dataclasses.replace(
        job,
        inputs=checked.inputs,
        outputs=checked.outputs,
        response=checked.response,
        collection=checked.collection,
        queue=checked.queue,
        # A priority left out stays as it was, even one above what the owner could give (an admin's).
        priority=job.priority if changes.priority is None else checked.priority,
    )
    with transaction(context.sessions) as session:
        still_created = store.redefine_created_job(session, changed, datetime.now(UTC))
    if not still_created:
        _require_created(load_job(context, job_id))
    return load_job(context, job_id)


def start_job(context: ServiceContext, job_id: str, viewer: Identity) -> JobRecord:
    """Queue a `created` job (/req/job-management/start-post-op); JobLocked when it was started already."""
    get_job(context, job_id, viewer)
    with transaction(context.sessions) as session:
        won = store.move_job(
            session, job_id, [JobStatus.created], JobStatus.accepted, datetime.now(UTC), message=ACCEPTED_MESSAGE
        )
    job = load_job(context, job_id)
    if not won:
        _require_created(job)
    context.executor.submit(job.id, job.queue)
    return job


def _require_created(job: JobRecord) -> None:
    if job.status is not JobStatus.created:
        raise JobLocked(
            f"Job '{job.id}' is {job.status}; only a job still 'created' can be changed or started.", job_id=job.id
        )
