"""Human output of the client commands: Rich tables and panels on stdout."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from swath.client import Job

console = Console()

_STATUS_STYLES = {"successful": "green", "failed": "red", "dismissed": "yellow", "running": "cyan"}


def status_text(status: str) -> str:
    style = _STATUS_STYLES.get(status, "")
    return f"[{style}]{status}[/{style}]" if style else status


def processes_table(processes: list[dict[str, Any]]) -> None:
    table = Table("id", "version", "title", title="Processes")
    for process in processes:
        table.add_row(Text(process["id"]), Text(process.get("version", "")), Text(process.get("title") or ""))
    console.print(table)


def process_description(process: dict[str, Any]) -> None:
    console.print(Text(f"{process['id']}  {process.get('title') or ''}", style="bold"))
    if process.get("description"):
        console.print(process["description"].strip(), markup=False)
    for kind in ("inputs", "outputs"):
        table = Table("id", "type", "title", title=kind.capitalize())
        for name, spec in (process.get(kind) or {}).items():
            table.add_row(Text(name), Text(_type_of(spec)), Text(spec.get("title") or ""))
        console.print(table)


def _type_of(spec: dict[str, Any]) -> str:
    if "x-cwl-class" in spec:
        return str(spec["x-cwl-class"])
    schema = spec.get("schema") or {}
    kind = str(schema.get("type", "any"))
    if kind == "array":
        kind = f"array of {(schema.get('items') or {}).get('type', 'any')}"
    return kind + ("" if spec.get("minOccurs", 1) else " (optional)")


def jobs_table(jobs: list[Job]) -> None:
    table = Table(title="Jobs")
    table.add_column("jobID", no_wrap=True, min_width=36)
    for name in ("process", "status", "progress", "queue", "created"):
        table.add_column(name, no_wrap=True)
    table.add_column("message", no_wrap=True, overflow="ellipsis")
    for job in jobs:
        document = job.document
        table.add_row(
            Text(job.id),
            Text(job.process_id or ""),
            status_text(job.status),
            "" if job.progress is None else f"{job.progress}%",
            Text(queue_place(job)),
            Text(str(document.get("created", ""))[:19]),
            Text(job.message or ""),
        )
    console.print(table)


def queue_place(job: Job) -> str:
    """Where a queued job stands and why it waits (`#3, user cap 4 reached`); empty for any other job."""
    if job.queue_position is None:
        return ""
    return f"#{job.queue_position}, {job.wait_reason}" if job.wait_reason else f"#{job.queue_position}"


def job_status(job: Job) -> None:
    document = job.document
    console.print(Text(f"Job {job.id} of {job.process_id}: ") + Text.from_markup(status_text(job.status)))
    for key in (
        "progress",
        "message",
        "attempt",
        "priority",
        "queuePosition",
        "waitReason",
        "created",
        "started",
        "finished",
    ):
        if document.get(key) is not None:
            console.print(f"  {key}: {document[key]}", markup=False, highlight=False)


def attempts_table(job_id: str, attempts: list[dict[str, Any]]) -> None:
    table = Table("attempt", "status", "reason", "exit code", "started", "finished", "runner", title=f"Job {job_id}")
    for attempt in attempts:
        cells = [attempt.get(name) for name in ("attempt", "status", "reason", "exitCode", "started", "finished")]
        table.add_row(*(Text("" if cell is None else str(cell)) for cell in [*cells, attempt.get("runner")]))
    console.print(table)


def results_table(results: dict[str, Any], catalog_href: str) -> None:
    table = Table("output", "value", title="Results", caption=f"STAC catalog: {catalog_href}")
    for name, value in results.items():
        if isinstance(value, dict) and "href" in value:
            table.add_row(Text(name), Text(str(value["href"])))
        else:
            table.add_row(Text(name), Text(str(value)))
    console.print(table)
