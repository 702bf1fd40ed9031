"""Real OGC API - Processes clients from PyPI against a real server: OWSLib and EOEPCA's `ogc-api-processes-client`.

Each deploys a package whose id is X, finds X in the process list, describes X, runs it, reads the status and the
results, and lists the jobs of X: what it deployed is what it sees, under the same id, everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from owslib.ogcapi.processes import Processes

from tests.conftest import DATA, Server, wait_until
from tests.isolated_clients import client_python, run_driver

DRIVERS = Path(__file__).parent / "drivers"
GREET = (DATA / "e2e" / "greet.cwl").read_text()


def deploy_as(client: httpx.Client, process_id: str) -> None:
    """Deploy tests/data/e2e/greet.cwl under the package id `process_id` (neither client has a deploy call)."""
    package = GREET.replace("id: greet", f"id: {process_id}")
    response = client.post("/processes", content=package, headers={"Content-Type": "application/cwl+yaml"})
    assert response.status_code == 201, response.text
    assert response.json()["id"] == process_id


def wait_for_success(read_status: Callable[[], str]) -> None:
    def finished() -> str | None:
        status = read_status()
        return status if status in {"successful", "failed", "dismissed"} else None

    assert wait_until(finished, timeout=90, message="the job to finish") == "successful"


def test_owslib_deploys_finds_describes_runs_and_lists_the_jobs_of_the_same_id(
    server: Server, client: httpx.Client
) -> None:
    deploy_as(client, "interop-owslib")
    owslib = Processes(server.url)
    assert "interop-owslib" in [process["id"] for process in owslib.processes()]
    description = owslib.process("interop-owslib")
    assert (description["id"], description["version"]) == ("interop-owslib", "2.1")
    assert set(description["inputs"]) == {"name", "times"}
    started: dict[str, Any] = owslib.execute("interop-owslib", inputs={"name": "Ada"}, async_=True)
    job_id = started["jobID"]
    assert started["processID"] == "interop-owslib"
    wait_for_success(lambda: owslib._request(path=f"jobs/{job_id}")["status"])
    results = owslib._request(path=f"jobs/{job_id}/results")
    assert set(results) == {"greeting", "length"}
    assert results["length"] == len("Hello, Ada")
    listed = owslib._request(path="jobs", kwargs={"processID": "interop-owslib"})["jobs"]
    assert job_id in [job["jobID"] for job in listed]
    assert {job["processID"] for job in listed} == {"interop-owslib"}


def test_owslib_runs_a_process_synchronously_and_gets_its_results(server: Server, client: httpx.Client) -> None:
    deploy_as(client, "interop-owslib-sync")
    results = Processes(server.url).execute("interop-owslib-sync", inputs={"name": "Bo"})
    assert results["length"] == len("Hello, Bo")
    assert results["greeting"]["href"].startswith(server.url)


# ogc-api-processes-client runs in a venv of its own (tests/isolated_clients.py): it needs urllib3 >= 2.1, which
# unity-sds-client 0.12.0, in the test environment, excludes.
EOEPCA_CLIENT = ("ogc-api-processes-client==0.6.0", "urllib3>=2.1")


def test_eoepca_client_deploys_finds_describes_runs_and_lists_the_jobs_of_the_same_id(
    server: Server, client: httpx.Client
) -> None:
    deploy_as(client, "interop-eoepca")
    seen = run_driver(client_python(*EOEPCA_CLIENT), DRIVERS / "eoepca_client.py", server.url, "interop-eoepca")
    assert "interop-eoepca" in seen["listed_ids"]
    assert seen["description"] == {"id": "interop-eoepca", "version": "2.1", "inputs": ["name", "times"]}
    assert seen["started"]["process_id"] == "interop-eoepca"
    assert seen["status"] == "successful"
    job_id = seen["started"]["job_id"]
    assert set(seen["results"]) == {"greeting"}
    assert client.get(seen["results"]["greeting"]).text == "Hello, Cy"
    assert job_id in seen["jobs"]
    filtered = client.get("/jobs", params={"processID": "interop-eoepca"}).json()["jobs"]
    assert [job["jobID"] for job in filtered] == seen["jobs"]
