"""The Unity ADES-WPST paths: jobs reached through their process, as Unity notebooks and clients call them.

Same jobs as the OGC paths underneath; only the shapes differ. `POST /processes/{id}/jobs` always runs
asynchronously and answers 201 with the job's address under this process in `Location`, because Unity clients
take the job id from the end of that address.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from swath.api.dependencies import Context, JsonBody, User
from swath.api.render import process_url, status_info
from swath.api.results import job_results_document
from swath.api.routes.processes import execute_request
from swath.api.schemas import Execute, JobList, StatusInfo
from swath.layout import CATALOG_MEMBER
from swath.services import jobs, unity

router = APIRouter(tags=["Unity ADES-WPST"])


def _job_url(request: Request, process_id: str, job_id: str) -> str:
    return f"{process_url(request, process_id)}/jobs/{job_id}"


@router.get("/processes/{process_id}/jobs", response_model=JobList, response_model_exclude_none=True)
def list_process_jobs(process_id: str, request: Request, context: Context) -> JobList:
    """The jobs of a process, newest first (at most 1000). A bare name covers every version of the process."""
    found = unity.process_jobs(context, process_id)
    return JobList(jobs=[status_info(request, job) for job in found], links=[])


@router.post(
    "/processes/{process_id}/jobs",
    dependencies=[JsonBody],
    status_code=201,
    response_model=StatusInfo,
    response_model_exclude_none=True,
    responses={201: {"description": "The job was accepted; `Location` holds its address under this process."}},
)
async def submit_process_job(
    process_id: str, body: Execute, request: Request, context: Context, user: User
) -> JSONResponse:
    """Run a process as a new job, asynchronously (the Unity ADES-WPST execute).

    The body is an OGC execute request, or the Unity form: `inputs` as a list of `{"id", "data"}` and `outputs`
    as a list of `{"id", "transmissionMode"}`. A process id with a `job-` prefix that names no process means the
    process without it.
    """
    scope = await asyncio.to_thread(unity.resolve_process_scope, context, process_id)
    job = await asyncio.to_thread(jobs.submit_job, context, scope, execute_request(body), user)
    document = status_info(request, job).model_dump(mode="json", exclude_none=True)
    headers = {"Location": _job_url(request, process_id, job.id)}
    return JSONResponse(document, status_code=201, headers=headers)


@router.get("/processes/{process_id}/jobs/{job_id}", response_model=StatusInfo, response_model_exclude_none=True)
def get_process_job(process_id: str, job_id: str, request: Request, context: Context) -> StatusInfo:
    """A job's status (`jobID`, `status`, `message`, progress, timestamps); 404 when it ran another process."""
    return status_info(request, unity.process_job(context, process_id, job_id))


@router.delete("/processes/{process_id}/jobs/{job_id}")
def dismiss_process_job(process_id: str, job_id: str, request: Request, context: Context) -> dict[str, Any]:
    """Dismiss a queued or running job of this process; the answer holds its status under `statusInfo`."""
    job = unity.dismiss_process_job(context, process_id, job_id)
    return {"statusInfo": status_info(request, job).model_dump(mode="json", exclude_none=True)}


@router.get("/processes/{process_id}/jobs/{job_id}/result")
def get_process_job_result(process_id: str, job_id: str, context: Context) -> dict[str, Any]:
    """The results of a successful job: `outputs` as a list of `{"id", "data"}` or `{"id", "href", ...}`, and
    the job's STAC catalog under `stac_catalog`."""
    unity.process_job(context, process_id, job_id)
    document = job_results_document(context, job_id)
    catalog = document.pop(CATALOG_MEMBER, None)
    outputs = [_output_item(output_id, value) for output_id, value in document.items()]
    return {"outputs": outputs, CATALOG_MEMBER: catalog} if catalog else {"outputs": outputs}


def _output_item(output_id: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and isinstance(value.get("href"), str):
        return {"id": output_id, **value}
    return {"id": output_id, "data": value}
