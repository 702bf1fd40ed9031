"""The Unity ADES-WPST paths: jobs reached through their process, as Unity notebooks and clients call them.

Same jobs as the OGC paths underneath; only the shapes differ. `POST /processes/{id}/jobs` always runs
asynchronously and answers 201 with the job's address under this process in `Location`, because Unity clients
take the job id from the end of that address.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from swath.api.auth import get_authenticator
from swath.api.dependencies import Caller, Context, JsonBody, User
from swath.api.render import process_url, status_info
from swath.api.results import job_catalog_link, job_results_document
from swath.api.routes.processes import execute_request
from swath.api.schemas import Execute, JobList, StatusInfo
from swath.errors import InvalidParameterValue, Unauthorized
from swath.layout import CATALOG_MEMBER
from swath.process_ids import format_process_ref
from swath.services import unity
from swath.store.records import JobRecord

router = APIRouter(tags=["Unity ADES-WPST"])


def _job_url(request: Request, process_id: str, job_id: str) -> str:
    return f"{process_url(request, process_id)}/jobs/{job_id}"


def unity_status(request: Request, job: JobRecord) -> StatusInfo:
    """A status in the ADES-WPST convention: `processID` is `id:version`, beside `processVersion`."""
    document = status_info(request, job)
    return document.model_copy(update={"processID": format_process_ref(job.process_id, job.process_version)})


@router.get("/processes/{process_id}/jobs", response_model=JobList, response_model_exclude_none=True)
def list_process_jobs(process_id: str, request: Request, context: Context, caller: Caller) -> JobList:
    """The caller's jobs of a process, newest first (at most 1000). A bare name covers every version of it."""
    found = unity.process_jobs(context, process_id, caller)
    return JobList(jobs=[unity_status(request, job) for job in found], links=[])


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
    process without it. An output the process lacks is ignored and noted in the job's log.
    """
    scope = await asyncio.to_thread(unity.resolve_process_scope, context, process_id, user)
    job = await asyncio.to_thread(unity.submit_process_job, context, scope, execute_request(body), user)
    document = unity_status(request, job).model_dump(mode="json", exclude_none=True)
    headers = {"Location": _job_url(request, process_id, job.id)}
    return JSONResponse(document, status_code=201, headers=headers)


@router.get("/processes/{process_id}/jobs/{job_id}", response_model=StatusInfo, response_model_exclude_none=True)
def get_process_job(process_id: str, job_id: str, request: Request, context: Context, caller: Caller) -> StatusInfo:
    """A job's status (`jobID`, `status`, `message`, progress, timestamps); 404 when it ran another process."""
    return unity_status(request, unity.process_job(context, process_id, job_id, caller))


@router.delete("/processes/{process_id}/jobs/{job_id}")
def dismiss_process_job(
    process_id: str, job_id: str, request: Request, context: Context, caller: Caller
) -> dict[str, Any]:
    """Dismiss a queued or running job of this process; the answer holds its status under `statusInfo`."""
    job = unity.dismiss_process_job(context, process_id, job_id, caller)
    return {"statusInfo": unity_status(request, job).model_dump(mode="json", exclude_none=True)}


@router.get("/processes/{process_id}/jobs/{job_id}/result")
def get_process_job_result(
    process_id: str, job_id: str, request: Request, context: Context, caller: Caller
) -> dict[str, Any]:
    """The results of a successful job: `outputs` as a list of `{"id", "data"}` or `{"id", "href", ...}`, and
    the job's STAC catalog under `stac_catalog`."""
    unity.process_job(context, process_id, job_id, caller)
    document = job_results_document(request, context, job_id, caller)
    catalog = job_catalog_link(request, context, job_id, caller)
    outputs = [_output_item(output_id, value) for output_id, value in document.items()]
    return {"outputs": outputs, CATALOG_MEMBER: catalog} if catalog else {"outputs": outputs}


def _output_item(output_id: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and isinstance(value.get("href"), str):
        return {"id": output_id, **value}
    return {"id": output_id, "data": value}


# How long unity-sds-client keeps an access token from the sign-in below before it signs in again.
SIGN_IN_LIFETIME = 3600


@router.post("/unity/initiate-auth")
async def initiate_auth(request: Request) -> dict[str, Any]:
    """Cognito's `InitiateAuth` (`USER_PASSWORD_AUTH`) for Swath's own token users, so that unity-sds-client
    signs in unchanged (its `auth_endpoint` set to this address): `USERNAME` is the user a Swath API token was
    made for and `PASSWORD` that token, which comes back as the access token. With authentication off any
    password comes back, as every request then acts as the local admin. The body is JSON whatever its type says
    (Cognito's clients send `application/x-amz-json-1.1`)."""
    try:
        body = json.loads(await request.body())
    except ValueError as error:
        raise InvalidParameterValue("The body must be a JSON InitiateAuth request.") from error
    if not isinstance(body, dict) or body.get("AuthFlow") != "USER_PASSWORD_AUTH":
        raise InvalidParameterValue("Only the AuthFlow USER_PASSWORD_AUTH is offered.")
    parameters = body.get("AuthParameters")
    user = parameters.get("USERNAME") if isinstance(parameters, dict) else None
    password = parameters.get("PASSWORD") if isinstance(parameters, dict) else None
    if not isinstance(user, str) or not isinstance(password, str) or not password:
        raise InvalidParameterValue("AuthParameters needs a USERNAME and a PASSWORD (a Swath API token).")
    if request.app.state.auth_on:
        authenticator = get_authenticator(request)
        identity = await asyncio.to_thread(authenticator.verify, password)
        if identity.user != user:
            raise Unauthorized("Incorrect username or password.")
    return {
        "AuthenticationResult": {"AccessToken": password, "ExpiresIn": SIGN_IN_LIFETIME, "TokenType": "Bearer"},
        "ChallengeParameters": {},
    }
