"""Part 4 job management (OGC API - Processes - Part 4 draft) over HTTP: create, change, start, read the inputs and
the definition, and the lock once a job has started. Each test names the requirement it checks."""

from __future__ import annotations

import httpx

from tests.e2e.helpers import ensure_deployed, submit, wait_for_status
from tests.ogc_schemas import validate

HOLD = {"Prefer": 'status="created"'}
LOCKED = "http://www.opengis.net/def/exceptions/ogcapi-processes-4/1.0/locked"


def create_held(client: httpx.Client, name: str = "Ada") -> str:
    process = f"{client.base_url}/processes/{ensure_deployed(client, 'greet')}"
    response = client.post("/jobs", json={"process": process, "inputs": {"name": name}}, headers=HOLD)
    assert response.status_code == 201, response.text
    return str(response.json()["jobID"])


def test_a_job_created_with_prefer_status_created_waits_and_no_runner_takes_it(client: httpx.Client) -> None:
    # /req/job-management/create-post-op, create-execution-pending, create-response-success
    process = f"{client.base_url}/processes/{ensure_deployed(client, 'greet')}"
    response = client.post("/jobs", json={"process": process, "inputs": {"name": "Ada"}}, headers=HOLD)
    assert response.status_code == 201, response.text
    job_id = response.json()["jobID"]
    assert response.headers["Location"] == f"{client.base_url}/jobs/{job_id}"
    assert response.headers["Preference-Applied"] == 'status="created"'
    assert response.json()["status"] == "created"
    # A job submitted after it runs to the end while it still waits.
    later = submit(client, "greet", {"inputs": {"name": "Bo"}})
    assert wait_for_status(client, later)["status"] == "successful"
    assert client.get(f"/jobs/{job_id}").json()["status"] == "created"
    assert client.get(f"/jobs/{job_id}/results").status_code == 404


def test_an_execute_request_with_prefer_status_created_waits_until_started(client: httpx.Client) -> None:
    # /req/job-management/create-execution-pending on the Part 1 execution endpoint too
    process_id = ensure_deployed(client, "greet")
    response = client.post(
        f"/processes/{process_id}/execution",
        json={"inputs": {"name": "Eve"}},
        headers={"Prefer": 'respond-async, status="created"'},
    )
    assert response.status_code == 201, response.text
    assert response.headers["Preference-Applied"] == 'status="created"'
    job_id = response.json()["jobID"]
    assert response.headers["Location"] == f"{client.base_url}/jobs/{job_id}"
    assert client.get(f"/jobs/{job_id}").json()["status"] == "created"
    assert client.post(f"/jobs/{job_id}/results").status_code == 200
    assert wait_for_status(client, job_id)["status"] == "successful"
    greeting = client.get(f"/jobs/{job_id}/results").json()["greeting"]["href"]
    assert client.get(greeting).text == "Hello, Eve"


def test_a_job_created_without_the_preference_starts_at_once(client: httpx.Client) -> None:
    # /req/job-management/create-execution-immediate
    process = f"/processes/{ensure_deployed(client, 'greet')}"
    response = client.post("/jobs", json={"process": process, "inputs": {"name": "Cy"}})
    assert response.status_code == 201, response.text
    validate(response.json(), "statusInfo.yaml")
    assert wait_for_status(client, response.json()["jobID"])["status"] == "successful"


def test_a_waiting_job_is_changed_then_started_and_runs_with_the_changed_inputs(client: httpx.Client) -> None:
    # /req/job-management/update-patch-op, update-response, start-post-op, start-response
    job_id = create_held(client)
    changed = client.patch(f"/jobs/{job_id}", json={"inputs": {"name": "Dee"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "created"
    assert client.get(f"/jobs/{job_id}/inputs").json()["inputs"] == {"name": "Dee"}
    started = client.post(f"/jobs/{job_id}/results")
    assert started.status_code == 200, started.text
    validate(started.json(), "statusInfo.yaml")
    assert started.json()["status"] in {"accepted", "running", "successful"}
    assert wait_for_status(client, job_id)["status"] == "successful"
    greeting = client.get(f"/jobs/{job_id}/results").json()["greeting"]["href"]
    assert client.get(greeting).text == "Hello, Dee"


def test_a_started_job_is_locked_against_changes_and_a_second_start(client: httpx.Client) -> None:
    # /req/job-management/update-response-locked
    job_id = create_held(client)
    assert client.post(f"/jobs/{job_id}/results").status_code == 200
    refused = client.patch(f"/jobs/{job_id}", json={"inputs": {"name": "Eve"}})
    assert refused.status_code == 423, refused.text
    assert refused.json()["type"] == LOCKED
    assert refused.json()["jobID"] == job_id
    validate(refused.json(), "exception.yaml")
    again = client.post(f"/jobs/{job_id}/results")
    assert (again.status_code, again.json()["type"]) == (423, LOCKED)
    wait_for_status(client, job_id)
    assert client.get(f"/jobs/{job_id}/inputs").json()["inputs"] == {"name": "Ada"}


def test_a_change_that_breaks_the_inputs_is_refused_and_leaves_the_job_as_it_was(client: httpx.Client) -> None:
    job_id = create_held(client)
    refused = client.patch(f"/jobs/{job_id}", json={"inputs": {"name": None}})
    assert refused.status_code == 400, refused.text
    assert "name" in refused.json()["detail"]
    unknown = client.patch(f"/jobs/{job_id}", json={"outputs": {"nothing": {}}})
    assert unknown.status_code == 400
    assert unknown.json()["detail"].startswith("Output 'nothing' is not an output of process 'greet'")
    assert client.get(f"/jobs/{job_id}/inputs").json() == {"inputs": {"name": "Ada"}, "outputs": {}}


def test_the_definition_names_the_process_by_uri_with_the_inputs_and_outputs(client: httpx.Client) -> None:
    # /req/job-management/definition-get-op, definition-response-body-ogcapi
    job_id = create_held(client)
    client.patch(f"/jobs/{job_id}", json={"outputs": {"length": {"transmissionMode": "value"}}})
    definition = client.get(f"/jobs/{job_id}/definition")
    assert definition.status_code == 200
    document = definition.json()
    assert document["entity"] == f"{client.base_url}/processes/greet:2.1"
    assert document["inputs"] == {"name": "Ada"}
    assert document["outputs"] == {"length": {"transmissionMode": "value"}}
    assert {link["rel"] for link in document["links"]} >= {"self", "process"}


def test_a_waiting_job_can_be_dismissed_and_then_never_starts(client: httpx.Client) -> None:
    job_id = create_held(client)
    assert client.delete(f"/jobs/{job_id}").json()["status"] == "dismissed"
    assert client.post(f"/jobs/{job_id}/results").status_code == 423


def test_a_job_of_a_process_on_another_server_or_of_no_process_is_refused(client: httpx.Client) -> None:
    foreign = client.post("/jobs", json={"process": "http://example.org/processes/greet"}, headers=HOLD)
    assert foreign.status_code == 400
    assert foreign.json()["detail"].startswith("Process 'http://example.org/processes/greet' is not a process")
    missing = client.post("/jobs", json={"process": f"{client.base_url}/processes/no-such"}, headers=HOLD)
    assert missing.status_code == 404
    assert "no-such" in missing.json()["detail"]
    assert client.post("/jobs", json={"inputs": {}}).status_code == 400


def test_the_job_management_conformance_classes_are_declared(client: httpx.Client) -> None:
    classes = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-processes-4/1.0/conf/job-management" in classes
    assert "http://www.opengis.net/spec/ogcapi-processes-4/1.0/conf/ogcapi-processes" in classes


def test_the_pages_of_a_waiting_job_show_it_created(client: httpx.Client) -> None:
    job_id = create_held(client)
    page = client.get(f"/jobs/{job_id}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "created" in page.text
    listing = client.get("/jobs", params={"status": "created"}, headers={"Accept": "text/html"})
    assert listing.status_code == 200 and job_id[:8] in listing.text
