"""`GET /health`: whether this deployment can run jobs now, for load balancers and operators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from swath.api.dependencies import Context
from swath.services.health import check_health

router = APIRouter(tags=["Health"])


@router.get("/health", response_class=JSONResponse)
def health(context: Context) -> JSONResponse:
    """200 when the database, the broker and the storage answer (and, with Celery workers, at least one was seen
    recently); 503 otherwise. Each check says what it found; the workers seen recently are listed."""
    report = check_health(context)
    document: dict[str, Any] = {
        "status": "healthy" if report.healthy else "unhealthy",
        "checks": {check.name: {"healthy": check.healthy, "detail": check.detail} for check in report.checks},
        "workers": [
            {
                "id": worker.id,
                "hostname": worker.hostname,
                "queues": worker.queues,
                "concurrency": worker.concurrency,
                "started": worker.started.isoformat(),
                "lastSeen": worker.last_seen.isoformat(),
            }
            for worker in report.workers
        ],
    }
    return JSONResponse(document, status_code=200 if report.healthy else 503)
