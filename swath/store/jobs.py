"""Queries on jobs. `move_job` is the only writer of a job's status.

Writers take the caller's session; the caller commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, case, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from swath.process_ids import ProcessRef
from swath.store.processes import as_utc
from swath.store.records import (
    JSON,
    TRANSITIONS,
    JobRecord,
    JobResults,
    JobStatus,
    OutputRequest,
    OutputValue,
    StoredFile,
    Subscriber,
)
from swath.store.scheduling import QUEUE_ORDER
from swath.store.tables import JobRow

# Status moves, heartbeats and progress are Core updates of the table, not ORM-enabled ones: nothing they change is
# held in a session, and the ORM's bulk-update step cost more than the statement (bench/, profile of the pool).
_JOBS = cast(Table, JobRow.__table__)


def _record(row: JobRow | Row[Any]) -> JobRecord:
    return JobRecord(
        id=row.id,
        process_pk=row.process_pk,
        process_id=row.process_id,
        process_version=row.process_version,
        status=JobStatus(row.status),
        created=as_utc(row.created),
        updated=as_utc(row.updated),
        created_by=row.created_by,
        inputs=row.inputs,
        outputs={name: OutputRequest(**request) for name, request in row.outputs.items()},
        response=row.response,
        collection=row.collection,
        started=as_utc(row.started) if row.started else None,
        finished=as_utc(row.finished) if row.finished else None,
        heartbeat=as_utc(row.heartbeat) if row.heartbeat else None,
        progress=row.progress,
        message=row.message,
        attempts=row.attempts,
        runner=row.runner,
        results=row.results,
        queue=row.queue,
        subscriber=Subscriber.from_json(row.subscriber) if row.subscriber else None,
        notified=row.notified,
        batch_job_id=row.batch_job_id,
        package_checksum=row.package_checksum,
        purged=as_utc(row.purged) if row.purged else None,
        priority=row.priority,
        not_before=as_utc(row.not_before) if row.not_before else None,
        rerun_of=row.rerun_of,
        reused_from=row.reused_from,
        reuse_key=row.reuse_key,
        reuse=row.reuse,
    )


def results_to_json(results: JobResults) -> JSON:
    """JobResults as stored on the job row (items go to the collection table, not here)."""
    return {
        "outputs": {name: dataclasses.asdict(output) for name, output in results.outputs.items()},
        "catalog": dataclasses.asdict(results.catalog) if results.catalog else None,
    }


def results_from_json(data: JSON) -> JobResults:
    def output(value: JSON) -> OutputValue:
        files = [StoredFile(**stored) for stored in value.get("files", [])]
        return OutputValue(value=value.get("value"), files=files, cwl_class=value.get("cwl_class"))

    catalog = data.get("catalog")
    return JobResults(
        outputs={name: output(value) for name, value in data.get("outputs", {}).items()},
        catalog=StoredFile(**catalog) if catalog else None,
    )


def insert_jobs(session: Session, jobs: Sequence[JobRecord]) -> None:
    # A Core insert with the values as parameters, not `session.add`: the statement compiles once, and the unit of
    # work's flush is skipped (bench/: the flush cost more than the insert itself).
    session.execute(insert(JobRow), [_row_values(job) for job in jobs])


def _row_values(job: JobRecord) -> dict[str, Any]:
    return {
        "id": job.id,
        "process_pk": job.process_pk,
        "process_id": job.process_id,
        "process_version": job.process_version,
        "status": job.status.value,
        "created": job.created,
        "updated": job.updated,
        "created_by": job.created_by,
        "inputs": job.inputs,
        "outputs": {name: dataclasses.asdict(request) for name, request in job.outputs.items()},
        "response": job.response,
        "collection": job.collection,
        "attempts": job.attempts,
        "message": job.message,
        "progress": job.progress,
        "queue": job.queue,
        "subscriber": job.subscriber.to_json() if job.subscriber else None,
        "notified": job.notified,
        "package_checksum": job.package_checksum,
        "priority": job.priority,
        "rerun_of": job.rerun_of,
        "reuse": job.reuse,
    }


def get_job(session: Session, job_id: str) -> JobRecord | None:
    row = session.get(JobRow, job_id, populate_existing=True)
    return _record(row) if row else None


def move_job(
    session: Session,
    job_id: str,
    source: Collection[JobStatus],
    target: JobStatus,
    now: datetime,
    owner: str | None = None,
    **changes: Any,
) -> bool:
    """Compare-and-set a job's status from any of `source` to `target`; reports whether this caller won.

    Losing is normal (a dismissed job's late result, a second delivery of the same job) and must be handled by the
    caller, never retried blindly. Given `owner`, the move happens only while that runner holds the job.
    """
    result = session.execute(_move(job_id, source, target, now, owner, changes))
    return bool(getattr(result, "rowcount", 0))


def redefine_created_job(session: Session, job: JobRecord, now: datetime) -> bool:
    """Replace what a `created` job will run with (inputs, outputs, response, collection, queue, priority), only
    while it is still `created`; reports whether it was. Part 4's update: a started job is locked, and this never
    moves status.
    """
    values = _row_values(job)
    changes = {name: values[name] for name in ("inputs", "outputs", "response", "collection", "queue", "priority")}
    result = session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job.id, _JOBS.c.status == JobStatus.created.value)
        .values(updated=now, **changes)
    )
    return bool(getattr(result, "rowcount", 0))


def claim_job(session: Session, job_id: str, runner: str, now: datetime) -> JobRecord | None:
    """Take an accepted job for `runner`, counting the attempt, and return it as it now is; None when it was not
    accepted (a job delivered twice is claimed once)."""
    changes = {
        "runner": runner,
        "started": now,
        "heartbeat": now,
        "progress": 0,
        "attempts": _JOBS.c.attempts + 1,
        # A re-run keeps the message that says why the earlier attempt ended, until the job ends.
        "message": case((_JOBS.c.attempts == 0, "Running."), else_=_JOBS.c.message),
        "not_before": None,
    }
    move = _move(job_id, [JobStatus.accepted], JobStatus.running, now, None, changes)
    # A job queued again after a back-off waits for it (services/retries.py).
    move = move.where(or_(_JOBS.c.not_before.is_(None), _JOBS.c.not_before <= now))
    # One statement moves and reads the job (RETURNING: SQLite 3.35+, PostgreSQL); the claim is on every job's path.
    row = session.execute(move.returning(*_JOBS.c)).first()
    return _record(row) if row else None


def _move(
    job_id: str, source: Collection[JobStatus], target: JobStatus, now: datetime, owner: str | None, changes: JSON
) -> Update:
    illegal = [status for status in source if target not in TRANSITIONS[status]]
    if illegal:
        raise ValueError(f"job status cannot move from {illegal} to {target}")
    values: dict[str, Any] = {"status": target.value, "updated": now, **changes}
    if target.is_final:
        values.setdefault("finished", now)
    query = update(_JOBS).where(_JOBS.c.id == job_id, _JOBS.c.status.in_([status.value for status in source]))
    if owner is not None:
        query = query.where(_JOBS.c.runner == owner)
    return query.values(**values)


def record_progress(session: Session, job_id: str, progress: int, message: str | None, now: datetime) -> None:
    values: dict[str, Any] = {"progress": progress, "updated": now, "heartbeat": now}
    if message:
        values["message"] = message
    session.execute(
        update(_JOBS).where(_JOBS.c.id == job_id, _JOBS.c.status == JobStatus.running.value).values(**values)
    )


def beat(session: Session, job_ids: Sequence[str], now: datetime) -> None:
    """Mark running jobs as alive."""
    if job_ids:
        session.execute(
            update(_JOBS)
            .where(_JOBS.c.id.in_(job_ids), _JOBS.c.status == JobStatus.running.value)
            .values(heartbeat=now, updated=now)
        )


def take_due_retries(session: Session, now: datetime, limit: int) -> list[tuple[str, str | None]]:
    """(id, queue class) of queued jobs whose back-off ended by `now`, each returned once: its back-off is cleared
    by compare-and-set, so two servers never both hand the same job over."""
    query = select(JobRow.id, JobRow.queue, JobRow.not_before).where(
        JobRow.status == JobStatus.accepted.value, JobRow.not_before <= now
    )
    taken: list[tuple[str, str | None]] = []
    for job_id, queue, not_before in session.execute(query.limit(limit)).all():
        cleared = session.execute(
            update(_JOBS)
            .where(_JOBS.c.id == job_id, _JOBS.c.status == JobStatus.accepted.value, _JOBS.c.not_before == not_before)
            .values(not_before=None)
        )
        if getattr(cleared, "rowcount", 0):
            taken.append((job_id, queue))
    return taken


def set_reuse(session: Session, job_id: str, reuse_key: str | None, reused_from: str | None = None) -> None:
    """Record a running job's reuse key, and the job whose results it took (services/reuse.py)."""
    session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job_id, _JOBS.c.status == JobStatus.running.value)
        .values(reuse_key=reuse_key, reused_from=reused_from)
    )


def find_reusable_job(session: Session, reuse_key: str, owner: str, exclude: str) -> JobRecord | None:
    """The newest successful job of `owner` with this reuse key, other than `exclude` (the job asking)."""
    query = (
        select(JobRow)
        .where(
            JobRow.reuse_key == reuse_key,
            JobRow.created_by == owner,
            JobRow.status == JobStatus.successful.value,
            JobRow.purged.is_(None),  # retention removed its results
            JobRow.id != exclude,
        )
        .order_by(JobRow.created.desc(), JobRow.id.desc())
        .limit(1)
    )
    row = session.scalars(query).first()
    return _record(row) if row else None


def list_reruns(session: Session, job_id: str) -> list[str]:
    """Ids of the jobs that re-run `job_id`, oldest first."""
    query = select(JobRow.id).where(JobRow.rerun_of == job_id).order_by(JobRow.created, JobRow.id)
    return list(session.scalars(query))


def list_queued_jobs(session: Session, limit: int) -> list[tuple[str, str | None]]:
    """(id, queue class) of accepted jobs in the queue's order (highest priority first, then oldest)."""
    query = select(JobRow.id, JobRow.queue).where(JobRow.status == JobStatus.accepted.value)
    rows = session.execute(query.order_by(*QUEUE_ORDER).limit(limit)).all()
    return [(job_id, queue) for job_id, queue in rows]


def list_records(session: Session, query: Select[JobRow]) -> list[JobRecord]:
    """The jobs a query of whole rows selects, as records."""
    return [_record(row) for row in session.scalars(query)]


def list_running_jobs(
    session: Session, beat_before: datetime | None = None, runner_prefix: str | None = None
) -> list[JobRecord]:
    """Running jobs that last beat before `beat_before` or whose runner id starts with `runner_prefix` (all running
    jobs when neither is given): the candidates `services.recovery` looks at."""
    query = select(JobRow).where(JobRow.status == JobStatus.running.value)
    narrowing: list[Any] = []
    if beat_before is not None:
        narrowing += [JobRow.heartbeat.is_(None), JobRow.heartbeat < beat_before]
    if runner_prefix is not None:
        narrowing.append(JobRow.runner.startswith(runner_prefix, autoescape=True))
    if narrowing:
        query = query.where(or_(*narrowing))
    return [_record(row) for row in session.scalars(query)]


@dataclass(frozen=True)
class JobFilter:
    # Each reference reaches every version of a bare id, or the one version it names.
    processes: list[ProcessRef] = dataclasses.field(default_factory=list)
    statuses: list[JobStatus] = dataclasses.field(default_factory=list)
    created_after: datetime | None = None
    created_before: datetime | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    # Only the jobs of this owner; None for every owner's.
    created_by: str | None = None


@dataclass(frozen=True)
class JobCursor:
    """Keyset position: the (created, id) of the last job on the previous page."""

    created: datetime
    id: str


def list_jobs(
    session: Session, where: JobFilter, limit: int, after: JobCursor | None = None, before: JobCursor | None = None
) -> list[JobRecord]:
    """Jobs newest first, keyset-paged after or before a cursor, so a deep page costs what the first one does."""
    query = select(JobRow)
    if where.processes:
        bare = [ref.id for ref in where.processes if ref.version is None]
        versioned = [
            and_(JobRow.process_id == ref.id, JobRow.process_version == ref.version)
            for ref in where.processes
            if ref.version is not None
        ]
        query = query.where(or_(JobRow.process_id.in_(bare), *versioned))
    if where.created_by is not None:
        query = query.where(JobRow.created_by == where.created_by)
    if where.statuses:
        query = query.where(JobRow.status.in_([status.value for status in where.statuses]))
    if where.created_after is not None:
        query = query.where(JobRow.created >= where.created_after)
    if where.created_before is not None:
        query = query.where(JobRow.created <= where.created_before)
    if where.min_duration is not None or where.max_duration is not None:
        query = query.where(*_duration_clauses(session, where))
    if after is not None:
        query = query.where(
            or_(JobRow.created < after.created, and_(JobRow.created == after.created, JobRow.id < after.id))
        )
    if before is not None:
        # Walk the other way from the cursor, then turn the page back to newest first.
        query = query.where(
            or_(JobRow.created > before.created, and_(JobRow.created == before.created, JobRow.id > before.id))
        )
        rows = list(session.scalars(query.order_by(JobRow.created, JobRow.id).limit(limit)))
        return [_record(row) for row in reversed(rows)]
    rows = list(session.scalars(query.order_by(JobRow.created.desc(), JobRow.id.desc()).limit(limit)))
    return [_record(row) for row in rows]


def _duration_clauses(session: Session, where: JobFilter) -> list[Any]:
    # Duration is (finished or updated) - started, in seconds; each dialect spells date arithmetic differently.
    end = func.coalesce(JobRow.finished, JobRow.updated)
    if session.get_bind().dialect.name == "sqlite":
        seconds: Any = (func.julianday(end) - func.julianday(JobRow.started)) * 86400.0
    else:
        seconds = func.extract("epoch", end - JobRow.started)
    clauses: list[Any] = [JobRow.started.is_not(None)]
    if where.min_duration is not None:
        clauses.append(seconds >= where.min_duration)
    if where.max_duration is not None:
        clauses.append(seconds <= where.max_duration)
    return clauses


def release_job(
    session: Session,
    job: JobRecord,
    max_attempts: int,
    reason: str,
    now: datetime,
    not_before: datetime | None = None,
) -> JobStatus | None:
    """End a running job's attempt that failed: queue it again (claimable from `not_before`), or fail it once it
    has used its attempts.

    Only while `job.runner` still holds it. Returns the status it moved to, or None when the job had moved on.
    """
    owner = job.runner
    if job.attempts < max_attempts:
        wait = ""
        if not_before is not None and not_before > now:
            wait = f", after {(not_before - now).total_seconds():g} s"
        message = f"{reason} Queued again (attempt {job.attempts + 1} of {max_attempts}{wait})."
        won = move_job(
            session,
            job.id,
            [JobStatus.running],
            JobStatus.accepted,
            now,
            owner=owner,
            message=message,
            runner=None,
            # Set even when it is now: the server's reaper hands over jobs whose back-off ended (take_due_retries),
            # which an executor that only hears of jobs from the server (Celery, Slurm) needs.
            not_before=not_before,
        )
        return JobStatus.accepted if won else None
    message = f"{reason} The job was tried {job.attempts} times, the most allowed, and is failed."
    won = move_job(session, job.id, [JobStatus.running], JobStatus.failed, now, owner=owner, message=message)
    return JobStatus.failed if won else None
