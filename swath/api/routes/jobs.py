"""Jobs: list, status, dismiss, results, logs and output files (OGC API - Processes Part 1)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from swath.api.dependencies import Caller, Context
from swath.api.html import OutputListing, job_filter_form, log_tail, output_listing, render_html, wants_html
from swath.api.render import JSON_TYPE, execute_document, status_info
from swath.api.results import (
    job_catalog_link,
    job_results_document,
    output_response,
    results_response,
    signed_stac_response,
)
from swath.api.schemas import JobList, Link, StatusInfo
from swath.errors import InvalidParameterValue
from swath.process_ids import parse_process_ref
from swath.services import callbacks, job_history, jobs, processes
from swath.storage.local import guess_media_type
from swath.store.jobs import JobCursor, JobFilter
from swath.store.records import JobRecord, JobStatus

router = APIRouter(tags=["Jobs"])


def _encode_cursor(job: JobRecord) -> str:
    return base64.urlsafe_b64encode(f"{job.created.isoformat()}|{job.id}".encode()).decode().rstrip("=")


def _decode_cursor(token: str, name: str) -> JobCursor:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created, job_id = text.split("|", 1)
        return JobCursor(datetime.fromisoformat(created), job_id)
    except ValueError as error:
        raise InvalidParameterValue(f"Paging token {name}='{token}' is not one this server issued.") from error


def _filter(
    process_ids: list[str],
    statuses: list[str],
    datetime_text: str | None,
    min_duration: float | None,
    max_duration: float | None,
) -> JobFilter:
    allowed = [status.value for status in JobStatus]
    for status in statuses:
        if status not in allowed:
            raise InvalidParameterValue(f"status '{status}' is not a job status; allowed: {', '.join(allowed)}.")
    start, end = jobs.parse_datetime_filter(datetime_text) if datetime_text else (None, None)
    return JobFilter(
        # Each value is `id` (every version) or `id:version`; a comma-separated list (form style) is read too.
        processes=[parse_process_ref(ref) for value in process_ids for ref in value.split(",") if ref],
        statuses=[JobStatus(status) for status in statuses],
        created_after=start,
        created_before=end,
        min_duration=min_duration,
        max_duration=max_duration,
    )


@router.get("/jobs", response_model=JobList, response_model_exclude_none=True)
def list_jobs(
    request: Request,
    context: Context,
    caller: Caller,
    process_id: Annotated[list[str], Query(alias="processID")] = [],  # noqa: B006 (FastAPI copies defaults)
    status: Annotated[list[str], Query()] = [],  # noqa: B006
    type: Annotated[list[str], Query()] = [],  # noqa: B006 (the OGC parameter name)
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,
    min_duration: Annotated[float | None, Query(alias="minDuration", ge=0)] = None,
    max_duration: Annotated[float | None, Query(alias="maxDuration", ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    after: Annotated[str | None, Query(description="Page token from a `next` link.")] = None,
    before: Annotated[str | None, Query(description="Page token from a `prev` link.")] = None,
) -> JobList | Response:
    """The caller's jobs (an admin's: everyone's), newest first, filtered by process, status, creation time and
    duration; `limit` per page."""
    # An HTML form sends a field left empty as `name=`: that filters nothing.
    process_id = [value for value in process_id if value]
    status = [value for value in status if value]
    where = _filter(process_id, status, datetime_ or None, min_duration, max_duration)
    page: list[JobRecord] = []
    if not type or "process" in type:
        page = jobs.list_jobs(
            context,
            where,
            limit + 1,
            caller,
            _decode_cursor(after, "after") if after else None,
            _decode_cursor(before, "before") if before else None,
        )
    # One extra row tells whether another page follows in the direction walked.
    more = len(page) > limit
    if more:
        page = page[1:] if before else page[:limit]
    has_older, has_newer = (True, more) if before else (more, after is not None)
    links = [Link(href=str(request.url), rel="self", type=JSON_TYPE)]
    url = request.url.remove_query_params(["after", "before"])
    if page and has_older:
        older = url.include_query_params(after=_encode_cursor(page[-1]))
        links.append(Link(href=str(older), rel="next", type=JSON_TYPE, title="Older jobs"))
    if page and has_newer:
        newer = url.include_query_params(before=_encode_cursor(page[0]))
        links.append(Link(href=str(newer), rel="prev", type=JSON_TYPE, title="Newer jobs"))
    document = JobList(jobs=[status_info(request, job) for job in page], links=links)
    if wants_html(request):
        return render_html(
            request,
            "jobs.html",
            jobs=document,
            filters=job_filter_form(where, datetime_, limit),
            process_ids=[process.id for process in processes.list_processes(context, caller, 1000)],
        )
    return document


@router.get("/jobs/{job_id}", response_model=StatusInfo, response_model_exclude_none=True)
def get_status(job_id: str, request: Request, context: Context, caller: Caller) -> StatusInfo | Response:
    """A job's status, progress (0-100; the share of workflow steps done), timestamps and links; while it is
    queued, its place in the queue (`queuePosition`, 1: next) and why it waits (`waitReason`)."""
    job = jobs.get_job_status(context, job_id, caller)
    document = status_info(request, job, job_history.list_reruns(context, job_id))
    if wants_html(request):
        return render_html(
            request,
            "job.html",
            job=document,
            inputs=job.inputs,
            log=log_tail(context, job_id, caller),
            outputs=output_listing(context, job_id, caller)
            if job.status is JobStatus.successful
            else OutputListing([], None),
            map_tiles_url=context.settings.map_tiles_url,
            map_tiles_attribution=context.settings.map_tiles_attribution,
        )
    return document


@router.get("/jobs/{job_id}/inputs")
def job_inputs(job_id: str, context: Context, caller: Caller) -> dict[str, Any]:
    """The inputs and outputs a job was started with, as an execute request: post it again to re-run the job
    (OGC API - Processes Part 4, job inputs). File inputs are the links the job read, after their checks."""
    return execute_document(jobs.get_job(context, job_id, caller))


@router.get("/jobs/{job_id}/callbacks")
def job_callbacks(job_id: str, context: Context, caller: Caller) -> dict[str, Any]:
    """Every attempt to deliver the job's callbacks (its `subscriber`), in order: the event, the URI, the attempt
    number, when, and the receiver's status code or why there was none."""
    jobs.get_job(context, job_id, caller)
    deliveries = [
        {
            "event": delivery.event,
            "uri": delivery.uri,
            "attempt": delivery.attempt,
            "at": delivery.at.isoformat(),
            "statusCode": delivery.status_code,
            "error": delivery.error,
        }
        for delivery in callbacks.list_deliveries(context, job_id)
    ]
    return {"jobID": job_id, "deliveries": deliveries}


@router.delete("/jobs/{job_id}", response_model=StatusInfo, response_model_exclude_none=True)
def dismiss(job_id: str, request: Request, context: Context, caller: Caller) -> StatusInfo:
    """Dismiss a job: a queued job never starts; a running job and every process it started are stopped.

    Outputs already stored stay. A finished job cannot be dismissed (409).
    """
    return status_info(request, jobs.dismiss_job(context, job_id, caller))


@router.get("/jobs/{job_id}/results")
def results(job_id: str, request: Request, context: Context, caller: Caller) -> Response:
    """The results of a successful job: each output by value or by reference. The STAC catalog of its files is
    no output: it is linked from the `Link` header (`rel="catalog"`) and from the job's status `links`.

    With authentication on, file hrefs are signed URLs: they open without an Authorization header until they
    expire (`SWATH_AUTH_SIGNED_URL_EXPIRY`)."""
    if wants_html(request):
        document = job_results_document(request, context, job_id, caller)
        catalog = job_catalog_link(request, context, job_id, caller)
        return render_html(request, "results.html", job_id=job_id, results=document, catalog=catalog)
    return results_response(request, context, job_id, caller)


@router.get("/jobs/{job_id}/results/{output_id}")
def output(job_id: str, output_id: str, context: Context, caller: Caller) -> Response:
    """One output as the whole response: a literal value, or the file itself."""
    return output_response(context, job_id, output_id, caller)


@router.get("/jobs/{job_id}/logs", response_class=Response)
def logs(
    job_id: str,
    context: Context,
    caller: Caller,
    since: Annotated[
        int | None,
        Query(ge=0, description="Byte offset to read from, to follow a growing log; absent: the current attempt."),
    ] = None,
) -> Response:
    """The job's log: runner messages, cwltool's log and the tools' output, of its current attempt (earlier ones at
    `/jobs/{jobId}/attempts/{n}/logs`, or with `since=0`). `X-Log-Offset` is where to go on."""
    if since is None:
        since = job_history.current_log_start(context, jobs.get_job(context, job_id, caller))
    chunk = jobs.read_log(context, job_id, caller, since)
    return Response(
        chunk.data, media_type="text/plain; charset=utf-8", headers={"X-Log-Offset": str(chunk.next_offset)}
    )


@router.get("/jobs/{job_id}/outputs/{path:path}", response_class=FileResponse)
def output_file(job_id: str, path: str, request: Request, context: Context, caller: Caller) -> Response:
    """A file the job produced, with range requests for large files (or a redirect to a presigned S3 URL).

    With authentication on, a STAC catalog or item is served with its links to the job's files signed."""
    stac = signed_stac_response(request, context, job_id, path, caller)
    if stac is not None:
        return stac
    url = jobs.output_download_url(context, job_id, path, caller)
    if url is not None:
        return RedirectResponse(url, status_code=307)
    file = jobs.output_file(context, job_id, path, caller)
    return FileResponse(file, media_type=guess_media_type(file.name))
