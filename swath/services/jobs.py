"""Jobs: create, watch, list, dismiss, and read what they left behind.

A job row is committed before anyone hears of the job, and only then handed to the executor; if the hand-over is
lost, the executor finds the job again at its next start, because the job is still `accepted` in the table.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swath.errors import (
    FailureKind,
    InvalidInput,
    InvalidParameterValue,
    JobNotDismissable,
    NoSuchFile,
    NoSuchJob,
    NoSuchOutput,
    Reason,
    ResultNotAvailable,
    ResultNotReady,
    ResultPurged,
)
from swath.layout import job_log_key, output_key
from swath.ogc import ExecutionMode, JobControlOption, ResponseType, TransmissionMode, allowed
from swath.paths import UnsafePath, safe_relative_path, without_data_dir
from swath.services.builtin import CWL_DAG, cwl_dag_resources
from swath.services.callbacks import check_subscriber
from swath.services.context import ServiceContext
from swath.services.health import refuse_new_work
from swath.services.identity import Identity
from swath.services.input_access import check_input_access
from swath.services.inputs import validate_inputs
from swath.services.processes import get_process
from swath.services.queues import package_needs, requested_needs, select_queue
from swath.services.recovery import recover_jobs
from swath.services.scheduling import (
    ACCEPTED_MESSAGE,
    check_priority,
    default_priority,
    queue_admission,
    read_process_rules,
    with_waits,
)
from swath.store import attempts as attempt_store
from swath.store import jobs as store
from swath.store.database import reading, transaction
from swath.store.group_commit import commit_new_job
from swath.store.jobs import JobCursor, JobFilter
from swath.store.records import (
    JSON,
    JobRecord,
    JobResults,
    JobStatus,
    OutputRequest,
    OutputValue,
    ProcessKind,
    ProcessRecord,
    ProcessScheduling,
    Subscriber,
)

DISMISSED_MESSAGE = "Dismissed by the user."


@dataclass(frozen=True)
class ExecuteRequest:
    """An execute request, already in its one canonical form (inputs as a mapping, outputs by id)."""

    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, OutputRequest] = field(default_factory=dict)
    response: str = ResponseType.document
    collection: str | None = None
    # What the job needs (CWL words: coresMin, ramMin, outdirMin), replacing the package's ResourceRequirement.
    resources: JSON | None = None
    # Where the job's callbacks go (OGC `callback`; swath.services.callbacks).
    subscriber: Subscriber | None = None
    # Swath's extension: the job's priority (swath.services.scheduling); None: its process's default.
    priority: int | None = None
    # Result reuse asked for (True) or refused (False) by `Prefer: swath-reuse`; None: the process's default.
    reuse: bool | None = None


def execute(
    context: ServiceContext,
    process_id: str,
    request: ExecuteRequest,
    user: Identity,
    prefer_async: bool,
    mode: str | None,
    wait: float | None,
) -> tuple[JobRecord, float | None]:
    """Submit a job, and say how long the request should wait for it (None: answer at once; see `_wait_for`).

    One read of the process serves both decisions: this is the hot path of submission (bench/, scenario 3).
    """
    process = get_process(context, process_id, user)
    wait_for = _wait_for(process, prefer_async, mode, wait, context.settings.sync_wait_limit)
    return create_job(context, process, request, user), wait_for


def submit_job(context: ServiceContext, process_id: str, request: ExecuteRequest, user: Identity) -> JobRecord:
    """Check the request against the process description, then record the job and hand it to the executor."""
    return create_job(context, get_process(context, process_id, user), request, user)


def create_job(
    context: ServiceContext,
    process: ProcessRecord,
    request: ExecuteRequest,
    user: Identity,
    start: bool = True,
    **changes: Any,
) -> JobRecord:
    """`submit_job` for a process already read. The job belongs to `user`; `changes` are set on its record (a
    re-run's link to the job it re-runs).

    With `start` False the job is recorded `created` (Part 4) and handed to no executor until `start_job`. A job
    queued at once must fit under its user's and its process's queued caps (QueueCapReached).
    """
    rules = read_process_rules(context, process.id)
    job = dataclasses.replace(checked_job(context, process, request, user, rules), **changes)
    admit = None
    if start:
        admit = queue_admission(context.settings, job, rules)
    else:
        job = dataclasses.replace(job, status=JobStatus.created, message="Created; waiting to be started.")
    commit_new_job(context.sessions, job, admit)
    if start:
        context.executor.submit(job.id, job.queue)
    return job


def checked_job(
    context: ServiceContext,
    process: ProcessRecord,
    request: ExecuteRequest,
    user: Identity,
    rules: ProcessScheduling | None,
) -> JobRecord:
    """The `accepted` job that `request` makes of `process` (whose scheduling rules are `rules`), checked against
    its description; not yet recorded."""
    description = process.description
    settings = context.settings
    inputs = validate_inputs(
        description,
        request.inputs,
        settings.readable_input_roots,
        allow_s3=settings.is_s3_storage,
    )
    check_input_access(context, inputs, user)
    for output_id, wanted in request.outputs.items():
        if output_id not in description.outputs:
            known = ", ".join(sorted(description.outputs)) or "none"
            raise InvalidInput(
                f"Output '{output_id}' is not an output of process '{process.id}'; known: {known}.",
                process_id=process.id,
                output_id=output_id,
            )
        if wanted.transmission_mode not in set(TransmissionMode):
            raise InvalidInput(
                f"Output '{output_id}' asks for transmissionMode '{wanted.transmission_mode}'; "
                f"allowed: {allowed(TransmissionMode)}."
            )
    if request.response not in set(ResponseType):
        raise InvalidInput(f"Response type '{request.response}' is not supported; allowed: {allowed(ResponseType)}.")
    subscriber = request.subscriber if request.subscriber and request.subscriber.to_json() else None
    if subscriber is not None:
        check_subscriber(context, subscriber)
    resources = request.resources
    if process.id == CWL_DAG and process.kind is ProcessKind.builtin and resources is None:
        resources = cwl_dag_resources(inputs)
    queue = select_queue(settings.queues, requested_needs(package_needs(process.cwl), resources))
    priority = default_priority(settings, rules)
    if request.priority is not None:
        priority = check_priority(settings, request.priority, priority, user, process.id)
    refuse_new_work(context)
    now = datetime.now(UTC)
    return JobRecord(
        id=str(uuid.uuid4()),
        process_pk=process.pk,
        process_id=process.id,
        process_version=process.version,
        status=JobStatus.accepted,
        created=now,
        updated=now,
        created_by=user.user,
        inputs=inputs,
        outputs=request.outputs,
        response=request.response,
        collection=request.collection,
        message=ACCEPTED_MESSAGE,
        progress=0,
        queue=queue,
        subscriber=subscriber,
        # Callbacks are sent from the status after this one on.
        notified=JobStatus.accepted.value if subscriber else None,
        package_checksum=process.package_checksum,
        priority=priority,
        reuse=request.reuse,
    )


def get_job_status(context: ServiceContext, job_id: str, viewer: Identity) -> JobRecord:
    """`get_job` for its status document: an accepted job comes with its place in the queue and why it waits."""
    job = get_job(context, job_id, viewer)
    if job.status is not JobStatus.accepted:
        return job
    with reading(context.sessions) as session:
        return with_waits(session, context.settings, [job])[0]


def get_job(context: ServiceContext, job_id: str, viewer: Identity) -> JobRecord:
    """The job, if `viewer` may see it: another user's job does not exist for them (404, not 403)."""
    job = load_job(context, job_id)
    if not viewer.may_see(job.created_by):
        raise NoSuchJob(f"No job with id '{job_id}' exists.")
    return job


def load_job(context: ServiceContext, job_id: str) -> JobRecord:
    """The job whoever owns it: for the service itself (waiting, the runner), never for a caller's request."""
    with reading(context.sessions) as session:
        job = store.get_job(session, job_id)
    if job is None:
        raise NoSuchJob(f"No job with id '{job_id}' exists.", job_id=job_id)
    return job


def list_jobs(
    context: ServiceContext,
    where: JobFilter,
    limit: int,
    viewer: Identity,
    after: JobCursor | None = None,
    before: JobCursor | None = None,
) -> list[JobRecord]:
    """Jobs newest first; a user's own only, an admin's everyone's."""
    where = dataclasses.replace(where, created_by=viewer.owner_filter)
    with reading(context.sessions) as session:
        return with_waits(session, context.settings, store.list_jobs(session, where, limit, after, before))


def dismiss_job(context: ServiceContext, job_id: str, viewer: Identity) -> JobRecord:
    """Dismiss a created, queued or running job: a created or queued one never starts, a running one is stopped.

    Dismissing a dismissed job again answers as the first time did; a finished job cannot be dismissed.
    """
    get_job(context, job_id, viewer)
    now = datetime.now(UTC)
    with transaction(context.sessions) as session:
        won = store.move_job(
            session,
            job_id,
            [JobStatus.created, JobStatus.accepted, JobStatus.running],
            JobStatus.dismissed,
            now,
            message=DISMISSED_MESSAGE,
        )
        if won:
            attempt_store.close_open_attempts(
                session, job_id, JobStatus.dismissed, FailureKind.dismissed.value, DISMISSED_MESSAGE, now
            )
    job = load_job(context, job_id)
    if won:
        context.executor.cancel(job_id)
    elif job.status is not JobStatus.dismissed:
        raise JobNotDismissable(
            f"Job '{job_id}' has already finished ({job.status}); only queued or running jobs can be dismissed.",
            job_id=job_id,
            reason=Reason.job_finished,
        )
    return job


def get_results(context: ServiceContext, job_id: str, viewer: Identity) -> tuple[JobRecord, JobResults]:
    return _results_of(get_job(context, job_id, viewer))


def get_results_of(context: ServiceContext, job_id: str) -> tuple[JobRecord, JobResults]:
    """`get_results` for the service itself (its callbacks), whoever owns the job."""
    return _results_of(load_job(context, job_id))


def _results_of(job: JobRecord) -> tuple[JobRecord, JobResults]:
    job_id = job.id
    if job.status in (JobStatus.created, JobStatus.accepted, JobStatus.running):
        raise ResultNotReady(f"Job '{job_id}' is {job.status}; its results are not ready yet.", job_id=job_id)
    refuse_purged(job, "results")
    if job.status is not JobStatus.successful or job.results is None:
        reason = job.message or f"the job is {job.status}"
        raise ResultNotAvailable(f"Job '{job_id}' has no results because it is {job.status}: {reason}", job_id=job_id)
    return job, store.results_from_json(job.results)


def refuse_purged(job: JobRecord, what: str) -> None:
    """ResultPurged when retention removed the job's files: a client is told they are gone, not that they never were."""
    if job.purged is not None:
        raise ResultPurged(
            f"Job '{job.id}' ({job.status}) was purged by the retention rules on "
            f"{job.purged.isoformat(timespec='seconds')}; its {what} cannot be read any more.",
            job_id=job.id,
        )


def get_output(context: ServiceContext, job_id: str, output_id: str, viewer: Identity) -> tuple[JobRecord, OutputValue]:
    job, results = get_results(context, job_id, viewer)
    if output_id not in results.outputs:
        known = ", ".join(sorted(results.outputs)) or "none"
        raise NoSuchOutput(
            f"Job '{job_id}' has no output '{output_id}'; its outputs are: {known}.", job_id=job_id, output_id=output_id
        )
    return job, results.outputs[output_id]


def output_file(context: ServiceContext, job_id: str, relative_path: str, viewer: Identity) -> Path:
    """The stored file at `relative_path` among a job's outputs; nothing outside that job's outputs is reachable."""
    return context.storage.local_path(_output_key(context, job_id, relative_path, viewer))


def output_download_url(context: ServiceContext, job_id: str, relative_path: str, viewer: Identity) -> str | None:
    """Where a client fetches an output file straight from storage (presigned S3 URL), or None to serve it here."""
    return context.storage.download_url(_output_key(context, job_id, relative_path, viewer))


def _output_key(context: ServiceContext, job_id: str, relative_path: str, viewer: Identity) -> str:
    refuse_purged(get_job(context, job_id, viewer), "outputs")
    try:
        relative = safe_relative_path(relative_path)
    except UnsafePath as error:
        raise NoSuchFile(f"Output path {error}; it names no file among the outputs of job '{job_id}'.") from error
    return output_key(job_id, relative)


@dataclass(frozen=True)
class LogChunk:
    """Part of a job's log as clients see it (the data directory's path left out), and the byte offset in the
    log file to go on reading from."""

    data: bytes
    next_offset: int


def read_log(
    context: ServiceContext, job_id: str, viewer: Identity, since: int = 0, until: int | None = None
) -> LogChunk:
    """The job's log from byte offset `since` (to `until`, an attempt's end); empty while nothing new was written.

    The log is written on the machine that runs the job; a worker on another machine copies it to storage while
    the job runs and once more when it ends.
    """
    raw = _read_log_bytes(context, job_id, viewer, since)
    if until is not None:
        raw = raw[: max(until - since, 0)]
    text = without_data_dir(raw.decode("utf-8", errors="surrogateescape"), context.settings.data_dir)
    return LogChunk(text.encode("utf-8", errors="surrogateescape"), since + len(raw))


def _read_log_bytes(context: ServiceContext, job_id: str, viewer: Identity, since: int) -> bytes:
    refuse_purged(get_job(context, job_id, viewer), "log")
    try:
        with context.settings.job_log(job_id).open("rb") as stream:
            # Past the end there is nothing yet; seeking there could fail (an offset beyond the file system's
            # largest file size is EINVAL).
            if since >= os.fstat(stream.fileno()).st_size:
                return b""
            stream.seek(since)
            return stream.read()
    except FileNotFoundError:
        pass
    try:
        return context.storage.read_from(job_log_key(job_id), since)
    except NoSuchFile:
        return b""


async def wait_for_job(context: ServiceContext, job_id: str, timeout: float) -> JobRecord:
    """Wait until the job ends or `timeout` seconds pass, and return it as it then is."""
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        job = await asyncio.to_thread(load_job, context, job_id)
        if job.status.is_final or time.monotonic() >= deadline:
            return job
        await asyncio.sleep(min(pause, max(deadline - time.monotonic(), 0)))
        pause = min(pause * 1.5, 0.25)


def _wait_for(
    process: ProcessRecord, prefer_async: bool, mode: str | None, wait: float | None, limit: float
) -> float | None:
    """How long an execute request waits for the job before answering, or None to answer at once (async).

    OGC Part 1 requirement /req/core/process-execute-default-execution-mode: a process that only allows async runs
    async; otherwise the client's `Prefer: respond-async` (or the 1.0 draft's `mode: async`) asks for it. A sync
    wait never exceeds the configured limit; past it, the answer falls back to async.
    """
    options = process.description.job_control_options
    if (
        JobControlOption.sync_execute not in options
        or mode == ExecutionMode.async_
        or (prefer_async and JobControlOption.async_execute in options)
    ):
        return None
    return min(wait, limit) if wait is not None else limit


def reap_stale_jobs(context: ServiceContext) -> int:
    """Take back running jobs whose runner is gone (`services.recovery`); returns how many. Also hands over the
    jobs whose retry back-off has ended (a delivery made before the end of its back-off found nothing to claim)."""
    taken = recover_jobs(context.sessions, context.settings)
    # Only jobs queued again need a runner; the committed rows come first, as for any new job.
    for job, outcome in taken:
        if outcome is JobStatus.accepted:
            context.executor.submit(job.id, job.queue)
    with transaction(context.sessions) as session:
        due = store.take_due_retries(session, datetime.now(UTC), limit=1000)
    for job_id, queue in due:
        context.executor.submit(job_id, queue)
    return len(taken)


def parse_datetime_filter(text: str) -> tuple[datetime | None, datetime | None]:
    """An OGC `datetime` parameter: an instant, or an interval `start/end` with `..` or nothing for an open end."""

    def instant(part: str) -> datetime | None:
        if part in ("", ".."):
            return None
        try:
            moment = datetime.fromisoformat(part.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as error:
            raise InvalidParameterValue(
                f"datetime '{text}' is not an RFC 3339 instant or interval (e.g. 2024-01-01T00:00:00Z/..)."
            ) from error
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    if "/" not in text:
        moment = instant(text)
        if moment is None:
            raise InvalidParameterValue(f"datetime '{text}' is open on both ends; give an instant or an interval.")
        return moment, moment
    start, _, end = text.partition("/")
    first, last = instant(start), instant(end)
    if first and last and first > last:
        raise InvalidParameterValue(f"datetime '{text}' ends before it starts.")
    return first, last
