"""`swath purge`: apply the retention rules now, or show what they would remove (`--dry-run`).

Run where the server's database and data directory are, with the same SWATH_* settings as `swath serve`; the
server's own sweeper applies the same rules every SWATH_RETENTION_INTERVAL seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from swath.cli.common import USAGE_ERROR, fail, print_json, server_settings
from swath.errors import SwathError
from swath.services.retention import PurgePlan, is_retention_on, purge_now


def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what the rules would remove now.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
) -> None:
    """Remove what the retention rules (SWATH_RETENTION_*) expire: finished jobs' files, job rows, uploads, work
    folders and cached objects."""
    settings = server_settings()
    if not is_retention_on(settings):
        typer.echo("No retention rule is set (SWATH_RETENTION_*): nothing expires.", err=True)
    try:
        done, cache = purge_now(settings, dry_run)
    except SwathError as error:
        fail(error.detail, USAGE_ERROR)
    if as_json:
        print_json(_document(done, dry_run))
        return
    lines = _lines(done, cache)
    typer.echo(f"{'Would remove' if dry_run else 'Removed'} {len(lines)} item(s).")
    for line in lines:
        typer.echo(f"  {line}")


def _lines(plan: PurgePlan, cache: Path) -> list[str]:
    lines = [
        f"job {item.job.id}: files ({item.job.status}, ended {item.job.finished:%Y-%m-%d %H:%M:%S}, "
        f"{item.job.stored_bytes} bytes of results) by {item.rule}"
        for item in plan.jobs
    ]
    lines += [f"job {job_id}: row (purged before retention_job_rows)" for job_id in plan.rows]
    lines += [f"upload {item.id}/{item.name} of {item.owner} ({item.size} bytes)" for item in plan.uploads]
    lines += [f"work folder {path.name}" for path in plan.work_dirs]
    lines += [f"cached {path.relative_to(cache)}" for path in plan.cache_files if path.is_relative_to(cache)]
    return lines


def _document(plan: PurgePlan, dry_run: bool) -> dict[str, object]:
    return {
        "dryRun": dry_run,
        "jobs": [
            {
                "jobID": item.job.id,
                "status": item.job.status.value,
                "finished": item.job.finished.isoformat(),
                "bytes": item.job.stored_bytes,
                "rule": item.rule,
            }
            for item in plan.jobs
        ],
        "rows": plan.rows,
        "uploads": [
            {"id": item.id, "name": item.name, "owner": item.owner, "size": item.size} for item in plan.uploads
        ],
        "workFolders": [path.name for path in plan.work_dirs],
        "cachedFiles": len(plan.cache_files),
    }
