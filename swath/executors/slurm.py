"""The Slurm executor: one batch job per job, on an HPC cluster whose nodes share a directory with the server.

The server submits a batch job (`sbatch`) for each accepted job, with the job's CWL ResourceRequirement (or its
queue class) as `--cpus-per-task` and `--mem`, the time limit as `--time`, and the configured partition and
account. The batch job runs Swath's runner on the node (`executors.slurm_job`, the Celery delivery path), which
claims the job, runs it, beats, records the end and copies the log to the shared storage, where the API reads it.

What only Slurm knows, this module reads from Slurm and records, every `slurm_poll_interval`: a batch job that
Slurm ended for its time limit or memory, cancelled, or lost with its node. A job waits `accepted` in the table
(never in Slurm) while its user has `max_jobs_per_user` jobs in Slurm, or while slurmctld does not answer; it is
submitted in a later round. Nothing lives only in this process: a restarted server finds every job's batch job on
its row, so restarts of the server or of slurmctld lose no job and start none twice (the claim is a compare-and-set).
"""

from __future__ import annotations

import logging
import math
import shlex
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import RunnersUnavailable, StoreUnavailable
from swath.executors.slurm_commands import (
    BatchJob,
    BatchState,
    batch_jobs,
    cancel_batch_job,
    check_controller,
    submit_batch_job,
)
from swath.services.queues import package_needs
from swath.services.recovery import take_back
from swath.services.scheduling import cap_reason
from swath.settings import Settings
from swath.store import batch_jobs as batch_store
from swath.store import jobs as job_store
from swath.store.database import create_database_engine, create_session_factory, reading, transaction
from swath.store.processes import get_process_revision
from swath.store.records import JobRecord, JobStatus

__all__ = ["SlurmExecutor", "batch_options", "slurm_explanation"]

log = logging.getLogger("swath.executor")

# How long a dismiss waits for Slurm to confirm the cancel (the job's processes get SIGTERM, then SIGKILL after
# KillWait).
_CANCEL_CONFIRM_WAIT = 15.0
# Jobs submitted per round at most, oldest first; the rest wait for the next round.
_SUBMIT_BATCH = 200
# Failed jobs this recent are compared with what Slurm says of their batch job (Slurm forgets after MinJobAge).
_EXPLAIN_WITHIN = timedelta(minutes=10)

# Why Slurm ended a batch job, as the job's message says. One place: both a live job that Slurm ended and a job
# whose runner recorded a failure first (a tool killed for memory) get these words.
TIME_LIMIT = "Slurm stopped the job at its time limit of {limit} (batch job {id})."
OUT_OF_MEMORY = (
    "Slurm stopped the job: it used more than its memory limit of {memory} (batch job {id}); ask for more with the "
    "CWL ResourceRequirement ramMin."
)
CANCELLED = "Slurm cancelled batch job {id} ({reason}) before the job recorded a result."
ENDED_EARLY = "Batch job {id} ended {state} before the job recorded a result; see {output}."
NODE_LOST = "Batch job {id} ended {state} (its node failed, or it was preempted); the job is run again."
# States after which the job deserves another attempt: nothing of the job was at fault.
_REQUEUE = frozenset({BatchState.node_fail, BatchState.boot_fail, BatchState.preempted})
# Slurm stopped the batch job itself.
_SLURM_STOPS = frozenset({BatchState.timeout, BatchState.out_of_memory, BatchState.cancelled})


def slurm_explanation(batch: BatchJob, output: Path) -> str | None:
    """The job's message for a batch job that Slurm ended, or None when it ended normally."""
    if batch.state is BatchState.timeout:
        return TIME_LIMIT.format(limit=batch.time_limit, id=batch.id)
    if batch.state is BatchState.out_of_memory:
        return OUT_OF_MEMORY.format(memory=batch.memory, id=batch.id)
    if batch.state is BatchState.cancelled:
        return CANCELLED.format(id=batch.id, reason=batch.reason)
    if batch.state in _REQUEUE:
        return NODE_LOST.format(id=batch.id, state=batch.state.value)
    if batch.state.is_final and batch.state is not BatchState.completed:
        return ENDED_EARLY.format(id=batch.id, state=batch.state.value, output=output)
    return None


def batch_options(settings: Settings, job: JobRecord, cwl: dict[str, object] | None) -> list[str]:
    """The sbatch options of a job: its resources (CWL ResourceRequirement, else its queue class), the time
    limit, partition and account, and where the batch job's own output goes."""
    needs = package_needs(cwl)
    queue = next((queue for queue in settings.queues if queue.name == job.queue), None)
    cores = needs.cores or (queue.cores if queue else None) or 1
    ram_mb = needs.ram_mb or (queue.ram_mb if queue else None)
    options = [
        f"--job-name=swath-{job.id}",
        f"--output={batch_output(settings, job.id)}",
        "--open-mode=append",
        # A folder every node has (the node's data directory may not exist before the batch job makes it).
        f"--chdir={slurm_dir(settings)}",
        "--nodes=1",
        "--ntasks=1",
        f"--cpus-per-task={math.ceil(cores)}",
    ]
    if ram_mb is not None:
        # The runner (Python, cwltool) lives in the batch job too, beside the tools.
        options.append(f"--mem={math.ceil(ram_mb) + settings.slurm_runner_memory_mb}M")
    if settings.job_time_limit:
        options.append(f"--time={max(1, math.ceil(settings.job_time_limit / 60))}")
    if settings.slurm_partition:
        options.append(f"--partition={settings.slurm_partition}")
    if settings.slurm_account:
        options.append(f"--account={settings.slurm_account}")
    return options


def slurm_dir(settings: Settings) -> Path:
    """The executor's folder in the shared directory: the settings batch jobs read, and their output files."""
    return settings.storage_dir / "slurm"


def batch_output(settings: Settings, job_id: str) -> Path:
    return slurm_dir(settings) / f"{job_id}.out"


def _node_settings(settings: Settings) -> Settings:
    """The settings a batch job runs with: the server's, on the node's data directory, with the database URL
    spelled out, and the time limit left to Slurm (`--time`), which enforces it for the whole batch job."""
    return settings.model_copy(
        update={
            "database_url": settings.resolved_database_url,
            "data_dir": (settings.slurm_node_data_dir or settings.data_dir).resolve(),
            "job_time_limit": 0.0,
        }
    )


class SlurmExecutor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The engine connects on first use; made here, once, for the request threads and the follower alike.
        self.sessions: sessionmaker[Session] = create_session_factory(
            create_database_engine(settings.resolved_database_url)
        )
        self._submitting = threading.Lock()
        self._stopping = threading.Event()
        self._follower = threading.Thread(target=self._follow, name="swath-slurm-follow", daemon=True)

    def start(self) -> None:
        folder = slurm_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        # The settings hold the database URL and storage secrets: readable by the user jobs run as, no one else.
        settings_file = self._settings_file()
        partial = settings_file.with_name(f".{settings_file.name}.part")
        partial.touch(mode=0o600)
        partial.write_bytes(_node_settings(self.settings).to_handover())
        partial.replace(settings_file)
        # The first round runs at once: jobs accepted while no server ran are submitted now.
        self._follower.start()

    def _settings_file(self) -> Path:
        return slurm_dir(self.settings) / "settings.json"

    def submit(self, job_id: str, queue: str | None = None) -> None:
        try:
            self._submit(job_id)
        except (RunnersUnavailable, StoreUnavailable) as error:
            # The job stays accepted without a batch job; a later round submits it.
            log.warning("Job %s was not submitted to Slurm (%s); it is submitted again shortly.", job_id, error.detail)

    def _submit(self, job_id: str) -> None:
        # One submission at a time: the per-user count and the submission that it allows are one step.
        with self._submitting:
            with reading(self.sessions) as session:
                job = job_store.get_job(session, job_id)
                if job is None or job.status is not JobStatus.accepted:
                    return
                if job.not_before is not None and job.not_before > datetime.now(UTC):
                    return  # its retry back-off runs: a later round submits it, once it is due
                if job.batch_job_id is not None and self._is_batch_job_live(job.batch_job_id):
                    if job.attempts == 0:
                        return  # queued in Slurm already, and never started: a second hand-over
                    # Taken back from its batch job's silent runner (the reaper): that batch job never claims the
                    # job again, and may hold a node while it hangs.
                    cancel_batch_job(job.batch_job_id)
                if self._must_wait(session, job):
                    return  # over a cap: a later round submits it, once a job of the user or process ended
                process = get_process_revision(session, job.process_pk)
            options = batch_options(self.settings, job, process.cwl)
            batch_job_id = submit_batch_job(self._script(job.id), options)
            with transaction(self.sessions) as session:
                recorded = batch_store.record_batch_job(session, job.id, batch_job_id)
        if not recorded:  # dismissed while it was being submitted
            cancel_batch_job(batch_job_id)
        log.info("Job %s is Slurm batch job %s (%s).", job.id, batch_job_id, " ".join(options[6:]))

    def _must_wait(self, session: Session, job: JobRecord) -> bool:
        """Whether the job's user or process has as many jobs in Slurm as a cap allows (a job handed to Slurm
        counts as running: Swath no longer decides when it starts). `max_jobs_per_user` is one more user cap."""
        legacy_cap = self.settings.max_jobs_per_user
        if legacy_cap and batch_store.count_jobs_in_slurm(session, user=job.created_by) >= legacy_cap:
            return True
        return cap_reason(session, self.settings, job) is not None

    def _is_batch_job_live(self, batch_job_id: str) -> bool:
        batch = batch_jobs([batch_job_id]).get(batch_job_id)
        return batch is not None and not batch.state.is_final

    def _script(self, job_id: str) -> str:
        python = self.settings.slurm_python or sys.executable
        command = [python, "-P", "-m", "swath.executors.slurm_job", str(self._settings_file()), job_id]
        # Slurm's variables are expanded by the shell on the node: the batch job id and the node's name.
        return "#!/bin/sh\nexec " + shlex.join(command) + ' "$SLURM_JOB_ID" "$SLURMD_NODENAME"\n'

    def cancel(self, job_id: str) -> None:
        """scancel the job's batch job and wait until Slurm confirms it ended (the job's row says `dismissed`
        already; the runner on the node would also stop it at its next heartbeat)."""
        with reading(self.sessions) as session:
            job = job_store.get_job(session, job_id)
        if job is None or job.batch_job_id is None:
            return
        try:
            cancel_batch_job(job.batch_job_id)
            deadline = time.monotonic() + _CANCEL_CONFIRM_WAIT
            while self._is_batch_job_live(job.batch_job_id):
                if time.monotonic() > deadline:
                    log.warning("Slurm has not confirmed the cancel of batch job %s yet.", job.batch_job_id)
                    return
                time.sleep(0.1)
        except RunnersUnavailable as error:
            log.warning("Batch job %s of job %s was not cancelled: %s", job.batch_job_id, job_id, error.detail)

    def check(self) -> None:
        check_controller()

    def stop(self) -> None:
        # Batch jobs run on in Slurm while the server is away: the next start follows them again.
        self._stopping.set()
        if self._follower.is_alive():
            self._follower.join()
        self.sessions.kw["bind"].dispose()

    # Following Slurm.

    def _follow(self) -> None:
        while True:
            try:
                self.follow_once()
            except (RunnersUnavailable, StoreUnavailable) as error:
                log.warning("Following Slurm: %s", error.detail)
            except Exception:  # the follower must outlive any one round; the next one tries again
                log.exception("Following Slurm failed")
            if self._stopping.wait(self.settings.slurm_poll_interval):
                return

    def follow_once(self) -> None:
        """One round: record what Slurm ended, then submit jobs that wait for a batch job."""
        now = datetime.now(UTC)
        # The table is read before Slurm: a job that ends in between has recorded its end, so the moves below,
        # compare-and-set from a live status, lose to it.
        with reading(self.sessions) as session:
            live = batch_store.list_jobs_in_slurm(session)
            failed = batch_store.list_failed_since(session, now - _EXPLAIN_WITHIN)
        known = batch_jobs([job.batch_job_id for job in [*live, *failed] if job.batch_job_id])
        for job in live:
            self._settle(job, known.get(job.batch_job_id or ""))
        with transaction(self.sessions) as session:
            for job in failed:
                batch = known.get(job.batch_job_id or "")
                # Only Slurm's own stops: a tool killed for its memory or at the time limit made the runner
                # record a failure that names the signal, not the reason.
                if batch is not None and batch.state in _SLURM_STOPS:
                    explanation = slurm_explanation(batch, self._output(job))
                    batch_store.explain_failure(session, job.id, explanation or "")
        with reading(self.sessions) as session:
            waiting = batch_store.list_jobs_without_batch_job(session, _SUBMIT_BATCH)
        for job in waiting:
            self._submit(job.id)

    def _output(self, job: JobRecord) -> Path:
        return batch_output(self.settings, job.id)

    def _settle(self, job: JobRecord, batch: BatchJob | None) -> None:
        """Bring a live job in line with its batch job, if Slurm ended (or forgot) that."""
        if batch is None:
            if job.status is JobStatus.accepted and job.batch_job_id:
                with transaction(self.sessions) as session:
                    batch_store.forget_batch_job(session, job.id, job.batch_job_id)
            return  # a running job whose batch job Slurm forgot beats, or the reaper takes it back
        if not batch.state.is_final:
            return
        now = datetime.now(UTC)
        explanation = slurm_explanation(batch, self._output(job))
        with transaction(self.sessions) as session:
            if explanation is None or batch.state in _REQUEUE:
                # Ended without running the job (it was not the batch job's to claim), or lost with its node.
                if job.status is JobStatus.running:
                    output = self._output(job)
                    reason = explanation or ENDED_EARLY.format(id=batch.id, state=batch.state.value, output=output)
                    take_back(session, job, self.settings, reason, now)
                batch_store.forget_batch_job(session, job.id, batch.id)
                return
            job_store.move_job(
                session,
                job.id,
                [JobStatus.accepted, JobStatus.running],
                JobStatus.failed,
                now,
                message=explanation,
            )
        log.info("Job %s: %s", job.id, explanation)
