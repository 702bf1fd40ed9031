"""One claimed job, run inside its own forked process, and the record of how it ended.

The pool forks this process from a warm parent (cwltool already imported), puts it in its own session so that a
dismiss can kill the whole tree, and gives it its own log file. Whatever happens here, the job leaves `running`:
success and `JobFailed` are recorded by this process; a crash is recorded by the pool when it reaps the child.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import FailureKind, JobFailed, StorageFull, StoreUnavailable
from swath.paths import without_data_dir
from swath.runner import processes
from swath.runner.cwl import select_container_runtime
from swath.runner.execute import RunContext, execute_job
from swath.runner.joblog import log_line
from swath.runner.reuse import reuse_lookup
from swath.services.health import check_free_space
from swath.services.retries import Failure, end_attempt, retry_policy, succeed_attempt
from swath.settings import Settings
from swath.storage import open_storage
from swath.store import jobs as job_store
from swath.store.collections import file_items
from swath.store.database import transaction
from swath.store.records import JobRecord, JobResults, JobStatus, ProcessRecord

T = TypeVar("T")

# The least time between two progress writes of one job (seconds).
_PROGRESS_INTERVAL = 0.5
# How often an outcome the database did not take is offered again (seconds).
_OUTCOME_RETRY = 0.5


def run_claimed_job(
    settings: Settings,
    sessions: sessionmaker[Session],
    job: JobRecord,
    process: ProcessRecord,
    work_dir: Path,
    log_path: Path,
) -> None:
    """Run a job that this process's parent claimed and loaded, and record its end.

    `sessions` is the parent's: after a fork its pooled connections belong to the parent and are dropped, but its
    compiled-statement cache is kept, which spares every job compiling the same queries again.
    """
    sessions.kw["bind"].dispose(close=False)
    job_id = job.id
    _note(log_path, f"Job {job.id} of process {process.id} {process.version} starts (attempt {job.attempts}).")
    _note(log_path, f"Runner: {job.runner}.")
    if job.attempts > 1 and job.message:
        _note(log_path, f"The previous attempt ended: {job.message}")

    last_written = time.monotonic()  # the claim wrote progress 0 and "Running."

    def report_progress(percent: int, message: str | None) -> None:
        # Progress is advisory and every write is a transaction: at most one per interval, and reports in between
        # are dropped (a trivial job makes five or more, which cost more than running it; bench/). Status moves
        # and the final progress are never throttled.
        nonlocal last_written
        if time.monotonic() - last_written < _PROGRESS_INTERVAL:
            return
        try:
            with transaction(sessions) as session:
                job_store.record_progress(session, job_id, percent, message, datetime.now(UTC))
        except StoreUnavailable:
            pass  # advisory: a database away for a moment must not end a run that may well finish
        last_written = time.monotonic()

    storage = open_storage(settings)
    context = RunContext(
        settings=settings,
        storage=storage,
        work_dir=work_dir,
        log_path=log_path,
        report_progress=report_progress,
        reuse=reuse_lookup(
            sessions, storage, job, process, select_container_runtime(settings.container_runtime), work_dir
        ),
    )
    try:
        results = execute_job(job, process, context)
    except JobFailed as failure:
        note = _disk_full_note(settings)
        message = without_data_dir(str(failure), settings.data_dir) + note
        _note(log_path, f"Attempt {job.attempts} failed: {message}")
        # A tool that could not write for lack of space is never tried again (it would fill the disk again).
        kind = FailureKind.disk_full if note else failure.kind
        _fail(sessions, settings, job, process, Failure(kind, message, failure.exit_code), log_path)
        return
    except BaseException as error:  # the runner's outer edge: every failure becomes the job's, never a stuck job
        kind = FailureKind.error
        if _is_disk_full(error):
            message = "The job ran out of disk space (No space left on device)." + _disk_full_note(settings)
            kind = FailureKind.disk_full
        else:
            message = without_data_dir(f"Internal error while running the job: {error!r}.", settings.data_dir)
        _note(log_path, "Internal error:\n" + "".join(traceback.format_exception(error)))
        _fail(sessions, settings, job, process, Failure(kind, message), log_path)
        return
    _note(log_path, "Job succeeded.")
    _succeed(sessions, settings, job, results)


def _fail(
    sessions: sessionmaker[Session],
    settings: Settings,
    job: JobRecord,
    process: ProcessRecord,
    failure: Failure,
    log_path: Path,
) -> None:
    """End the attempt: the job is failed, or queued again when its retry policy says so (services/retries.py)."""
    policy = retry_policy(process, settings)
    outcome = _persist(
        sessions, settings, lambda session: end_attempt(session, job, failure, policy, datetime.now(UTC))
    )
    if outcome is JobStatus.accepted:
        _note(log_path, "The job is queued again for its next attempt (its retry policy).")
    elif outcome is JobStatus.failed:
        _note(log_path, f"Job failed: {failure.message}")


def _is_disk_full(error: BaseException) -> bool:
    """Whether `error`, or one it was raised from, is a write that found no space (ENOSPC, EDQUOT)."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


def _disk_full_note(settings: Settings) -> str:
    """A sentence for the job's message when its disk is (nearly) full as it fails: a tool that could not write
    says only that it failed. Its work directory is removed next, which frees the space."""
    try:
        check_free_space(settings)
    except StorageFull as full:
        return f" {full.detail.split(';')[0]}; the job's work directory was removed."
    return ""


def _note(log_path: Path, text: str) -> None:
    # On a full disk the log cannot grow; the outcome must still be recorded.
    with contextlib.suppress(OSError):
        log_line(log_path, text)


def _succeed(sessions: sessionmaker[Session], settings: Settings, job: JobRecord, results: JobResults) -> None:
    def write(session: Session) -> None:
        now = datetime.now(UTC)
        won = job_store.move_job(
            session,
            job.id,
            [JobStatus.running],
            JobStatus.successful,
            now,
            owner=job.runner,
            message=results.message or "Finished.",
            progress=100,
            results=job_store.results_to_json(results),
        )
        if won:
            succeed_attempt(session, job, now, message=results.message or "Finished.")
        # A job dismissed while it ran keeps `dismissed`; its stored outputs stay but are not filed.
        if won and job.collection and results.items:
            file_items(session, job.collection, job.id, results.items, now, filed_by=job.created_by)

    _persist(sessions, settings, write)


def _persist(sessions: sessionmaker[Session], settings: Settings, write: Callable[[Session], T]) -> T:
    """Record the job's outcome with `write`, in one transaction. A database away holds the outcome here, tried
    again until the database answers, or until the supervisor, unable to beat for so long that another runner may
    take the job back, stops this process (at the latest after `heartbeat_timeout`, when the run is given up)."""
    give_up = time.monotonic() + settings.heartbeat_timeout
    while True:
        try:
            with transaction(sessions) as session:
                return write(session)
        except StoreUnavailable:
            if time.monotonic() > give_up:
                raise
            time.sleep(_OUTCOME_RETRY)


def detach(log_path: Path, parent: int) -> None:
    """Make this forked process the leader of its own process group, with default signals, writing to its log.

    Anything a library prints straight to stdout or stderr then lands in the job's log, not in the server's. The
    process adopts its tools' orphans (a subreaper), and when `parent`, its supervisor, dies, it kills everything
    below it and itself: a job never runs on unsupervised, and a re-run elsewhere never overlaps with it.
    """
    os.setsid()
    signal.set_wakeup_fd(-1)  # the pool's wake-up pipe is the pool's alone
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    processes.become_subreaper()
    processes.on_parent_death(parent, _end_everything)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    os.close(null_fd)
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115 (lives as long as the process)
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115


def _end_everything() -> None:
    # A death signal to this process alone would orphan its tools (DESIGN.md); this takes the whole tree.
    processes.kill_descendants()
    os.killpg(0, signal.SIGKILL)
