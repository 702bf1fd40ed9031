"""`swath job ...`: list jobs, read a job's status, attempts, logs and results, re-run or dismiss it."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Annotated

import typer

from swath.cli import render
from swath.cli.common import JsonOption, UrlOption, connected, print_json

app = typer.Typer(help="Jobs: list, status, attempts, logs, results, rerun, dismiss, priority.", no_args_is_help=True)

JobId = Annotated[str, typer.Argument(help="The job's id.")]


@app.command("list")
def list_jobs(
    process: Annotated[str | None, typer.Option(help="Only jobs of this process.")] = None,
    status: Annotated[str | None, typer.Option(help="Only jobs in this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 20,
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Jobs, newest first."""
    with connected(url) as client:
        jobs = list(itertools.islice(client.jobs(process=process, status=status), limit))
    if json_output:
        print_json([job.document for job in jobs])
    else:
        render.jobs_table(jobs)


@app.command("status")
def job_status(job_id: JobId, url: UrlOption = None, json_output: JsonOption = False) -> None:
    """A job's status, progress and timestamps."""
    with connected(url) as client:
        job = client.job(job_id)
    if json_output:
        print_json(job.document)
    else:
        render.job_status(job)


@app.command()
def logs(
    job_id: JobId,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the job ends.")] = False,
    url: UrlOption = None,
) -> None:
    """A job's log: runner messages, cwltool's log and the tools' output."""
    with connected(url) as client:
        job = client.job(job_id)
        chunks = job.logs(follow=True) if follow else [job.logs()]
        for chunk in chunks:
            sys.stdout.write(chunk)
            sys.stdout.flush()


@app.command()
def results(
    job_id: JobId,
    download: Annotated[Path | None, typer.Option(help="Also save the output files and STAC catalog here.")] = None,
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """A successful job's results: values, links to files, and its STAC catalog."""
    with connected(url) as client:
        job = client.job(job_id)
        document = job.results()
        catalog_href = job.catalog_href()
        saved = job.download(download) if download else []
    if json_output:
        print_json({**document, "downloaded": [str(path) for path in saved]} if download else document)
        return
    render.results_table(document, catalog_href)
    for path in saved:
        render.console.print(f"saved {path}", markup=False, highlight=False)


@app.command()
def rerun(job_id: JobId, url: UrlOption = None, json_output: JsonOption = False) -> None:
    """Run a job again as a new job: the same process version, inputs and options."""
    with connected(url) as client:
        job = client.rerun(job_id)
    if json_output:
        print_json(job.document)
    else:
        render.job_status(job)


@app.command()
def attempts(job_id: JobId, url: UrlOption = None, json_output: JsonOption = False) -> None:
    """Every attempt at running a job: how each ended, why, and its runner."""
    with connected(url) as client:
        found = client.job(job_id).attempts()
    if json_output:
        print_json(found)
    else:
        render.attempts_table(job_id, found)


@app.command()
def dismiss(job_id: JobId, url: UrlOption = None, json_output: JsonOption = False) -> None:
    """Dismiss a queued or running job."""
    with connected(url) as client:
        job = client.job(job_id).dismiss()
    if json_output:
        print_json(job.document)
    else:
        render.job_status(job)


@app.command()
def priority(
    job_id: JobId,
    value: Annotated[int, typer.Argument(help="The new priority; higher runs first.")],
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Give a waiting job another priority (an admin's, once the job is queued)."""
    with connected(url) as client:
        job = client.job(job_id).set_priority(value)
    if json_output:
        print_json(job.document)
    else:
        render.job_status(job)
