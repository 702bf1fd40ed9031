"""The body of a Slurm batch job: run one Swath job on this compute node, exactly as a Celery worker runs one.

`python -m swath.executors.slurm_job <settings file> <job id> <batch job id> <node>`, written into the batch
script by the Slurm executor. It reads the settings the server handed over (from the shared directory), then takes
the Celery delivery path (`runner.delivery`): claim by compare-and-set, one forked child in its own process group,
heartbeat, dismissal, the end of the run, the log copied to the shared storage while the job runs. So a job
behaves here as everywhere, and a batch job started twice for one job (a requeue) runs it once.

Slurm's own ends (time limit, memory, cancel, node failure) stop this process with the job's; the server reads
why from Slurm and records it (`executors.slurm`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from swath.runner.delivery import run_delivered_job
from swath.runner.joblog import log_line
from swath.runner.supervision import Supervisor
from swath.services.recovery import RunnerId, RunnerKind
from swath.settings import Settings
from swath.storage import open_storage
from swath.store.database import create_database_engine, create_session_factory

log = logging.getLogger("swath.slurm")


def run_batch_job(settings: Settings, job_id: str, batch_job_id: str, node: str) -> str:
    """Run the job if it is this batch job's to run; returns a short account for the batch job's output."""
    for folder in (settings.work_dir, settings.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
    log_line(settings.job_log(job_id), f"Slurm batch job {batch_job_id} on node {node}.")
    engine = create_database_engine(settings.resolved_database_url)
    try:
        supervisor = Supervisor(settings, create_session_factory(engine), RunnerId.here(RunnerKind.slurm))
        # Always as a redelivery: Slurm requeues a batch job whose node failed, and the job may still be running
        # under the silent runner of the first start; it is taken back once its heartbeat is stale.
        return run_delivered_job(supervisor, open_storage(settings), job_id, redelivered=True)
    finally:
        engine.dispose()


def main(arguments: list[str]) -> int:
    if len(arguments) != 4:
        print("usage: python -m swath.executors.slurm_job <settings file> <job id> <batch job id> <node>")
        return 2
    settings_file, job_id, batch_job_id, node = arguments
    settings = Settings.from_handover(Path(settings_file).read_bytes())
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log.info(run_batch_job(settings, job_id, batch_job_id, node))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
