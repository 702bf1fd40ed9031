"""`swath.client.api`: the Unity tutorial's functions, called as the tutorial calls them, against a real server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from swath.client import api
from tests.conftest import Server, free_port
from tests.e2e.helpers import ensure_deployed

TUTORIAL_BODY: dict[str, Any] = {
    "mode": "async",
    "response": "document",
    "inputs": [{"id": "numbers", "data": [1, 2, 3]}],
    "outputs": [{"id": "sum", "transmissionMode": "value"}],
}


@pytest.fixture(autouse=True)
def configured(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SWATH_URL", server.url)
    api.configure()  # from SWATH_URL, as a notebook would
    yield
    api.configure(url=f"http://127.0.0.1:{free_port()}")


def test_get_apps_gives_id_version_and_abstract() -> None:
    apps = {app["id"]: app for app in api.get_apps()}
    word_count = apps["word-count:1.0.0"]
    assert word_count["processVersion"] == "1.0.0"
    assert word_count["abstract"].startswith("Counts the lines")


def test_the_tutorial_flow_runs_with_a_job_prefixed_app_name() -> None:
    app_name = "job-scatter-squares"
    job_id = api.submit_job(app_name, TUTORIAL_BODY)
    status = api.get_job_status(app_name, job_id)
    deadline = time.monotonic() + 60
    while status in ("accepted", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        status = api.get_job_status(app_name, job_id)
    assert status == "successful"
    result = api.get_job_by_id(app_name, job_id)
    assert result["outputs"] == [{"id": "sum", "data": 14}]
    assert result["stac_catalog"]["href"].endswith(f"/jobs/{job_id}/outputs/catalog.json")
    jobs = api.get_jobs_for_app(app_name)
    assert {"jobID": job_id, "status": "successful"}.items() <= next(j for j in jobs if j["jobID"] == job_id).items()


def test_dismiss_job_stops_a_job_and_answers_its_status(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        sleeper = ensure_deployed(http, "sleeper")
    job_id = api.submit_job(sleeper, {"inputs": [{"id": "seconds", "data": 30}]})
    status = api.dismiss_job(sleeper, job_id)
    assert (status["jobID"], status["status"]) == (job_id, "dismissed")
    assert api.get_job_status(sleeper, job_id) == "dismissed"
    # The job's document, as Unity's api.py returns it: no results, and no error.
    document = api.get_job_by_id(sleeper, job_id)
    assert (document["jobID"], document["status"]) == (job_id, "dismissed")
    assert "outputs" not in document


def test_errors_are_requests_http_errors_with_a_reason() -> None:
    with pytest.raises(requests.exceptions.HTTPError) as unknown:
        api.submit_job("job-no-such-app:develop", TUTORIAL_BODY)
    assert unknown.value.response.status_code == 404
    assert "job-no-such-app:develop" in unknown.value.reason  # type: ignore[attr-defined]
    with pytest.raises(requests.exceptions.HTTPError) as invalid:
        api.submit_job("scatter-squares", {**TUTORIAL_BODY, "inputs": [{"id": "numbers", "data": "x"}]})
    assert invalid.value.response.status_code == 400
    assert "Input 'numbers' is invalid" in invalid.value.reason  # type: ignore[attr-defined]


def test_a_server_that_is_down_raises_a_requests_connection_error() -> None:
    api.configure(url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(requests.exceptions.ConnectionError, match="Cannot reach the Swath server"):
        api.get_apps()
