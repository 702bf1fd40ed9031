"""`GET /health`: whether this deployment can run jobs now, for load balancers and operators."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from swath.api.dependencies import Context
from swath.api.schemas import HealthCheck, HealthReport, HealthWorker
from swath.services.health import check_health

router = APIRouter(tags=["Health"])


@router.get("/health", response_model=HealthReport, responses={503: {"model": HealthReport}})
def health(context: Context) -> JSONResponse:
    """200 when the database, the broker and the storage answer (and, with Celery workers, at least one reported
    recently); 503 otherwise. Each check says what it found; the workers seen recently are listed."""
    report = check_health(context)
    document = HealthReport(
        status="healthy" if report.healthy else "unhealthy",
        checks={check.name: HealthCheck(healthy=check.healthy, detail=check.detail) for check in report.checks},
        workers=[
            HealthWorker(
                id=worker.id,
                hostname=worker.hostname,
                queues=worker.queues,
                concurrency=worker.concurrency,
                started=worker.started,
                lastSeen=worker.last_seen,
            )
            for worker in report.workers
        ],
    )
    return JSONResponse(document.model_dump(mode="json"), status_code=200 if report.healthy else 503)
