"""The life of a job's process, from claimed to finished, owned by one `Supervisor` per supervising process.

The local runner pool and each Celery pool process hold one; they differ only in how they learn of jobs (a command
pipe and the table, or a broker message) and how they wait (a selector, or a pidfd). Everything between is here,
once: claim by compare-and-set, fork one child per job in its own session (DESIGN.md: cwltool's logger and child
list are global; a tree can only be stopped as a group), heartbeat, dismissal, the time limit, stopping (killpg
SIGTERM, a short grace, then SIGKILL), and the end of a run (nothing of the job left running, a job that ended
without an outcome failed, its work directory removed).

No job process outlives its supervisor, and nothing a tool starts outlives its job: children die with their
supervisor (a parent-death signal), and both the job's process and the supervisor are child subreapers, so a
daemonising tool (`setsid`, a double fork) stays within reach and is killed when its job ends (`runner.processes`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from swath.errors import FailureKind, StoreUnavailable
from swath.runner import processes
from swath.runner.child import detach, run_claimed_job
from swath.runner.containers import stop_job_containers
from swath.runner.cwl import load_process_tool, select_container_runtime
from swath.runner.joblog import log_line
from swath.services.recovery import SERVER_STOPPED, RunnerId, take_back
from swath.services.retries import Failure, end_attempt, retry_policy
from swath.services.scheduling import check_may_start
from swath.settings import Settings
from swath.store import attempts as attempt_store
from swath.store import jobs as job_store
from swath.store.database import transaction
from swath.store.processes import get_process_revision
from swath.store.records import JobRecord, JobStatus, ProcessKind, ProcessRecord
from swath.store.tables import JobRow

log = logging.getLogger("swath.runner")

# SIGTERM first so cwltool can stop its tools, then SIGKILL for whatever is left (DESIGN.md: ~10 ms in all).
KILL_GRACE = 0.5
TIME_LIMIT_REACHED = "The job ran longer than the time limit of {limit:g} seconds."

# Process revisions this process has read, by primary key (a supervising process serves one database). A
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
    # Why the supervisor stopped it, recorded on the job if nothing else was (a dismiss records its own status).
    kill_reason: str | None = None
    # Stopped because this supervisor lost the database: the job is another runner's to take back, not failed.
    fenced: bool = False
    kill_kind: FailureKind = FailureKind.error


class Supervisor:
    """The jobs this process runs, each in a child of its own."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], runner: RunnerId, check_caps: bool = False
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.runner_id = str(runner)
        # Whether a claim first checks the running caps (`scheduling.check_may_start`): for runners that are
        # handed jobs (Celery workers); the local pool starts only what the scheduler picked.
        self.check_caps = check_caps
        self.jobs: dict[int, RunningJob] = {}
        self._last_beat = time.monotonic()
        self._last_good_beat = self._last_beat
        # Orphans among the jobs' descendants come to this process rather than to init (`reap` kills them).
        processes.become_subreaper()

    # Starting.

    def start(self, job_id: str) -> RunningJob | None:
        """Claim the job and fork its child; None when it was not this supervisor's to run (not accepted).
        MustWait when the supervisor checks caps and the job's user or process is at its running cap."""
        claimed = self._claim(job_id)
        if claimed is None:
            return None
        child = _fork(self.settings, self.sessions, *claimed, parent=os.getpid())
        self.jobs[child.pid] = child
        return child

    def _claim(self, job_id: str) -> tuple[JobRecord, ProcessRecord] | None:
        """Claim a job and load what its run needs, so the child starts without reading the database."""
        now = datetime.now(UTC)
        with transaction(self.sessions) as session:
            if self.check_caps:
                check_may_start(session, self.settings, job_id)
            job = job_store.claim_job(session, job_id, self.runner_id, now)
            if job is None:
                return None
            # This attempt's part of the job's one log starts where the earlier attempts' ended.
            attempt_store.open_attempt(session, job, _log_size(self.settings.job_log(job.id)), now)
            return job, _revision(session, job.process_pk)

    @property
    def _engine(self) -> str | None:
        return select_container_runtime(self.settings.container_runtime)

    # Watching.

    def stop(self, job_id: str, reason: str | None, kind: FailureKind = FailureKind.error) -> None:
        """Stop a running job: SIGTERM to its group now, SIGKILL after the grace. `reason` (None for a dismissal,
        which records its own status) becomes the job's message, `kind` its attempt's."""
        for child in self.jobs.values():
            if child.job_id == job_id and child.kill_after is None:
                child.kill_reason, child.kill_kind = reason, kind
                child.kill_after = time.monotonic() + KILL_GRACE
                processes.signal_group(child.pid, signal.SIGTERM)
                # The job's containers belong to the engine's daemon, outside the job's process tree.
                stop_job_containers(self._engine, job_id)

    def timeout(self) -> float:
        """How long the caller may wait before the next `tick` is due."""
        if any(child.kill_after is not None for child in self.jobs.values()):
            return 0.05
        return self.settings.heartbeat_interval / 2

    def tick(self) -> None:
        """The kill schedule, the time limit, and at each heartbeat interval the beat and the dismissal poll."""
        now = time.monotonic()
        limit = self.settings.job_time_limit
        for child in list(self.jobs.values()):
            if child.kill_after is not None and now >= child.kill_after:
                processes.signal_group(child.pid, signal.SIGKILL)
            if limit and child.kill_after is None and now - child.started > limit:
                self.stop(child.job_id, TIME_LIMIT_REACHED.format(limit=limit), FailureKind.time_limit)
        if now - self._last_beat >= self.settings.heartbeat_interval:
            self._last_beat = now
            try:
                for job_id in self._beat_and_find_dismissed():
                    self.stop(job_id, reason=None)
                self._last_good_beat = now
            except StoreUnavailable as error:
                # The database is away for a moment; jobs keep running, and the next beat tries again.
                log.warning("Runner %s: %s", self.runner_id, error.detail)
                self._fence_if_forsaken(now)

    def _fence_if_forsaken(self, now: float) -> None:
        """Stop every job once the beats have failed for so long that another runner may soon take the jobs back
        (their beats older than `heartbeat_timeout`): a job taken back never runs twice at once."""
        settings = self.settings
        fence_after = settings.heartbeat_timeout - 2 * settings.heartbeat_interval
        if now - self._last_good_beat < fence_after:
            return
        for child in self.jobs.values():
            if child.kill_after is None:
                log.warning("Runner %s: no beat for %.0f s; stopping job %s", self.runner_id, fence_after, child.job_id)
                child.fenced = True
                self.stop(child.job_id, reason=None)

    def _beat_and_find_dismissed(self) -> list[str]:
        """Mark our jobs alive; returns those among them that were dismissed (through any server)."""
        job_ids = [child.job_id for child in self.jobs.values()]
        if not job_ids:
            return []
        with transaction(self.sessions) as session:
            job_store.beat(session, job_ids, datetime.now(UTC))
            statuses = dict(session.execute(select(JobRow.id, JobRow.status).where(JobRow.id.in_(job_ids))).all())
        return [job_id for job_id, status in statuses.items() if status == JobStatus.dismissed.value]

    # Ending.

    def reap(self) -> list[RunningJob]:
        """End every job whose process exited; returns them. Also collects orphans the jobs left behind."""
        finished: list[RunningJob] = []
        while True:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            child = self.jobs.pop(pid, None)
            if child is not None:
                self._finish(child, wait_status)
                finished.append(child)
        if finished:
            # A job's process that died before its tools did leaves them to this process: nothing of it may run on.
            processes.kill_strays(self.jobs)
        return finished

    def _finish(self, child: RunningJob, wait_status: int) -> None:
        # Its pid is reaped and may already name another process: only its group is signalled (what is left of the
        # job's tools); tools outside the group came to this process and `reap` kills them as strays.
        processes.signal_group(child.pid, signal.SIGKILL)
        if child.kill_reason is not None or wait_status != 0:
            # A job's process that ended cleanly removed its containers itself; one that was killed or crashed may
            # have left one running (one started during the stop's grace, or by a process that died at once).
            stop_job_containers(self._engine, child.job_id)
        if not child.fenced:
            try:
                _record_exit(self.settings, self.sessions, self.runner_id, child, wait_status)
            except StoreUnavailable as error:
                # The job's beats stop with it: the reaper takes it back once the database answers again.
                log.warning("Runner %s: the end of job %s was not recorded: %s", self.runner_id, child.job_id, error)
        _clean(self.settings, child.work_dir)

    def shutdown(self, reason: str = SERVER_STOPPED) -> None:
        """Stop every job and give it back to the queue: the next runner runs it again."""
        for child in self.jobs.values():
            processes.kill_tree(child.pid)
            stop_job_containers(self._engine, child.job_id)
        now = datetime.now(UTC)
        for pid, child in list(self.jobs.items()):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            with transaction(self.sessions) as session:
                job = job_store.get_job(session, child.job_id)
                if job is not None and job.status is JobStatus.running and job.runner == self.runner_id:
                    take_back(session, job, self.settings, reason, now)
            _clean(self.settings, child.work_dir)
        self.jobs.clear()
        processes.kill_strays(())


def _fork(
    settings: Settings, sessions: sessionmaker[Session], job: JobRecord, process: ProcessRecord, parent: int
) -> RunningJob:
    """Start the claimed job in a forked child, the leader of its own process group, dying with its `parent`."""
    _load_tool_before_fork(settings, process)
    # One directory per attempt: the remains of an earlier attempt never share (or delete) a later one's files.
    work_dir = settings.work_dir / job.id / str(job.attempts)
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.job_log(job.id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    pid = os.fork()
    if pid == 0:  # the child: never returns into the supervisor's loop
        status = 1
        try:
            detach(log_path, parent)
            run_claimed_job(settings, sessions, job, process, work_dir, log_path)
            status = 0
            # The child empties its own work directory, in parallel with other jobs rather than in the
            # supervisor's one loop; `_clean` afterwards only finds what a killed job left.
            _clean(settings, work_dir)
        finally:
            processes.kill_descendants()
            os._exit(status)
    return RunningJob(job.id, pid, time.monotonic(), work_dir, log_path)


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


def _revision(session: Session, process_pk: int) -> ProcessRecord:
    if process_pk not in _REVISIONS:
        _REVISIONS[process_pk] = get_process_revision(session, process_pk)
    return _REVISIONS[process_pk]


def _log_size(log_path: Path) -> int:
    try:
        return log_path.stat().st_size
    except FileNotFoundError:
        return 0


def _record_exit(
    settings: Settings, sessions: sessionmaker[Session], runner_id: str, child: RunningJob, wait_status: int
) -> None:
    """End the attempt of a job whose process ended without recording an outcome (killed, crashed, out of
    memory): failed, or queued again by its retry policy."""
    if child.kill_reason is None and os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 0:
        # A clean exit comes only after the child recorded the outcome (child.py); checking again would cost a
        # write transaction per job, the pool's largest cost with trivial jobs (bench/). Should a child ever exit
        # cleanly without one, its job stops beating and the reaper takes it back.
        return
    failure = _exit_failure(child, wait_status)
    with transaction(sessions) as session:
        job = job_store.get_job(session, child.job_id)
        # A job dismissed meanwhile (its attempt ended with the dismissal) or taken back has moved on.
        if job is None or job.status is not JobStatus.running or job.runner != runner_id:
            outcome = None
        else:
            policy = retry_policy(_revision(session, job.process_pk), settings)
            outcome = end_attempt(session, job, failure, policy, datetime.now(UTC))
    if outcome is JobStatus.failed:
        log_line(child.log_path, f"Job failed: {failure.message}")
    elif outcome is JobStatus.accepted:
        log_line(child.log_path, f"Attempt failed: {failure.message} The job is queued again (its retry policy).")


def _exit_failure(child: RunningJob, wait_status: int) -> Failure:
    if child.kill_reason:
        return Failure(child.kill_kind, child.kill_reason)
    if os.WIFSIGNALED(wait_status):
        signum = signal.Signals(os.WTERMSIG(wait_status))
        # Nothing in Swath sends SIGKILL alone to a job's process: the kernel's OOM killer does. Any other death of
        # the job's own process (Swath's code running cwltool) is an internal error, not retried.
        kind = FailureKind.out_of_memory if signum is signal.SIGKILL else FailureKind.error
        return Failure(kind, f"The job's process was killed by signal {signum.name}.")
    code = os.waitstatus_to_exitcode(wait_status)
    return Failure(FailureKind.error, f"The job's process exited with code {code} without a result.")


def _clean(settings: Settings, work_dir: Path) -> None:
    if settings.keep_work_dirs:
        return
    shutil.rmtree(work_dir, ignore_errors=True)
    with contextlib.suppress(OSError):  # the job's folder goes with its last attempt
        work_dir.parent.rmdir()


__all__ = ["KILL_GRACE", "TIME_LIMIT_REACHED", "RunningJob", "Supervisor"]
