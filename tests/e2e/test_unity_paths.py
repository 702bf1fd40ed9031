"""The Unity ADES-WPST paths: jobs reached through their process, with the bodies Unity clients send."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Server
from tests.e2e.helpers import ensure_deployed, wait_for_status
from tests.ogc_schemas import validate

TUTORIAL_BODY: dict[str, Any] = {
    "mode": "async",
    "response": "document",
    "inputs": [{"id": "numbers", "data": [1, 2, 3]}],
    "outputs": [{"id": "sum", "transmissionMode": "value"}],
}


def _submit(client: httpx.Client, process_id: str, body: dict[str, Any] = TUTORIAL_BODY) -> str:
    response = client.post(f"/processes/{process_id}/jobs", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["jobID"])


def test_execute_answers_201_with_the_job_address_under_the_process(client: httpx.Client, server: Server) -> None:
    response = client.post("/processes/scatter-squares/jobs", json=TUTORIAL_BODY)
    assert response.status_code == 201, response.text
    validate(response.json(), "statusInfo.yaml")
    job_id = response.json()["jobID"]
    assert response.headers["Location"] == f"{server.url}/processes/scatter-squares/jobs/{job_id}"


def test_the_location_is_built_from_the_address_the_client_used(client: httpx.Client) -> None:
    # Another name of this service (loopback names are allowed hosts while it listens on loopback; others are
    # refused with 421, see tests/e2e/test_exposure.py).
    headers = {"Host": "localhost:8443"}
    response = client.post("/processes/job-scatter-squares/jobs", json=TUTORIAL_BODY, headers=headers)
    assert response.status_code == 201, response.text
    job_id = response.json()["jobID"]
    assert response.headers["Location"] == f"http://localhost:8443/processes/job-scatter-squares/jobs/{job_id}"


def test_status_result_and_job_list_of_a_process(client: httpx.Client) -> None:
    job_id = _submit(client, "job-scatter-squares")
    wait_for_status(client, job_id)
    status = client.get(f"/processes/scatter-squares:1.0.0/jobs/{job_id}").json()
    validate(status, "statusInfo.yaml")
    assert (status["jobID"], status["status"], status["message"]) == (job_id, "successful", "Finished.")
    result = client.get(f"/processes/scatter-squares/jobs/{job_id}/result").json()
    assert result["outputs"] == [{"id": "sum", "data": 14}]
    assert result["stac_catalog"]["rel"] == "catalog"
    listed = client.get("/processes/scatter-squares/jobs").json()
    assert job_id in [job["jobID"] for job in listed["jobs"]]
    validate(listed, "jobList.yaml")


def test_file_outputs_are_links_in_the_result(client: httpx.Client) -> None:
    body = {"inputs": [{"id": "numbers", "data": [3]}], "outputs": [{"id": "total", "transmissionMode": "reference"}]}
    job_id = _submit(client, "scatter-squares", body)
    wait_for_status(client, job_id)
    [total] = client.get(f"/processes/scatter-squares/jobs/{job_id}/result").json()["outputs"]
    assert total["id"] == "total"
    assert client.get(total["href"]).text.strip() == "9"


def test_a_job_of_another_process_is_not_found(client: httpx.Client) -> None:
    job_id = _submit(client, "scatter-squares")
    for path in (f"/processes/word-count/jobs/{job_id}", f"/processes/word-count/jobs/{job_id}/result"):
        response = client.get(path)
        assert response.status_code == 404
        validate(response.json(), "exception.yaml")
        assert response.json()["detail"] == f"No job with id '{job_id}' exists for process 'word-count'."
    assert client.delete(f"/processes/word-count/jobs/{job_id}").status_code == 404


def test_an_unknown_process_is_named(client: httpx.Client) -> None:
    response = client.post("/processes/job-l1b-cwl:develop/jobs", json=TUTORIAL_BODY)
    assert response.status_code == 404
    validate(response.json(), "exception.yaml")
    assert response.json()["detail"] == "No process with id 'job-l1b-cwl:develop' or 'l1b-cwl:develop' is deployed."
    assert client.get("/processes/nothing/jobs").json()["title"] == "No such process"


def test_bad_input_is_refused_before_a_job_exists(client: httpx.Client) -> None:
    response = client.post("/processes/scatter-squares/jobs", json={"inputs": [{"id": "numbers", "data": "x"}]})
    assert response.status_code == 400
    validate(response.json(), "exception.yaml")
    assert "Input 'numbers' is invalid" in response.json()["detail"]
    unnamed = client.post("/processes/scatter-squares/jobs", json={"inputs": [{"data": 1}]})
    assert unnamed.status_code == 400
    assert "needs a string `id`" in unnamed.json()["detail"]


def test_dismiss_answers_the_status_and_the_result_says_why_there_is_none(client: httpx.Client) -> None:
    sleeper = ensure_deployed(client, "sleeper")
    job_id = _submit(client, sleeper, {"inputs": [{"id": "seconds", "data": 30}]})
    response = client.delete(f"/processes/{sleeper}/jobs/{job_id}")
    assert response.status_code == 200
    validate(response.json()["statusInfo"], "statusInfo.yaml")
    assert response.json()["statusInfo"]["status"] == "dismissed"
    result = client.get(f"/processes/{sleeper}/jobs/{job_id}/result")
    assert result.status_code == 404
    validate(result.json(), "exception.yaml")
    assert result.json()["title"] == "Result not available"


def test_the_unity_paths_and_uploads_are_in_the_api_definition(client: httpx.Client) -> None:
    paths = client.get("/api").json()["paths"]
    assert {"/processes/{process_id}/jobs", "/processes/{process_id}/jobs/{job_id}/result", "/files"} <= set(paths)
