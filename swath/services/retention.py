"""Retention: what a venue keeps, and for how long (docs/retention.md).

Finished jobs lose their output files, log and work directory by age per status (`retention_successful`,
`retention_failed`, `retention_dismissed`) and by the total size of the results kept (`retention_max_results_size`,
the longest ended first); their rows stay, marked `purged`, so a client asking for the results, an output or the
log hears 410 result-purged rather than 404, until `retention_job_rows` after the purge removes the rows too.
Uploads, kept work directories and the S3 read cache expire by their own ages (and the cache by a total size).
Every rule is off (0) by default: nothing is removed unless the operator asks.

`plan_purge` says what would go now (`swath purge --dry-run`); `carry_out` removes it; the sweeper of the API runs
both once per `retention_interval` on one server of the venue at a time (a lease in the database), however many API
processes or hosts share the database. A job is marked purged before its files go, so it is never served half gone.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from swath.errors import StorageUnavailable, StoreUnavailable
from swath.executors.local import LocalExecutor
from swath.layout import job_log_key, job_prefix, upload_key
from swath.services.context import ServiceContext
from swath.settings import Settings
from swath.storage import open_storage
from swath.store import retention as store
from swath.store.database import create_database_engine, create_session_factory, migrate, reading, transaction
from swath.store.jobs import results_from_json
from swath.store.leases import release_lease, take_lease
from swath.store.records import JSON, JobStatus
from swath.store.retention import ExpiredJob, ExpiredUpload

__all__ = [
    "PlannedJob",
    "PurgePlan",
    "carry_out",
    "give_up_sweeping",
    "is_retention_on",
    "plan_purge",
    "purge_now",
    "sweep",
    "sweeper_id",
]

log = logging.getLogger("swath.retention")

_LEASE = "retention-sweeper"
# The most of each kind one round removes: a backlog (rules just switched on) drains over a few rounds.
_BATCH = 1000


@dataclass(frozen=True)
class PlannedJob:
    job: ExpiredJob
    # The rule that expired it, as the operator wrote it: `retention_failed`, `retention_max_results_size`.
    rule: str


@dataclass
class PurgePlan:
    jobs: list[PlannedJob] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    uploads: list[ExpiredUpload] = field(default_factory=list)
    work_dirs: list[Path] = field(default_factory=list)
    cache_files: list[Path] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.jobs or self.rows or self.uploads or self.work_dirs or self.cache_files)


def is_retention_on(settings: Settings) -> bool:
    """Whether any rule is set: without one, no sweeper runs."""
    return any(
        (
            settings.retention_successful,
            settings.retention_failed,
            settings.retention_dismissed,
            settings.retention_max_results_size,
            settings.retention_job_rows,
            settings.retention_uploads,
            settings.retention_work_dirs,
            settings.retention_cache,
            settings.retention_cache_size,
        )
    )


def sweeper_id() -> str:
    """This process's name as a lease holder: unique across the hosts and processes sharing a database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def sweep(context: ServiceContext, holder: str) -> PurgePlan | None:
    """One round of the sweeper, if `holder` holds (or takes) the venue's lease; None when another server does."""
    settings = context.settings
    now = datetime.now(UTC)
    with transaction(context.sessions) as session:
        # The lease outlives two missed rounds, so a slow round keeps it, and a dead holder's passes on soon.
        if not take_lease(session, _LEASE, holder, now, 2 * settings.retention_interval + 30):
            return None
    return carry_out(context, plan_purge(context, now), now)


def purge_now(settings: Settings, dry_run: bool) -> tuple[PurgePlan, Path]:
    """What the rules remove now, removed unless `dry_run` (`swath purge`, beside the server's database), and the
    folder cached files are named relative to."""
    engine = create_database_engine(settings.resolved_database_url)
    try:
        migrate(engine)
        # The executor is never started: purging hands nothing to runners.
        sessions = create_session_factory(engine)
        context = ServiceContext(settings, sessions, open_storage(settings), LocalExecutor(settings))
        now = datetime.now(UTC)
        plan = plan_purge(context, now)
        return (plan if dry_run else carry_out(context, plan, now)), (settings.data_dir / "cache").resolve()
    finally:
        engine.dispose()


def give_up_sweeping(context: ServiceContext, holder: str) -> None:
    with transaction(context.sessions) as session:
        release_lease(session, _LEASE, holder, datetime.now(UTC))


def plan_purge(context: ServiceContext, now: datetime) -> PurgePlan:
    """What the rules remove at `now`; nothing is changed (but the results' sizes are counted once per job)."""
    settings = context.settings
    if settings.retention_successful or settings.retention_failed or settings.retention_dismissed:
        _count_stored_bytes(context)  # so that what is shown says what each job's purge frees
    plan = PurgePlan(jobs=_expired_jobs(context, now))
    if settings.retention_max_results_size:
        plan.jobs += _over_size(context, {planned.job.id for planned in plan.jobs}, plan.jobs)
    with reading(context.sessions) as session:
        if settings.retention_job_rows:
            plan.rows = store.list_purged_before(session, _before(now, settings.retention_job_rows), _BATCH)
        if settings.retention_uploads:
            plan.uploads = store.list_uploads_before(session, _before(now, settings.retention_uploads), _BATCH)
    if settings.retention_work_dirs:
        plan.work_dirs = _expired_work_dirs(context, _before(now, settings.retention_work_dirs))
    if settings.retention_cache or settings.retention_cache_size:
        plan.cache_files = _expired_cache(settings, now)
    return plan


def carry_out(context: ServiceContext, plan: PurgePlan, now: datetime) -> PurgePlan:
    """Remove what `plan` names; returns what was removed (a job another sweep purged first is left out)."""
    done = PurgePlan(work_dirs=[], cache_files=[])
    for planned in plan.jobs:
        if _purge_job(context, planned.job.id, now):
            done.jobs.append(planned)
    if plan.rows:
        with transaction(context.sessions) as session:
            store.delete_jobs(session, plan.rows)
        done.rows = plan.rows
    for upload in plan.uploads:
        if _remove_stored(context, upload_key(upload.id, upload.name)):
            with transaction(context.sessions) as session:
                store.delete_upload(session, upload.id)
            done.uploads.append(upload)
    for folder in plan.work_dirs:
        shutil.rmtree(folder, ignore_errors=True)
        done.work_dirs.append(folder)
    for path in plan.cache_files:
        path.unlink(missing_ok=True)
        done.cache_files.append(path)
    if not done.is_empty:
        log.info(
            "Retention removed %d job(s)' files, %d job row(s), %d upload(s), %d work folder(s), %d cached file(s).",
            len(done.jobs),
            len(done.rows),
            len(done.uploads),
            len(done.work_dirs),
            len(done.cache_files),
        )
    return done


# Jobs -------------------------------------------------------------------------------------------------------------


def _expired_jobs(context: ServiceContext, now: datetime) -> list[PlannedJob]:
    settings = context.settings
    rules = (
        (JobStatus.successful, settings.retention_successful, "retention_successful"),
        (JobStatus.failed, settings.retention_failed, "retention_failed"),
        (JobStatus.dismissed, settings.retention_dismissed, "retention_dismissed"),
    )
    planned: list[PlannedJob] = []
    with reading(context.sessions) as session:
        for status, age, rule in rules:
            if age:
                expired = store.list_jobs_finished_before(session, status, _before(now, age), _BATCH)
                planned += [PlannedJob(job, rule) for job in expired]
    return planned


def _over_size(context: ServiceContext, already: set[str], planned: list[PlannedJob]) -> list[PlannedJob]:
    """The longest ended jobs to purge so that what the rest's results hold fits `retention_max_results_size`."""
    _count_stored_bytes(context)
    with reading(context.sessions) as session:
        excess = store.stored_bytes_total(session) - context.settings.retention_max_results_size
        excess -= sum(item.job.stored_bytes for item in planned)
        chosen: list[PlannedJob] = []
        if excess <= 0:
            return chosen
        for job in store.list_oldest_unpurged(session, _BATCH + len(already)):
            if excess <= 0:
                break
            if job.id not in already:
                chosen.append(PlannedJob(job, "retention_max_results_size"))
                excess -= job.stored_bytes
    return chosen


def _count_stored_bytes(context: ServiceContext) -> None:
    """Record, once per finished job, the bytes its results hold (from the sizes the runner recorded)."""
    with reading(context.sessions) as session:
        unsized = store.list_unsized_jobs(session, 10 * _BATCH)
    if unsized:
        with transaction(context.sessions) as session:
            store.record_stored_bytes(session, {job_id: _results_size(results) for job_id, results in unsized})


def _results_size(results: JSON | None) -> int:
    if not results:
        return 0
    parsed = results_from_json(results)
    files = [stored for output in parsed.outputs.values() for stored in output.files]
    return sum(stored.size for stored in files) + (parsed.catalog.size if parsed.catalog else 0)


def _purge_job(context: ServiceContext, job_id: str, now: datetime) -> bool:
    with transaction(context.sessions) as session:
        if not store.mark_purged(session, job_id, now):
            return False
    # Marked first: from now on its files answer 410, so none is served while it goes.
    _remove_stored(context, job_prefix(job_id))
    _remove_stored(context, job_log_key(job_id))
    context.settings.job_log(job_id).unlink(missing_ok=True)
    shutil.rmtree(context.settings.work_dir / job_id, ignore_errors=True)
    return True


def _remove_stored(context: ServiceContext, key: str) -> bool:
    try:
        context.storage.remove(key)
    except StorageUnavailable as error:
        # The next round cannot see a purged job again; the operator's log says what was left behind.
        log.warning("Retention could not remove %s from storage: %s", key, error.detail)
        return False
    return True


# Files on this machine --------------------------------------------------------------------------------------------


def _expired_work_dirs(context: ServiceContext, before: datetime) -> list[Path]:
    """Work directories of jobs that ended before `before`, and of jobs with no row left, untouched since then."""
    root = context.settings.work_dir
    if not root.is_dir():
        return []
    folders = {entry.name: entry for entry in root.iterdir() if entry.is_dir() and not entry.is_symlink()}
    names = sorted(folders)[: 10 * _BATCH]
    try:
        with reading(context.sessions) as session:
            ends = store.job_ends(session, names)
    except StoreUnavailable:
        return []
    expired = []
    for name in names:
        if name in ends:
            ended = ends[name]
            if ended is not None and ended < before:
                expired.append(folders[name])
        elif _modified(folders[name]) < before:
            expired.append(folders[name])
    return expired


def _expired_cache(settings: Settings, now: datetime) -> list[Path]:
    """Cached S3 objects unused for `retention_cache`, then the least recently used past `retention_cache_size`."""
    root = (settings.data_dir / "cache").resolve()
    if not root.is_dir():
        return []
    # A `.part` file is a download in progress (storage/s3.py) unless it is an hour old: a crash left it.
    in_progress = now - timedelta(hours=1)
    found = ((_modified(path), path) for path in root.rglob("*") if path.is_file())
    files = sorted(
        ((used, path) for used, path in found if path.suffix != ".part" or used < in_progress), key=lambda item: item[0]
    )
    expired: list[Path] = []
    if settings.retention_cache:
        before = _before(now, settings.retention_cache)
        expired = [path for used, path in files if used < before]
    if settings.retention_cache_size:
        going = set(expired)
        kept = [(used, path) for used, path in files if path not in going]
        total = sum(_size(path) for _, path in kept)
        for _, path in kept:
            if total <= settings.retention_cache_size:
                break
            expired.append(path)
            total -= _size(path)
    return expired


def _modified(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return datetime.now(UTC)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _before(now: datetime, age: float) -> datetime:
    return now - timedelta(seconds=age)
