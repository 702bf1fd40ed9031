"""The service on PostgreSQL: the same jobs, statuses and listing as on SQLite, through a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, fresh_postgresql_database, make_server
from tests.e2e.helpers import ensure_deployed, submit, wait_for_status

pytestmark = pytest.mark.postgresql


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_postgresql_database() as url:
        yield url


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("pg"), database_url=database_url).start()
    yield running
    running.stop()


def test_jobs_run_and_list_on_postgresql(client: httpx.Client) -> None:
    process = ensure_deployed(client, "greet")
    job_ids = [submit(client, process, {"inputs": {"name": f"p{index}"}}) for index in range(4)]
    for job_id in job_ids:
        assert wait_for_status(client, job_id)["status"] == "successful"
    listed = client.get("/jobs", params={"processID": process, "limit": 2}).json()
    assert [job["jobID"] for job in listed["jobs"]] == job_ids[::-1][:2]
    older = client.get(next(link["href"] for link in listed["links"] if link["rel"] == "next")).json()
    assert [job["jobID"] for job in older["jobs"]] == job_ids[::-1][2:]
    assert client.get("/jobs", params={"maxDuration": 3600, "processID": process}).json()["jobs"]


def test_a_duplicate_deploy_is_a_conflict_on_postgresql(client: httpx.Client) -> None:
    ensure_deployed(client, "greet")
    body = (Path(__file__).resolve().parents[1] / "data" / "e2e" / "greet.cwl").read_bytes()
    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})
    assert response.status_code == 409


def test_dismiss_works_on_postgresql(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 30}})
    wait_for_status(client, job_id, {"running"})
    assert client.delete(f"/jobs/{job_id}").json()["status"] == "dismissed"
    assert client.get(f"/jobs/{job_id}").json()["status"] == "dismissed"
