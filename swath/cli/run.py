"""`swath run`: start a job of a deployed process, or of a local CWL file the way cwltool runs one.

`swath run word-count -i text=notes.txt --wait` runs a deployed process; `swath run app.cwl job.yml` deploys the
package (or reuses it when the same package is deployed, or replaces it when it changed), runs it with the CWL
job file's inputs and waits, then prints the CWL output object as cwltool does, with the output files downloaded
into `--outdir` (the current folder by default). File inputs may be local paths or URLs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from swath.cli import render
from swath.cli.common import JOB_FAILED, JsonOption, UrlOption, connected, print_json
from swath.client import Client, DuplicatedProcess, Job
from swath.client.cwlrunner import JobFailed, run_package
from swath.client.inputs import from_cwl_job, parse_assignment
from swath.process_ids import format_process_ref

_PACKAGE_SUFFIXES = (".cwl", ".yml", ".yaml", ".json")


def run(
    target: Annotated[str, typer.Argument(help="A process id, or a local CWL file to deploy and run.")],
    job_file: Annotated[
        Path | None, typer.Argument(help="A CWL job file (YAML/JSON) or an OGC execute request.", show_default=False)
    ] = None,
    inputs: Annotated[
        list[str] | None,
        typer.Option("--input", "-i", help="An input as name=value (value read as YAML: 3, true, [1, 2])."),
    ] = None,
    input_file: Annotated[Path | None, typer.Option(help="Inputs from a CWL job file or execute request.")] = None,
    wait: Annotated[
        bool | None, typer.Option("--wait/--no-wait", help="Wait for the end (default: only for a CWL file).")
    ] = None,
    collection: Annotated[str | None, typer.Option(help="File the outputs into this collection.")] = None,
    priority: Annotated[
        int | None, typer.Option(help="The job's priority, higher first (default: the process's).")
    ] = None,
    outdir: Annotated[
        Path, typer.Option(help="Where a CWL file's run puts its output files (as cwltool's --outdir).")
    ] = Path("."),
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Run a process as a job; with --wait, follow it to the end and print its results."""
    with connected(url) as client:
        is_package = Path(target).suffix in _PACKAGE_SUFFIXES and Path(target).is_file()
        process_id = deploy_or_reuse(client, Path(target)) if is_package else target
        cwl_job = _cwl_job(job_file) if is_package and not (json_output or inputs or input_file or wait) else None
        if cwl_job is not None and job_file is not None:
            _run_like_cwltool(client, target, process_id, cwl_job, job_file, outdir)
            return
        values, outputs = _read_inputs(job_file or input_file, inputs or [])
        job = client.execute(process_id, values, outputs=outputs, collection=collection, priority=priority)
        if not json_output:
            render.console.print(f"Job {job.id} of {job.process_id} accepted", markup=False, highlight=False)
        if not (wait if wait is not None else is_package):
            if json_output:
                print_json(job.document)
            return
        job.wait(show=None if not json_output else False)
        results = job.results() if job.status == "successful" else None
    _report(job, results, json_output)


def deploy_or_reuse(client: Client, package: Path) -> str:
    """The process id of `package`: deployed now, or already live with the same package (replaced if it changed)."""
    try:
        summary = client.deploy(package)
        return format_process_ref(str(summary["id"]), summary.get("version"))
    except DuplicatedProcess as error:
        # The server names the process and the version that hold the id in the error document's `processID`.
        if error.process_id is None:
            raise
        process_id = error.process_id
    if client.package(process_id) != package.read_bytes():
        client.replace(process_id, package)
    return process_id


def _cwl_job(path: Path | None) -> dict[str, Any] | None:
    """The CWL job file's content, or None when `path` is no CWL job (absent, or an OGC execute request)."""
    if path is None or not path.is_file():
        return None
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or isinstance(document.get("inputs"), dict | list):
        return None
    return document


def _run_like_cwltool(
    client: Client, target: str, process_id: str, job: dict[str, Any], job_file: Path, outdir: Path
) -> None:
    try:
        output = run_package(client, target, job, job_file.resolve().parent, outdir.resolve(), process_id=process_id)
    except JobFailed as error:
        render.console.print(f"Job failed: {error}", markup=False, highlight=False)
        raise typer.Exit(JOB_FAILED) from None
    print(json.dumps(output, indent=4, ensure_ascii=False))


def _read_inputs(path: Path | None, assignments: list[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    values: dict[str, Any] = {}
    outputs = None
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"Input file {path} does not exist.")
        document = yaml.safe_load(path.read_text(encoding="utf-8")) if path.suffix != ".json" else None
        document = json.loads(path.read_text(encoding="utf-8")) if document is None else document
        if not isinstance(document, dict):
            raise ValueError(f"Input file {path} does not hold a mapping of input names to values.")
        if isinstance(document.get("inputs"), dict | list):  # an OGC execute request
            values, outputs = dict(document["inputs"]), document.get("outputs")
        else:
            values = from_cwl_job(document, path.parent.resolve())
    for text in assignments:
        name, value = parse_assignment(text)
        values[name] = value
    return values, outputs


def _report(job: Job, results: dict[str, Any] | None, json_output: bool) -> None:
    if json_output:
        print_json({**job.document, "results": results} if results is not None else job.document)
    else:
        render.job_status(job)
        if results is not None:
            render.results_table(results, job.catalog_href())
    if job.status != "successful":
        raise typer.Exit(JOB_FAILED)
