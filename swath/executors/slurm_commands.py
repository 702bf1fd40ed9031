"""Slurm's commands (`sbatch`, `squeue`, `scancel`, `scontrol`), called as the site's users call them.

pyslurm does not match the Slurm of Debian 12 (DESIGN.md), and the commands are Slurm's stable interface. Every
failure to run one, or a refusal by slurmctld, is translated here into RunnersUnavailable with Slurm's own words.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from enum import StrEnum

from swath.errors import RunnersUnavailable

__all__ = ["BatchJob", "BatchState", "batch_jobs", "cancel_batch_job", "check_controller", "submit_batch_job"]

# slurmctld answers in milliseconds; a command that takes longer is stuck on a controller that is away.
_COMMAND_TIMEOUT = 30.0
_FIELDS = "%i|%T|%r|%m|%l"


class BatchState(StrEnum):
    """The Slurm job states Swath acts on (squeue's %T); any other is one Slurm moves on from by itself."""

    pending = "PENDING"
    running = "RUNNING"
    completing = "COMPLETING"
    completed = "COMPLETED"
    failed = "FAILED"
    cancelled = "CANCELLED"
    timeout = "TIMEOUT"
    out_of_memory = "OUT_OF_MEMORY"
    node_fail = "NODE_FAIL"
    boot_fail = "BOOT_FAIL"
    preempted = "PREEMPTED"
    deadline = "DEADLINE"
    other = "OTHER"

    @property
    def is_final(self) -> bool:
        return self not in (BatchState.pending, BatchState.running, BatchState.completing, BatchState.other)


@dataclass(frozen=True)
class BatchJob:
    """What Slurm says of one batch job."""

    id: str
    state: BatchState
    reason: str
    memory: str
    time_limit: str


def submit_batch_job(script: str, options: list[str]) -> str:
    """Submit `script` with sbatch `options`; returns the new batch job's id."""
    answer = _run(["sbatch", "--parsable", *options], stdin=script)
    # --parsable prints "id" or "id;cluster".
    return answer.strip().split(";")[0]


def batch_jobs(ids: list[str]) -> dict[str, BatchJob]:
    """What Slurm knows of the batch jobs `ids`, running or ended (for MinJobAge after the end); ids it has
    forgotten are absent."""
    if not ids:
        return {}
    try:
        answer = _run(["squeue", "--noheader", "--states=all", f"--jobs={','.join(ids)}", f"--format={_FIELDS}"])
    except RunnersUnavailable as error:
        if "Invalid job id" in error.detail:
            return {}  # squeue refuses a list only when it knows none of them
        raise
    jobs: dict[str, BatchJob] = {}
    for line in answer.splitlines():
        parts = line.strip().split("|")
        if len(parts) != 5:
            continue
        job_id, state, reason, memory, time_limit = parts
        known = state if state in BatchState.__members__.values() else BatchState.other
        jobs[job_id] = BatchJob(job_id, BatchState(known), reason, memory, time_limit)
    return jobs


def cancel_batch_job(batch_job_id: str) -> None:
    """Ask Slurm to cancel a batch job (SIGTERM to all of its processes, SIGKILL after KillWait); a job that has
    already ended is no error."""
    try:
        _run(["scancel", batch_job_id])
    except RunnersUnavailable as error:
        if "Invalid job id" not in error.detail and "already completing or completed" not in error.detail:
            raise


def check_controller() -> None:
    """Raise RunnersUnavailable unless slurmctld answers."""
    answer = _run(["scontrol", "ping"])
    if "UP" not in answer:
        raise RunnersUnavailable(f"Slurm's controller is not up: {answer.strip()}")


def _run(command: list[str], stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=_COMMAND_TIMEOUT, check=False
        )
    except FileNotFoundError as error:
        raise RunnersUnavailable(f"Slurm's {command[0]} command is not installed on this machine.") from error
    except subprocess.TimeoutExpired as error:
        raise RunnersUnavailable(f"Slurm's {command[0]} did not answer in {_COMMAND_TIMEOUT:g} s.") from error
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        last = said[-1] if said else f"exit code {done.returncode}"
        raise RunnersUnavailable(f"Slurm's {command[0]} failed: {last}.")
    return done.stdout
