"""A process's scheduling rules: its jobs' default priority and its caps on running and queued jobs (Swath's own;
swath.services.scheduling). Everyone who may see the process reads them; an admin sets them."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from swath.api.dependencies import Caller, Context
from swath.services import scheduling
from swath.store.records import ProcessScheduling

router = APIRouter(tags=["Scheduling"])

# A cap beyond any queue this service holds, and within every database's integer column.
_MOST_JOBS = 1_000_000_000


class SchedulingRules(BaseModel):
    """The rules of every version of a process id; a member left out or null leaves the server's default."""

    model_config = ConfigDict(extra="forbid")

    processID: str | None = None
    priority: int | None = None
    maxRunning: int | None = Field(
        default=None, ge=0, le=_MOST_JOBS, description="Jobs of the process running at once; 0: no cap."
    )
    maxQueued: int | None = Field(
        default=None, ge=0, le=_MOST_JOBS, description="Jobs of the process queued at once; 0: no cap."
    )


def _document(rules: ProcessScheduling) -> SchedulingRules:
    return SchedulingRules(
        processID=rules.process_id, priority=rules.priority, maxRunning=rules.max_running, maxQueued=rules.max_queued
    )


@router.get("/processes/{process_id}/scheduling", response_model=SchedulingRules)
def get_rules(process_id: str, context: Context, caller: Caller) -> SchedulingRules:
    """The process's scheduling rules: its jobs' default priority and its caps (null: the server's default)."""
    return _document(scheduling.get_process_rules(context, process_id, caller))


@router.put("/processes/{process_id}/scheduling", response_model=SchedulingRules)
def put_rules(process_id: str, body: SchedulingRules, context: Context, caller: Caller) -> SchedulingRules:
    """Set the process's scheduling rules, replacing the ones it had (admins only; 403 for anyone else). Jobs
    already queued keep their priority; the caps hold from the next job started or submitted on."""
    rules = ProcessScheduling(process_id, body.priority, body.maxRunning, body.maxQueued)
    return _document(scheduling.put_process_rules(context, process_id, rules, caller))
