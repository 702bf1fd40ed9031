"""One job's process, seen from whoever supervises it: the local runner pool, or a Celery worker.

Both claim a job by compare-and-set, fork one child per job in its own session (DESIGN.md: cwltool's logger and
child list are global; a whole tree can only be stopped as a group), heartbeat it, stop it with killpg SIGTERM, a
short grace, then SIGKILL, and fail it when it ends without recording an outcome. Those steps live here, once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swath.runner.child import detach, run_claimed_job
from swath.runner.cwl import load_process_tool
from swath.runner.joblog import log_line
from swath.settings import Settings
from swath.store import jobs as job_store
from swath.store.database import transaction
from swath.store.processes import get_process_revision
from swath.store.records import JobRecord, JobStatus, ProcessKind, ProcessRecord
from swath.store.tables import JobRow

log = logging.getLogger("swath.runner")

# SIGTERM first so cwltool can stop its tools, then SIGKILL for whatever is left (DESIGN.md: ~10 ms in all).
KILL_GRACE = 0.5

# Process revisions this supervisor has read, by primary key (a supervising process serves one database). A
# revision's CWL and description never change once written (a replace writes a new revision; an undeploy only marks
# it retired), so each is read once per process.
_REVISIONS: dict[int, ProcessRecord] = {}


@dataclass
class RunningJob:
    job_id: str
    pid: int
    started: float
    work_dir: Path
    log_path: Path
    kill_after: float | None = None
    # Why the supervisor killed it, recorded on the job if nothing else was (a dismiss records its own status).
    kill_reason: str | None = None


def claim(sessions: sessionmaker[Session], job_id: str, runner_id: str) -> tuple[JobRecord, ProcessRecord] | None:
    """Claim a job and load what its run needs, so the child starts without reading the database."""
    with transaction(sessions) as session:
        job = job_store.claim_job(session, job_id, runner_id, datetime.now(UTC))
        if job is None:
            return None
        if job.process_pk not in _REVISIONS:
            _REVISIONS[job.process_pk] = get_process_revision(session, job.process_pk)
        return job, _REVISIONS[job.process_pk]


def fork_job(
    settings: Settings,
    sessions: sessionmaker[Session],
    job: JobRecord,
    process: ProcessRecord,
    started: float,
    die_with_parent: bool = False,
) -> RunningJob:
    """Start the claimed job in a forked child, the leader of its own process group.

    `die_with_parent`: the child's whole group is killed when the forking process dies (a Celery pool process
    killed with its worker), so that a re-run elsewhere never overlaps with an orphan of the first run.
    """
    _load_tool_before_fork(settings, process)
    job_id = job.id
    work_dir = settings.work_dir / job_id
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.job_log(job_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the supervisor's loop
        status = 1
        try:
            detach(log_path, die_with_parent=parent if die_with_parent else None)
            run_claimed_job(settings, sessions, job, process, work_dir, log_path)
            status = 0
            # The child empties its own work directory, in parallel with other jobs rather than in the
            # supervisor's one loop; `clean` afterwards only finds what a killed job left.
            clean(settings, work_dir)
        finally:
            os._exit(status)
    return RunningJob(job_id, pid, started, work_dir, log_path)


def _load_tool_before_fork(settings: Settings, process: ProcessRecord) -> None:
    """Load the revision's CWL here, once, so that every child forked from this process starts with it."""
    if process.kind is not ProcessKind.cwl:
        return
    try:
        load_process_tool(process, settings.container_runtime, settings.process_dir)
    except Exception as error:
        # Only a head start: the job is claimed already and must reach its child, which loads the document again
        # and reports a failure in the job's own log and message.
        log.warning("Process %s could not be loaded before the fork (%r); its job loads it itself.", process.id, error)


def signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def beat_and_find_dismissed(sessions: sessionmaker[Session], job_ids: Sequence[str]) -> list[str]:
    """Mark running jobs alive; returns those among them that were dismissed (through any server)."""
    if not job_ids:
        return []
    with transaction(sessions) as session:
        job_store.beat(session, job_ids, datetime.now(UTC))
        statuses = dict(session.execute(select(JobRow.id, JobRow.status).where(JobRow.id.in_(job_ids))).all())
    return [job_id for job_id, status in statuses.items() if status == JobStatus.dismissed.value]


def record_exit(sessions: sessionmaker[Session], runner_id: str, child: RunningJob, wait_status: int) -> None:
    """Fail a job whose process ended without recording an outcome (killed, crashed, out of memory)."""
    if child.kill_reason is None and os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 0:
        # A clean exit comes only after the child recorded the outcome (child.py); checking again would cost a
        # write transaction per job, the pool's largest cost with trivial jobs (bench/). Should a child ever exit
        # cleanly without one, its job stops beating and the reaper takes it back.
        return
    if child.kill_reason:
        reason = child.kill_reason
    elif os.WIFSIGNALED(wait_status):
        reason = f"The job's process was killed by signal {signal.Signals(os.WTERMSIG(wait_status)).name}."
    else:
        reason = f"The job's process exited with code {os.waitstatus_to_exitcode(wait_status)} without a result."
    with transaction(sessions) as session:
        failed = job_store.move_job(
            session,
            child.job_id,
            [JobStatus.running],
            JobStatus.failed,
            datetime.now(UTC),
            owner=runner_id,
            message=reason,
        )
    if failed:
        log_line(child.log_path, f"Job failed: {reason}")


def clean(settings: Settings, work_dir: Path) -> None:
    if not settings.keep_work_dirs:
        shutil.rmtree(work_dir, ignore_errors=True)
