"""A job's history: its attempts (each run, with its own part of the log) and its re-runs.

A re-run (`rerun_job`) is a new job, owned by whoever asks, of the same process revision with the same inputs and
execute options; the two are linked both ways (`rerun_of` on the new one, `list_reruns` for the first). It runs
afresh: result reuse is off for it, whatever the process's default, since asking to run again means that.
"""

from __future__ import annotations

from swath.errors import NoSuchAttempt, NoSuchProcess
from swath.process_ids import format_process_ref
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.services.jobs import ExecuteRequest, LogChunk, create_job, get_job, read_log
from swath.services.processes import get_process
from swath.store import attempts as attempt_store
from swath.store import jobs as job_store
from swath.store.database import reading
from swath.store.records import AttemptRecord, JobRecord


def list_attempts(context: ServiceContext, job_id: str, viewer: Identity) -> list[AttemptRecord]:
    """Every attempt of a job `viewer` may see, first first (none before it first starts)."""
    get_job(context, job_id, viewer)
    with reading(context.sessions) as session:
        return attempt_store.list_attempts(session, job_id)


def read_attempt_log(context: ServiceContext, job_id: str, attempt: int, viewer: Identity) -> LogChunk:
    """The part of the job's log that attempt `attempt` wrote (the last one's runs to the log's end)."""
    attempts = list_attempts(context, job_id, viewer)
    numbers = [found.attempt for found in attempts]
    if attempt not in numbers:
        known = ", ".join(map(str, numbers)) or "none yet"
        raise NoSuchAttempt(f"Job '{job_id}' has no attempt {attempt}; its attempts: {known}.", job_id=job_id)
    index = numbers.index(attempt)
    start = attempts[index].log_offset
    end = attempts[index + 1].log_offset if index + 1 < len(attempts) else None
    return read_log(context, job_id, viewer, since=start, until=end)


def current_log_start(context: ServiceContext, job: JobRecord) -> int:
    """Where the job's current attempt starts in its log (0 before any attempt, or for a job from before attempts
    were kept)."""
    if job.attempts <= 1:
        return 0
    with reading(context.sessions) as session:
        attempts = attempt_store.list_attempts(session, job.id)
    return attempts[-1].log_offset if attempts else 0


def rerun_job(context: ServiceContext, job_id: str, user: Identity) -> JobRecord:
    """A new job of `user` running what job `job_id` ran, which `user` must be able to see (404 otherwise).

    The process revision must still be live (a replaced or undeployed one is refused: its successor is another
    package), and its inputs are checked again for `user` (another user's upload stays theirs).
    """
    original = get_job(context, job_id, user)
    process = get_process(context, format_process_ref(original.process_id, original.process_version), user)
    if process.pk != original.process_pk:
        raise NoSuchProcess(
            f"Job '{job_id}' ran a revision of process '{original.process_id}' version {original.process_version} "
            f"that has been replaced or undeployed; post its inputs (GET /jobs/{job_id}/inputs) to run the new one.",
            process_id=original.process_id,
            job_id=job_id,
        )
    request = ExecuteRequest(
        inputs=original.inputs,
        outputs=original.outputs,
        response=original.response,
        collection=original.collection,
        subscriber=original.subscriber,
        reuse=False,
    )
    # The queue class the first job was sent to carries the resources it asked for (they are not kept apart).
    return create_job(context, process, request, user, rerun_of=original.id, queue=original.queue)


def list_reruns(context: ServiceContext, job_id: str) -> list[str]:
    """Ids of the jobs that re-run `job_id` (the caller has checked that it may see the job)."""
    with reading(context.sessions) as session:
        return job_store.list_reruns(session, job_id)
