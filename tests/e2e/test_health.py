"""`GET /health` of the embedded service: database, runners and storage, no workers to count."""

from __future__ import annotations

import httpx


def test_health_of_the_embedded_service_is_200_with_each_check(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "checks": {
            "database": {"healthy": True, "detail": "ok"},
            "runners": {"healthy": True, "detail": "ok"},
            "storage": {"healthy": True, "detail": "ok"},
            "containers": {
                "healthy": True,
                "detail": "SWATH_CONTAINER_RUNTIME is none: tools run on the host. Tools on the host: allowed.",
            },
            "disk": {"healthy": True, "detail": "ok"},
            "database-writes": {"healthy": True, "detail": "ok"},
        },
        "workers": [],
    }
