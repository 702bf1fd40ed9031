"""Quality of service: which accepted job starts next, which must wait and why, and who may set a priority.

One scheduler rule for every executor: accepted jobs start highest priority first, then in submission order
(`store.scheduling`), skipping a job whose user, or whose process, already has as many jobs running as its cap
allows; that job waits, accepted, and its status says why (`user cap 4 reached`). A submission that would put more
jobs in the queue than a queued cap allows is refused (429). The local runner pool starts jobs by `pick_jobs`; the
Celery and Slurm executors apply the same rules where they control the hand-over (docs/scheduling.md says how far).

Priorities run from -max_priority to max_priority. A job gets its process's default (an admin's rule), else the
settings' default; its owner may ask for any priority up to that default, only an admin for more, and only an admin
may change the priority of a job that is already queued.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from swath.errors import Forbidden, InvalidInput, JobLocked, QueueCapReached, Reason
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.services.processes import get_process
from swath.settings import Settings
from swath.store import batch_jobs as batch_store
from swath.store import jobs as job_store
from swath.store import scheduling as store
from swath.store.database import reading, transaction
from swath.store.records import Caps, JobRecord, JobStatus, JobWait, ProcessScheduling

WAITING_FOR_A_RUNNER = "waiting for a runner"


def caps_of(settings: Settings, processes: dict[str, ProcessScheduling] | None = None) -> Caps:
    """The caps in force: the settings', with the processes' own rules."""
    return Caps(
        running_per_user=settings.max_running_per_user,
        queued_per_user=settings.max_queued_per_user,
        running_per_process=settings.max_running_per_process,
        queued_per_process=settings.max_queued_per_process,
        processes=processes or {},
    )


def has_running_caps(caps: Caps) -> bool:
    return bool(
        caps.running_per_user or caps.running_per_process or any(rule.max_running for rule in caps.processes.values())
    )


def wait_reason(caps: Caps, process_id: str, user_running: int, process_running: int) -> str:
    """Why an accepted job of `process_id` does not start, given how many jobs its user and its process run now."""
    if _is_full(caps.running_per_user, user_running):
        return f"user cap {caps.running_per_user} reached"
    if _is_full(caps.process_running(process_id), process_running):
        return f"process cap {caps.process_running(process_id)} reached"
    return WAITING_FOR_A_RUNNER


def _is_full(cap: int, count: int) -> bool:
    return bool(cap) and count >= cap


# Starting.


def pick_jobs(session: Session, settings: Settings, free: int) -> list[str]:
    """The ids of the accepted jobs to start now in `free` slots, in the order to start them.

    The caller claims them (a compare-and-set); it is the only one that starts jobs of this queue, so the counts
    read here stay true until it has.
    """
    if free <= 0:
        return []
    caps = caps_of(settings, store.list_process_scheduling(session))
    now = datetime.now(UTC)  # a job in its retry back-off waits
    if not has_running_caps(caps):
        return [job.id for job in store.list_next_jobs(session, free, due_at=now)]
    by_user = store.count_by_owner(session, JobStatus.running)
    by_process = store.count_by_process(session, JobStatus.running)
    chosen: list[str] = []
    while len(chosen) < free:
        full_users = [user for user, count in by_user.items() if _is_full(caps.running_per_user, count)]
        full_processes = [name for name, count in by_process.items() if _is_full(caps.process_running(name), count)]
        candidates = store.list_next_jobs(session, free - len(chosen), chosen, full_users, full_processes, now)
        skipped = False
        for job in candidates:
            user_running, process_running = by_user.get(job.created_by, 0), by_process.get(job.process_id, 0)
            if wait_reason(caps, job.process_id, user_running, process_running) != WAITING_FOR_A_RUNNER:
                # Its user or process was filled by a job chosen before it in this round: the next query skips it.
                skipped = True
                continue
            chosen.append(job.id)
            by_user[job.created_by] = user_running + 1
            by_process[job.process_id] = process_running + 1
        if not skipped:
            break
    return chosen


class MustWait(Exception):
    """A delivered job that may not start yet (its user or its process is at its running cap): it stays accepted,
    and is delivered again later. Not a SwathError: no caller of the API ever sees it."""

    def __init__(self, job_id: str, reason: str) -> None:
        super().__init__(f"Job {job_id} waits: {reason}.")
        self.reason = reason


def check_may_start(session: Session, settings: Settings, job_id: str) -> None:
    """MustWait unless the job's user and process are under their running caps; for runners that are handed jobs
    rather than picking them (Celery workers), inside the transaction of the claim that follows. Claims that check
    take turns (`store.lock_queue`), so two workers never both take the last place under a cap."""
    if not has_running_caps(caps_of(settings, store.list_process_scheduling(session))):
        return
    store.lock_queue(session)
    job = job_store.get_job(session, job_id)
    if job is None or job.status is not JobStatus.accepted:
        return  # the claim says so
    reason = cap_reason(session, settings, job)
    if reason is not None:
        raise MustWait(job_id, reason)


# Watching.


def with_waits(session: Session, settings: Settings, jobs: Sequence[JobRecord]) -> list[JobRecord]:
    """The jobs, each accepted one with its place in the queue and the reason it waits (for a caller's read)."""
    if not any(job.status is JobStatus.accepted for job in jobs):
        return list(jobs)
    caps = caps_of(settings, store.list_process_scheduling(session))
    counted = has_running_caps(caps)
    by_user: dict[str, int] = {}
    by_process: dict[str, int] = {}
    waiting: list[JobRecord] = []
    for job in jobs:
        if job.status is not JobStatus.accepted:
            waiting.append(job)
            continue
        reason = WAITING_FOR_A_RUNNER
        if job.batch_job_id is not None:
            reason = f"queued in Slurm as batch job {job.batch_job_id}"
        elif counted:
            if job.created_by not in by_user:
                by_user[job.created_by] = _occupying(session, settings, created_by=job.created_by)
            if job.process_id not in by_process:
                by_process[job.process_id] = _occupying(session, settings, process_id=job.process_id)
            reason = wait_reason(caps, job.process_id, by_user[job.created_by], by_process[job.process_id])
        wait = JobWait(position=store.queue_position(session, job), reason=reason)
        waiting.append(dataclasses.replace(job, waiting=wait))
    return waiting


def cap_reason(session: Session, settings: Settings, job: JobRecord) -> str | None:
    """The running cap that holds the job back now (`user cap 4 reached`), or None: for executors that decide
    per job whether to hand it over (Slurm)."""
    caps = caps_of(settings, store.list_process_scheduling(session))
    if not has_running_caps(caps):
        return None
    user_count = _occupying(session, settings, created_by=job.created_by)
    process_count = _occupying(session, settings, process_id=job.process_id)
    reason = wait_reason(caps, job.process_id, user_count, process_count)
    return None if reason == WAITING_FOR_A_RUNNER else reason


def _occupying(
    session: Session, settings: Settings, created_by: str | None = None, process_id: str | None = None
) -> int:
    """The jobs that fill a user's or a process's running cap: those running, and with the Slurm executor those
    handed to Slurm too (Swath no longer decides when they start)."""
    if settings.executor == "slurm":
        return batch_store.count_jobs_in_slurm(session, user=created_by, process_id=process_id)
    return store.count_jobs(session, JobStatus.running, created_by=created_by, process_id=process_id)


def waiting_message(job: JobRecord) -> str | None:
    """The job's message as a caller reads it: an accepted job's says where it stands and why it waits."""
    if job.waiting is None:
        return job.message
    where = f"Position {job.waiting.position} in the queue; {job.waiting.reason}."
    return where if job.message in (None, ACCEPTED_MESSAGE) else f"{job.message} {where}"


# The message of a job just accepted, until it starts (services.jobs writes it).
ACCEPTED_MESSAGE = "Accepted; waiting for a runner."


# Priorities.


def default_priority(settings: Settings, rules: ProcessScheduling | None) -> int:
    return rules.priority if rules is not None and rules.priority is not None else settings.default_priority


def check_priority(settings: Settings, requested: int, default: int, user: Identity, process_id: str) -> int:
    """`requested` if `user` may give it to a job of `process_id` (whose default is `default`)."""
    bound = settings.max_priority
    if not -bound <= requested <= bound:
        raise InvalidInput(f"Priority {requested} is out of range; allowed: {-bound} to {bound}.")
    if requested > default and not user.is_admin:
        raise Forbidden(
            f"Priority {requested} is above {default}, the default of process '{process_id}'; "
            "only an admin may give a job more.",
            process_id=process_id,
        )
    return requested


def reprioritise_job(context: ServiceContext, job: JobRecord, priority: int, caller: Identity) -> None:
    """Give a queued (`accepted`) job a new priority: an admin's act; the job keeps its place among its equals."""
    if not caller.is_admin:
        raise Forbidden(f"Only an admin may change the priority of job '{job.id}' once it is queued.", job_id=job.id)
    check_priority(context.settings, priority, priority, caller, job.process_id)
    with transaction(context.sessions) as session:
        changed = store.set_priority(session, job.id, priority, [JobStatus.accepted], datetime.now(UTC))
    if not changed:
        raise JobLocked(
            f"Job '{job.id}' has started or ended; only a waiting job's priority can change.", job_id=job.id
        )


# Process rules.


def read_process_rules(context: ServiceContext, process_id: str) -> ProcessScheduling | None:
    """The rules an admin gave a process id, or None."""
    with reading(context.sessions) as session:
        return store.get_process_scheduling(session, process_id)


def get_process_rules(context: ServiceContext, process_ref: str, viewer: Identity) -> ProcessScheduling:
    """The rules of the process id that `process_ref` reaches (`id`, or `id:version`: rules hold for every
    version), empty (every member None: the defaults) when an admin gave none."""
    process_id = get_process(context, process_ref, viewer).id
    return read_process_rules(context, process_id) or ProcessScheduling(process_id)


def put_process_rules(
    context: ServiceContext, process_ref: str, rules: ProcessScheduling, caller: Identity
) -> ProcessScheduling:
    """Set the default priority and caps of the process id that `process_ref` reaches; an admin's act. The
    process id of `rules` is ignored."""
    process_id = get_process(context, process_ref, caller).id
    if not caller.is_admin:
        raise Forbidden(f"Only an admin may set the scheduling rules of process '{process_id}'.", process_id=process_id)
    for name, cap in (("maxRunning", rules.max_running), ("maxQueued", rules.max_queued)):
        if cap is not None and cap < 0:
            raise InvalidInput(f"{name} {cap} is negative; give 0 for no cap, or a number of jobs.")
    if rules.priority is not None:
        check_priority(context.settings, rules.priority, rules.priority, caller, process_id)
    with transaction(context.sessions) as session:
        store.put_process_scheduling(
            session, dataclasses.replace(rules, process_id=process_id), caller.user, datetime.now(UTC)
        )
    return get_process_rules(context, process_id, caller)


# Admission.


def queue_admission(
    settings: Settings, job: JobRecord, rules: ProcessScheduling | None
) -> Callable[[Session], None] | None:
    """The check a new job passes inside the transaction that records it (store.group_commit), or None when no
    queued cap applies: QueueCapReached when its user, or its process, has as many jobs queued as allowed."""
    caps = caps_of(settings, {job.process_id: rules} if rules is not None else None)
    user_cap, process_cap = caps.queued_per_user, caps.process_queued(job.process_id)
    if not user_cap and not process_cap:
        return None

    def admit(session: Session) -> None:
        store.lock_queue(session)
        if user_cap and store.count_jobs(session, JobStatus.accepted, created_by=job.created_by) >= user_cap:
            raise QueueCapReached(
                f"User '{job.created_by}' has {user_cap} jobs queued, the most allowed (user cap {user_cap}); "
                "submit again once some have started.",
                process_id=job.process_id,
                reason=Reason.user_cap_reached,
            )
        if process_cap and store.count_jobs(session, JobStatus.accepted, process_id=job.process_id) >= process_cap:
            raise QueueCapReached(
                f"Process '{job.process_id}' has {process_cap} jobs queued, the most allowed (process cap "
                f"{process_cap}); submit again once some have started.",
                process_id=job.process_id,
                reason=Reason.process_cap_reached,
            )

    return admit
