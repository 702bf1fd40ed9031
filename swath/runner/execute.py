"""One job run: stage in → cwltool → stage out → STAC catalog.

`execute_job` is meant to run in a forked child dedicated to one job (DESIGN.md: cwltool's logger and child list
are global). The caller owns the work directory, the job log file, the time limit and the job's status; this
module only turns a job's inputs into results, or raises `JobFailed` with the sentence the user reads.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pystac

from swath.runner import builtin, cwl
from swath.runner.containers import ContainerPolicy
from swath.runner.cwl import run_cwl, select_container_runtime
from swath.runner.cwl_dag import run_cwl_dag
from swath.runner.joblog import open_job_log, runner_logger
from swath.runner.outputs import JobStorage, StoredOutputs, check_output_links, store_outputs
from swath.runner.reuse import ReuseLookup
from swath.runner.stac import write_catalog
from swath.runner.staging import check_package_defaults, stage_inputs
from swath.services.builtin import CWL_DAG
from swath.settings import Settings
from swath.storage import Storage
from swath.store.records import JobRecord, JobResults, ProcessKind, ProcessRecord

__all__ = ["RunContext", "execute_job", "warm_up"]

# Progress shares: staging and storing are short next to the tools, which get the 5-95 band.
_RUN_START, _RUN_SPAN = 5, 90


def warm_up(container_runtime: str) -> None:
    """Do once, in the process that forks job children, what every job would otherwise pay for itself.

    cwltool's schemas (~0.5 s), the container engine probe, and pystac's discovery of its extensions through
    package entry points (~35 ms, measured on the first catalog a process writes).
    """
    cwl.warm_up(container_runtime)
    mimetypes.init()  # reads the system's type tables, once here rather than at every job's first output
    catalog = pystac.Catalog(id="warm-up", description="warm-up")
    catalog.add_item(pystac.Item("item", None, None, datetime.now(UTC), {}))
    catalog.normalize_hrefs("/warm-up")
    catalog.to_dict()
    for item in catalog.get_items():
        item.to_dict()


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    storage: Storage
    # An empty directory owned by this job; the caller deletes it afterwards.
    work_dir: Path
    # The job's log: runner messages, cwltool's log and the tools' stdout/stderr are appended here.
    log_path: Path
    # Percent 0-100 and an optional message; the caller records it on the job.
    report_progress: Callable[[int, str | None], None]
    # For a process that allows result reuse: called with the staged inputs, it gives outputs to store instead of
    # running the tools (runner/reuse.py).
    reuse: ReuseLookup | None = None


def execute_job(job: JobRecord, process: ProcessRecord, context: RunContext) -> JobResults:
    """Run `job` of `process` and return its results, stored in `context.storage`.

    Raises JobFailed for what the user must read or fix; any other exception is an internal error.
    """
    with open_job_log(context.log_path) as log:
        runner_logger().info("Job %s of process '%s' version %s started.", job.id, process.id, process.version)
        message: str | None = None
        if process.kind == ProcessKind.builtin and process.id == CWL_DAG:
            stored = run_cwl_dag(
                job,
                process,
                settings=context.settings,
                storage=context.storage,
                work_dir=context.work_dir,
                log=log,
                policy=_container_policy(job, context.settings),
                report_progress=lambda percent, message: context.report_progress(
                    _RUN_START + _RUN_SPAN * percent // 100, message
                ),
            )
        elif process.kind == ProcessKind.builtin:
            stored = StoredOutputs(values=builtin.run_builtin(job, process), products=[])
        else:
            stored, message = _run_application(job, process, context, log)
        context.report_progress(_RUN_START + _RUN_SPAN, "Writing the STAC catalog.")
        # Stage-out writes through the job's own view of storage: its prefix only, files of its work dir only.
        outputs = JobStorage(context.storage, job.id, context.work_dir)
        catalog, items = write_catalog(job, process, stored, outputs, datetime.now(UTC))
        context.report_progress(100, None)
        runner_logger().info("Job %s succeeded; catalog at %s", job.id, catalog.href)
        return JobResults(outputs=stored.values, catalog=catalog, items=items, message=message)


def _run_application(
    job: JobRecord, process: ProcessRecord, context: RunContext, log: BinaryIO
) -> tuple[StoredOutputs, str | None]:
    """The stored outputs of the run, and the job's final message when not the usual one (results reused)."""
    # Loaded by the supervisor before the fork, as a rule; else (a document that did not load there) here, so that
    # the refusal lands in this job's log and message.
    loaded = cwl.load_process_tool(process, context.settings.container_runtime, context.settings.process_dir)
    check_package_defaults(process.cwl, context.settings)
    context.report_progress(0, "Staging inputs.")
    order = stage_inputs(
        job.inputs,
        process.description.inputs,
        settings=context.settings,
        storage=context.storage,
        work_dir=context.work_dir,
    )

    reused = context.reuse(order) if context.reuse is not None else None
    if reused is not None:
        context.report_progress(_RUN_START + _RUN_SPAN, "Storing the reused outputs.")
        return store_outputs(reused.outputs, JobStorage(context.storage, job.id, context.work_dir)), reused.message

    def report_run(percent: int, message: str | None) -> None:
        context.report_progress(_RUN_START + _RUN_SPAN * percent // 100, message)

    outputs = run_cwl(
        loaded,
        order,
        work_dir=context.work_dir,
        log=log,
        policy=_container_policy(job, context.settings),
        report_progress=report_run,
        # Inputs used in place lie in the input roots; an output passed through from one of them is no leak.
        check_outputs=lambda output: check_output_links(
            output, [context.work_dir, *context.settings.readable_input_roots]
        ),
        parallel_steps=context.settings.max_parallel_steps,
    )
    context.report_progress(_RUN_START + _RUN_SPAN, "Storing outputs.")
    return store_outputs(outputs, JobStorage(context.storage, job.id, context.work_dir)), None


def _container_policy(job: JobRecord, settings: Settings) -> ContainerPolicy:
    return ContainerPolicy(
        job_id=job.id,
        engine=select_container_runtime(settings.container_runtime),
        pull_policy=settings.container_pull_policy,
        user=settings.container_user,
        host_tools_allowed=settings.host_tools_allowed,
        network=settings.container_network,
        pull_locks=settings.data_dir.resolve() / "image-pulls",
    )
