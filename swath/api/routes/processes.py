"""Processes: list, describe, execute (Part 1) and deploy, replace, undeploy, package (Part 2)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from swath.api.dependencies import Caller, Context, Deployer, JsonBody, User
from swath.api.html import render_html, wants_html
from swath.api.prefer import HELD_APPLIED, Preferences
from swath.api.render import JSON_TYPE, job_url, process_document, process_summary, process_url, status_info
from swath.api.results import results_response
from swath.api.schemas import Execute, Link, Process, ProcessList, ProcessSummary, StatusInfo
from swath.errors import InvalidInput
from swath.ogc import Preference, ResponseType
from swath.services import job_management, jobs, processes
from swath.services.containers import container_use
from swath.services.identity import parse_principals
from swath.services.inputs import inputs_from_request
from swath.services.jobs import ExecuteRequest
from swath.services.retries import retry_policy
from swath.services.reuse import reuse_description
from swath.store.records import OutputRequest, Subscriber

router = APIRouter(tags=["Processes"])

_CWL_TYPES = ["application/cwl+yaml", "application/cwl+json", "application/cwl", "application/ogcapppkg+json"]
_DEPLOY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A CWL application package, or an OGC application package (ogcapppkg) holding one.",
        "content": {media_type: {"schema": {"type": "object"}} for media_type in _CWL_TYPES},
    }
}
WorkflowParam = Annotated[
    str | None, Query(alias="w", description="Which workflow of a CWL `$graph` to deploy (default: `main`).")
]
VisibleToParam = Annotated[
    str | None,
    Query(
        alias="visibleTo",
        description="Restrict the process to these users and `group:<name>`s (comma-separated), besides its "
        "deployer and admins; others find no such process. Omitted: every user (a replace keeps what was set).",
    ),
]


@router.get("/processes", response_model=ProcessList, response_model_exclude_none=True)
def list_processes(
    request: Request,
    context: Context,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[str | None, Query(description="Continue after this process id (from a `next` link).")] = None,
) -> ProcessList | Response:
    """The deployed processes, ordered by id, `limit` at a time with a `next` link while more follow."""
    page = processes.list_processes(context, caller, limit + 1, after)
    links = [Link(href=str(request.url), rel="self", type=JSON_TYPE)]
    if len(page) > limit:
        page = page[:limit]
        next_url = request.url.include_query_params(after=page[-1].id, limit=limit)
        links.append(Link(href=str(next_url), rel="next", type=JSON_TYPE, title="Next page"))
    document = ProcessList(processes=[process_summary(request, process) for process in page], links=links)
    if wants_html(request):
        return render_html(request, "processes.html", processes=document)
    return document


@router.get("/deploy", include_in_schema=False)
def deploy_page(request: Request) -> Response:
    """The page that deploys a CWL package from the browser: it posts to `POST /processes` like any client."""
    return render_html(request, "deploy.html", html_only=True)  # a form, with no JSON form of its own


@router.post(
    "/processes",
    status_code=201,
    response_model=ProcessSummary,
    response_model_exclude_none=True,
    openapi_extra=_DEPLOY_BODY,
    tags=["Deploy, Replace, Undeploy"],
)
async def deploy(
    request: Request,
    context: Context,
    user: Deployer,
    w: WorkflowParam = None,
    visible_to: VisibleToParam = None,
    content_type: Annotated[str, Header()] = "",
) -> JSONResponse:
    """Deploy a CWL application package as a new process (OGC API - Processes Part 2)."""
    body = await request.body()
    process = await asyncio.to_thread(
        processes.deploy_process,
        context,
        body,
        content_type,
        user,
        w,
        visible_to=parse_principals(visible_to or ""),
    )
    summary = process_summary(request, process)
    return JSONResponse(
        summary.model_dump(mode="json", exclude_none=True),
        status_code=201,
        headers={"Location": process_url(request, process.id, process.version)},
    )


@router.get("/processes/{process_id}", response_model=Process, response_model_exclude_none=True)
def describe(process_id: str, request: Request, context: Context, caller: Caller) -> Process | Response:
    """The full description of a process: its inputs and outputs with their JSON schemas.

    `id` is the newest deployed version of the process, `id:version` the version named.
    """
    process = processes.get_process(context, process_id, caller)
    document = process_document(
        request,
        process,
        container_use(process.cwl, context.settings),
        retry_policy(process, context.settings),
        reuse_description(process),
    )
    if wants_html(request):
        return render_html(request, "process.html", process=document)
    return document


@router.get("/processes/{process_id}/versions", response_model=ProcessList, response_model_exclude_none=True)
def list_versions(process_id: str, request: Request, context: Context, caller: Caller) -> ProcessList:
    """Every deployed version of a process, newest first; each summary's links reach that version."""
    found = processes.list_versions(context, process_id, caller)
    links = [Link(href=str(request.url), rel="self", type=JSON_TYPE)]
    return ProcessList(processes=[process_summary(request, process) for process in found], links=links)


@router.put("/processes/{process_id}", status_code=204, openapi_extra=_DEPLOY_BODY, tags=["Deploy, Replace, Undeploy"])
async def replace(
    process_id: str,
    request: Request,
    context: Context,
    user: Deployer,
    w: WorkflowParam = None,
    visible_to: VisibleToParam = None,
    content_type: Annotated[str, Header()] = "",
) -> Response:
    """Replace a process with a new package; jobs already created keep the version they started with."""
    body = await request.body()
    process = await asyncio.to_thread(
        processes.replace_process,
        context,
        process_id,
        body,
        content_type,
        user,
        w,
        visible_to=None if visible_to is None else parse_principals(visible_to),
    )
    return Response(status_code=204, headers={"Location": process_url(request, process.id, process.version)})


@router.delete("/processes/{process_id}", status_code=204, tags=["Deploy, Replace, Undeploy"])
def undeploy(process_id: str, context: Context, user: Deployer) -> Response:
    """Undeploy a process. Its jobs, their logs and their results stay readable."""
    processes.undeploy_process(context, process_id, user)
    return Response(status_code=204)


@router.get("/processes/{process_id}/package", tags=["Deploy, Replace, Undeploy"])
def package(process_id: str, context: Context, caller: Caller) -> Response:
    """The application package exactly as it was deployed."""
    process = processes.get_process(context, process_id, caller)
    return Response(process.package, media_type=process.package_media_type)


def execute_request(body: Execute) -> ExecuteRequest:
    """The execute body in its one canonical form; the Unity execute path shares it."""
    if isinstance(body.outputs, list):
        outputs: dict[str, OutputRequest] = {}
        for position, spec in enumerate(body.outputs):
            if not spec.id:
                raise InvalidInput(f"Output number {position + 1} of the list has no 'id'.")
            outputs[spec.id] = OutputRequest(spec.transmissionMode, spec.format)
    else:
        outputs = {name: OutputRequest(spec.transmissionMode, spec.format) for name, spec in body.outputs.items()}
    return ExecuteRequest(
        inputs=inputs_from_request(body.inputs),
        outputs=outputs,
        response=body.response,
        collection=body.collection,
        resources=body.resources,
        subscriber=_subscriber(body.subscriber),
        priority=body.priority,
    )


def _subscriber(member: dict[str, Any] | None) -> Subscriber | None:
    """subscriber.yaml: each of `successUri`, `inProgressUri`, `failedUri` a URI string, or absent (null too)."""
    if not member:
        return None
    uris: dict[str, str | None] = {}
    for name in ("successUri", "inProgressUri", "failedUri"):
        value = member.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"subscriber.{name} must be a URI string, not {type(value).__name__}.")
        uris[name] = value or None
    return Subscriber(uris["successUri"], uris["inProgressUri"], uris["failedUri"])


@router.post(
    "/processes/{process_id}/execution",
    dependencies=[JsonBody],
    responses={
        200: {"description": "Synchronous execution: the results."},
        201: {"description": "Asynchronous execution: the job's status.", "model": StatusInfo},
    },
)
async def execute(
    process_id: str,
    body: Execute,
    request: Request,
    context: Context,
    user: User,
    prefer: Annotated[str | None, Header()] = None,
) -> Response:
    """Run a process as a new job.

    Asynchronous when asked (`Prefer: respond-async`) or when the process only allows it: 201 with the job's
    status and its address in `Location`. Otherwise synchronous: 200 with the results once the job ends, waiting
    at most `Prefer: wait=N` seconds; past that the answer is the asynchronous one, with `Preference-Applied`.
    With `Prefer: status="created"` (Part 4) the job waits, `created`, to be changed and started at `/jobs/{id}`.
    """
    preferences = Preferences.parse(prefer)
    request_form = dataclasses.replace(execute_request(body), reuse=preferences.reuse)
    if preferences.held:
        held = await asyncio.to_thread(job_management.submit_or_hold, context, process_id, request_form, user, True)
        document = status_info(request, held).model_dump(mode="json", exclude_none=True)
        headers = {"Location": job_url(request, held.id), "Preference-Applied": HELD_APPLIED}
        return JSONResponse(document, status_code=201, headers=headers)
    respond_async = preferences.respond_async
    job, wait_for = await asyncio.to_thread(
        jobs.execute, context, process_id, request_form, user, respond_async, body.mode, preferences.wait
    )
    if wait_for is not None:
        job = await jobs.wait_for_job(context, job.id, wait_for)
        if job.status.is_final:
            return await asyncio.to_thread(
                results_response, request, context, job.id, user, body.response == ResponseType.raw
            )
    headers = {"Location": job_url(request, job.id)}
    if respond_async or wait_for is not None:
        headers["Preference-Applied"] = Preference.respond_async
    document = status_info(request, job).model_dump(mode="json", exclude_none=True)
    return JSONResponse(document, status_code=201, headers=headers)
