"""A job's attempts and re-runs (Swath's own resources beside OGC API - Processes Part 1's job)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from swath.api.dependencies import Caller, Context
from swath.api.render import attempt_list, job_url, status_info
from swath.api.schemas import AttemptList, StatusInfo
from swath.services import job_history

router = APIRouter(tags=["Jobs"])


@router.get("/jobs/{job_id}/attempts", response_model=AttemptList, response_model_exclude_none=True)
def list_attempts(job_id: str, request: Request, context: Context, caller: Caller) -> AttemptList:
    """Every run of the job, first first: its runner, start and end, status, and for one that failed the reason
    (`exitCode`, `outOfMemory`, `runnerLost`, `staging`, `timeLimit`, `input`, `diskFull`, `dismissed`, `error`),
    the tool's exit code, the message, and when the retry policy lets the next attempt start."""
    return attempt_list(request, job_id, job_history.list_attempts(context, job_id, caller))


@router.get("/jobs/{job_id}/attempts/{attempt}/logs", response_class=Response)
def attempt_log(job_id: str, attempt: int, context: Context, caller: Caller) -> Response:
    """The part of the job's log that one attempt wrote."""
    chunk = job_history.read_attempt_log(context, job_id, attempt, caller)
    return Response(chunk.data, media_type="text/plain; charset=utf-8")


@router.post(
    "/jobs/{job_id}/rerun",
    status_code=201,
    response_model=StatusInfo,
    responses={201: {"description": "The new job's status; its address in `Location`.", "model": StatusInfo}},
)
def rerun(job_id: str, request: Request, context: Context, caller: Caller) -> Response:
    """Run a job again as a new job of the caller: the same process version, inputs and execute options. The new
    job links to this one (`rel` `https://swath.dev/rel/rerun-of`), and this one to it (`.../rerun`). The caller
    must be able to see the job, and to read its inputs."""
    job = job_history.rerun_job(context, job_id, caller)
    document = status_info(request, job).model_dump(mode="json", exclude_none=True)
    return JSONResponse(document, status_code=201, headers={"Location": job_url(request, job.id)})
