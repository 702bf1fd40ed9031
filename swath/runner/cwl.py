"""Run one CWL document with cwltool's Python API, inside the job's work directory.

cwltool is configured, loads documents and has its errors described by `services/cwl_loading.py`, exactly as at
deploy; this module decides what a run does with them (a failure becomes `JobFailed`, the job's message).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import cwltool.process
from cwltool.executors import JobExecutor, MultithreadedJobExecutor, SingleJobExecutor
from cwltool.load_tool import load_tool
from cwltool.process import Process, relocateOutputs
from cwltool.workflow import Workflow

from swath.errors import FailureKind, JobFailed, SwathError
from swath.runner import containers
from swath.runner.containers import ContainerPolicy
from swath.runner.joblog import runner_logger
from swath.services.containers import choose_container_runtime, cwl_objects
from swath.services.cwl_loading import (
    CWL_RUN_ERRORS,
    describe_cwl_error,
    load_document,
    loading_context,
    runtime_context,
)
from swath.services.package_sources import read_package_source
from swath.store.records import JSON, ProcessRecord

ProgressCallback = Callable[[int, str | None], None]

NO_RUNTIME_NOTE = "No container runtime: DockerRequirement moved to hints; tools run on the host."
# cwltool's messages are long (schema-salad traces); a job's message keeps the start of one.
_MESSAGE_LIMIT = 400
# cwltool's record of a tool that exited with a non-zero code: (job name, exit code).
_EXITED = "[job %s] exited with status: %d"


@dataclass(frozen=True)
class LoadedTool:
    """A process revision's CWL as cwltool loaded it, ready to run."""

    tool: Process
    # Its DockerRequirements were moved to hints, because no container runtime is present.
    docker_moved: bool


# Loaded tools, by the folder their revision's document was written to (one per revision and data directory).
# Loading and validating a document was about half of a trivial job's own work (bench/, a profile of the job
# children), and a revision never changes: the supervisor loads each one once before it forks
# (`load_process_tool`), and every child forked afterwards inherits it.
_LOADED: dict[Path, LoadedTool] = {}


def select_container_runtime(setting: str) -> str | None:
    """The container engine jobs use ("docker" or "podman"), or None to run tools on the host.

    Probed once per process by running a container (`services/containers.py`); a supervisor that calls `warm_up`
    probes before it forks, and its children inherit the answer.
    """
    return choose_container_runtime(setting).engine


def warm_up(container_runtime: str) -> None:
    """Load cwltool's schemas and probe the container engine once, in the process that forks job children.

    A child forked afterwards inherits both and runs a small tool in tens of milliseconds instead of ~0.5 s.
    """
    select_container_runtime(container_runtime)
    tool: dict[str, Any] = {
        "cwlVersion": "v1.2",
        "class": "CommandLineTool",
        "id": "_:swath-warm-up",
        "baseCommand": "true",
        "inputs": {},
        "outputs": {},
    }
    logger = logging.getLogger("cwltool")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        load_tool(copy.deepcopy(tool), loading_context(None))
    finally:
        logger.setLevel(level)


def move_docker_requirements(document: JSON) -> tuple[JSON, bool]:
    """A copy of `document` with every DockerRequirement under `hints`, and whether any moved.

    Without a container engine a required DockerRequirement makes cwltool fail (exit 33); as a hint it lets the
    tool run on the host (DESIGN.md).
    """
    moved = False
    result = copy.deepcopy(document)
    for node in cwl_objects(result):
        requirements = _as_list(node.get("requirements"))
        docker = [entry for entry in requirements if entry.get("class") == "DockerRequirement"]
        if not docker:
            continue
        node["requirements"] = [entry for entry in requirements if entry.get("class") != "DockerRequirement"]
        node["hints"] = _as_list(node.get("hints")) + docker
        moved = True
    return result, moved


def _as_list(entries: Any) -> list[JSON]:
    """Requirements in either CWL form (a list, or a map keyed by class) as a list."""
    if entries is None:
        return []
    if isinstance(entries, dict):
        return [{"class": name, **(body or {})} for name, body in entries.items()]
    return [entry for entry in entries if isinstance(entry, dict)]


def load_process_tool(process: ProcessRecord, container_runtime: str, directory: Path) -> LoadedTool:
    """The revision's tool, loaded once per process from a copy of its document written under `directory`.

    Raises JobFailed when cwltool refuses the document.
    """
    folder = directory / f"process-{process.pk}"
    loaded = _LOADED.get(folder)
    if loaded is not None:
        return loaded
    if process.cwl is None:
        raise JobFailed(f"Process '{process.id}' has no CWL document to run.")
    engine = select_container_runtime(container_runtime)
    document, moved = (process.cwl, False) if engine is not None else move_docker_requirements(process.cwl)
    folder.mkdir(parents=True, exist_ok=True)
    path, entry_id = _write_document(document, _deployed_text(process) if not moved else None, process, folder)
    tool = load_document(
        path,
        entry_id,
        _job_failure,
        "The process's CWL document does not load",
        podman=engine == "podman",
        tool_factory=containers.make_tool,
    )
    loaded = _LOADED[folder] = LoadedTool(tool, moved)
    return loaded


def run_cwl(
    loaded: LoadedTool,
    job_order: JSON,
    *,
    work_dir: Path,
    log: BinaryIO,
    policy: ContainerPolicy,
    report_progress: ProgressCallback,
    check_outputs: Callable[[JSON], None] = lambda output: None,
    parallel_steps: int = 1,
) -> JSON:
    """Run the loaded process on `job_order` and return its CWL output object (files under work_dir).

    Progress runs from 0 to 100: for a Workflow, the share of its steps completed. `parallel_steps` above 1 runs
    a workflow's ready steps at once, with a budget of that many cores (cwltool's `--parallel` with a limit).
    `check_outputs` sees the output object where the tools left it, before cwltool moves it into
    `work_dir/outputs`: moving follows symbolic links and copies what they point to, so a link out of the job must
    be refused before that (stage-out).
    """
    if loaded.docker_moved:
        runner_logger().info(NO_RUNTIME_NOTE)
    tool = loaded.tool
    steps = (
        {step.id.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for step in tool.steps} if isinstance(tool, Workflow) else set()
    )
    watcher = _JobWatcher(steps, report_progress)
    logging.getLogger("cwltool").addHandler(watcher)
    # cwltool makes job names unique across the whole process ('wc', 'wc_2', ...) through a private global set.
    # A forked child starts with it empty; emptying it here gives an in-process run the same names, so that
    # messages say 'wc' and not 'wc_3'.
    cwltool.process._names.clear()
    runtime = runtime_context(work_dir, log, policy.engine)
    runtime.custom_net = policy.network or None
    containers.set_policy(runtime, policy)
    outdir, runtime.move_outputs = str(runtime.outdir), "leave"
    # cwltool would delete the tools' output folders right after its own relocation, which "leave" skips; they
    # go with the work directory instead.
    runtime.rm_tmpdir = False
    executor = _executor(parallel_steps)
    try:
        report_progress(0, "Running the application.")
        output, status = executor(tool, job_order, runtime)
        if status == "success" and output is not None:
            check_outputs(dict(output))
            # What cwltool does after a run when asked to move outputs (executors.py), now that they are checked.
            fs_access = runtime.make_fs_access("")
            output = relocateOutputs(
                output,
                outdir,
                executor.output_dirs,
                "move",
                fs_access,
                compute_checksum=False,
                path_mapper=runtime.path_mapper,
            )
    except CWL_RUN_ERRORS as error:
        raise watcher.job_failed(f"The CWL run failed: {_condense(error)}") from error
    finally:
        logging.getLogger("cwltool").removeHandler(watcher)
    if status != "success" or output is None:
        raise watcher.job_failed(f"The CWL run ended with status {status}; see the job log.")
    report_progress(100, "The application finished.")
    return dict(output)


def _executor(parallel_steps: int) -> JobExecutor:
    # cwltool's parallel executor counts a step's coresMin (1 by default) against the budget: at most
    # `parallel_steps` one-core steps run at once, and a step asking for more cores than the budget fails.
    return MultithreadedJobExecutor(parallel_steps) if parallel_steps > 1 else SingleJobExecutor()


def _deployed_text(process: ProcessRecord) -> str | None:
    """The CWL text as it was deployed, or None when the package only linked to it.

    cwltool reads this text itself, so that the package runs as deployed: a JSON copy of the parsed document
    would turn YAML's `1.23e5` into `123000.0`, and text outside the BMP into escapes that YAML reads as lone
    surrogates.
    """

    def no_fetch(href: str) -> bytes:
        # Not JobFailed: a linked package is no failure, it runs from the JSON copy kept at deploy.
        raise _LinkedPackage(href)

    try:
        return read_package_source(process.package, process.package_media_type, no_fetch)[1].text
    except (SwathError, ValueError, _LinkedPackage):
        return None


class _LinkedPackage(Exception):
    """The deployed body only linked to its CWL (an ogcapppkg executionUnit href)."""


def _write_document(
    document: JSON, text: str | None, process: ProcessRecord, folder: Path
) -> tuple[Path, str | None]:
    """Write the document (its deployed text when given) under folder; its path, and the entry to load for a $graph.

    A document without an `id` is written to a file named after the process's workflow id, because cwltool names
    a job after its tool's id, which is then the file's URI: messages say 'main', not 'process.cwl'.
    """
    workflow_id = process.workflow_id
    if "$graph" not in document and "id" not in document:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", workflow_id or "main")
    else:
        name = "process.cwl"
    path = folder / name
    # Several supervisors on one data directory (a Celery worker's pool processes) write the same revision's file:
    # written aside and renamed into place, a reader never sees it half written.
    partial = folder / f"{name}.{os.getpid()}.part"
    partial.write_text(text if text is not None else json.dumps(document, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
    return path, (workflow_id or "main").lstrip("#") if "$graph" in document else None


def _condense(error: BaseException) -> str:
    return describe_cwl_error(error, limit=_MESSAGE_LIMIT)


def _job_failure(message: str) -> JobFailed:
    return JobFailed(message if len(message) <= _MESSAGE_LIMIT else message[: _MESSAGE_LIMIT - 1] + "…")


class _JobWatcher(logging.Handler):
    """Reads cwltool's log records: step completions become progress, the first failure becomes the message.

    cwltool has no public progress hook; its log records carry the step name and status as arguments
    ("[%s] completed %s"), which is stable enough to count on and harmless if it changes (progress stalls).
    """

    def __init__(self, steps: set[str], report_progress: ProgressCallback) -> None:
        super().__init__(logging.INFO)
        self.steps = steps
        self.completed: set[str] = set()
        self.report_progress = report_progress
        self.failure: str | None = None
        # What a retry policy reads: the kind of the first failure, and the exit code of a tool that failed.
        self.kind = FailureKind.error
        self.exit_code: int | None = None

    def job_failed(self, otherwise: str) -> JobFailed:
        return JobFailed(self.failure or otherwise, self.kind, self.exit_code)

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg == "[%s] completed %s" and len(args) == 2:
            self._step_completed(str(args[0]))
        elif record.msg == containers.MEMORY_LIMIT_EXCEEDED and len(args) == 2:
            # The engine's kill first shows as a plain exit status (137); the reason is this record, which follows.
            self.failure = f"Tool '{args[0]}' exceeded its memory limit of {args[1]} MiB and was stopped."
            self.kind = FailureKind.out_of_memory
        elif self.failure is None and record.levelno >= logging.WARNING:
            self.failure = _failure_message(record.msg, args)
            if self.failure is not None and record.msg == _EXITED and isinstance(args[1], int):
                self.kind, self.exit_code = FailureKind.exit_code, args[1]
            if self.failure is None and record.levelno >= logging.ERROR:
                self.failure = f"The CWL run failed: {_condense(Exception(record.getMessage()))}; see the job log."

    def _step_completed(self, name: str) -> None:
        step = name.removeprefix("step ")
        if step not in self.steps or step in self.completed:
            return
        self.completed.add(step)
        percent = 100 * len(self.completed) // len(self.steps)
        self.report_progress(percent, f"Step '{step}' completed ({len(self.completed)}/{len(self.steps)}).")


def _failure_message(message: Any, args: tuple[Any, ...]) -> str | None:
    """The user-facing sentence for a cwltool failure record, or None if the record is not a failure."""
    if message == _EXITED:
        return f"Tool '{args[0]}' failed with exit code {args[1]}; see the job log."
    if message == "[job %s] was terminated by signal: %s":
        return f"Tool '{args[0]}' was terminated by signal {args[1]}; see the job log."
    if message == "[job %s] Job error:\n%s":
        return f"Tool '{args[0]}' failed: {_condense(Exception(args[1]))}"
    if message == containers.CANNOT_RUN_IN_CONTAINER:
        return f"Tool '{args[0]}' cannot run in its container: {args[1]}."
    if message == "'%s' not found: %s":
        return f"Command '{args[0]}' was not found on the host; see the job log."
    if message == "[%s] Output is missing expected field %s":
        return f"Step '{args[0]}' did not produce output '{args[1]}'; see the job log."
    return None
