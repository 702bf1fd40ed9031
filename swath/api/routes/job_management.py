"""Job management (OGC API - Processes - Part 4, draft): create a job at `/jobs`, possibly to wait (`Prefer:
status="created"`), change it while it waits, start it, and read its definition."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from swath.api.dependencies import Caller, Context, User
from swath.api.prefer import HELD_APPLIED, Preferences
from swath.api.render import JSON_TYPE, base_url, execute_document, job_url, process_url, status_info
from swath.api.routes.processes import execute_request
from swath.api.schemas import JobCreate, JobPatch, Link, StatusInfo
from swath.errors import InvalidInput
from swath.services import job_management, jobs
from swath.services.job_management import JobChanges
from swath.store.records import JSON, OutputRequest

router = APIRouter(tags=["Job management"])

_PROCESSES_PATH = "/processes/"


def _process_ref(request: Request, process: str) -> str:
    """The process reference that a `process` member names: a URI of one of this server's processes
    (`{base}/processes/{id}`), a path `/processes/{id}`, or the reference alone."""
    parts = urlsplit(process)
    if parts.scheme or parts.netloc:
        prefix = base_url(request) + _PROCESSES_PATH
        if not process.startswith(prefix):
            raise InvalidInput(f"Process '{process}' is not a process of this server; its URIs start with '{prefix}'.")
        path = process[len(prefix) :]
    elif process.startswith(_PROCESSES_PATH):
        path = process[len(_PROCESSES_PATH) :]
    else:
        path = process
    ref = unquote(path.split("?", 1)[0].rstrip("/"))
    if not ref or "/" in ref:
        raise InvalidInput(f"Process '{process}' names no process; give '{base_url(request)}/processes/{{id}}'.")
    return ref


@router.post(
    "/jobs",
    status_code=201,
    responses={201: {"description": "The job's status; its address in `Location`.", "model": StatusInfo}},
)
async def create_job(
    body: JobCreate,
    request: Request,
    context: Context,
    user: User,
    prefer: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Create a job of the process that `process` names, from an execute request.

    With `Prefer: status="created"` the job waits, `created`, to be changed (`PATCH`) and started (`POST
    /jobs/{jobId}/results`); otherwise it is queued at once. 201 with the job's status, its address in `Location`.
    """
    held = Preferences.parse(prefer).held
    process_ref = _process_ref(request, body.process)
    job = await asyncio.to_thread(
        job_management.submit_or_hold, context, process_ref, execute_request(body), user, held
    )
    headers = {"Location": job_url(request, job.id)}
    if held:
        headers["Preference-Applied"] = HELD_APPLIED
    document = status_info(request, job).model_dump(mode="json", exclude_none=True)
    return JSONResponse(document, status_code=201, headers=headers)


@router.patch("/jobs/{job_id}", response_model=StatusInfo, response_model_exclude_none=True)
def update_job(job_id: str, body: JobPatch, request: Request, context: Context, caller: Caller) -> StatusInfo:
    """Change a job that waits to be started: `inputs` are merged by id (`null` removes one), `outputs`,
    `response`, `collection` and `priority` replaced. 423 once the job has been started.

    A queued job (`accepted`) may still be given another `priority`, by an admin only (403 for anyone else).
    """
    outputs = None
    if body.outputs is not None:
        outputs = {name: OutputRequest(spec.transmissionMode, spec.format) for name, spec in body.outputs.items()}
    changes = JobChanges(
        inputs=body.inputs,
        outputs=outputs,
        response=body.response,
        collection=body.collection,
        priority=body.priority,
    )
    return status_info(request, job_management.update_job(context, job_id, caller, changes))


@router.post("/jobs/{job_id}/results", response_model=StatusInfo, response_model_exclude_none=True)
def start_job(job_id: str, request: Request, context: Context, caller: Caller) -> StatusInfo:
    """Start a job that waits (`created`): it is queued, and its status answers (200). 423 once it has started."""
    return status_info(request, job_management.start_job(context, job_id, caller))


@router.get("/jobs/{job_id}/definition")
def job_definition(job_id: str, request: Request, context: Context, caller: Caller) -> JSON:
    """What the job runs (jobDefinition.yaml): the process it runs as `entity` (by URI), its inputs and outputs."""
    job = jobs.get_job(context, job_id, caller)
    entity = process_url(request, job.process_id, job.process_version)
    links = [
        Link(href=f"{job_url(request, job_id)}/definition", rel="self", type=JSON_TYPE, title="Job definition"),
        Link(href=job_url(request, job_id), rel="status", type=JSON_TYPE, title="Job status"),
        Link(href=entity, rel="process", type=JSON_TYPE, title="Process"),
    ]
    return {
        "entity": entity,
        **execute_document(job),
        "response": job.response,
        "links": [link.model_dump(mode="json", exclude_none=True) for link in links],
    }
