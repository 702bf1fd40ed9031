"""GET /jobs: filters and keyset paging, on a server of this module's own."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import ensure_deployed, submit, wait_for_status
from tests.ogc_schemas import validate


@pytest.fixture(scope="module")
def jobs(server) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Five successful greet jobs and two failed ones, ids newest first."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        greet = ensure_deployed(client, "greet")
        failing = ensure_deployed(client, "failing")
        made = {"greet": [], "failing": []}
        for index in range(5):
            made["greet"].append(submit(client, greet, {"inputs": {"name": f"n{index}"}}))
        for _ in range(2):
            made["failing"].append(submit(client, failing, {"inputs": {}}))
        for job_id in made["greet"] + made["failing"]:
            wait_for_status(client, job_id)
        return {name: list(reversed(ids)) for name, ids in made.items()}


def ids(page: dict[str, object]) -> list[str]:
    return [job["jobID"] for job in page["jobs"]]  # type: ignore[index, union-attr]


def test_the_job_list_is_newest_first_and_valid(client: httpx.Client, jobs: dict[str, list[str]]) -> None:
    page = client.get("/jobs").json()
    validate(page, "jobList.yaml")
    assert ids(page)[:2] == jobs["failing"]


def test_jobs_filter_by_process_and_status(client: httpx.Client, jobs: dict[str, list[str]]) -> None:
    assert ids(client.get("/jobs", params={"processID": "greet:2.1"}).json()) == jobs["greet"]
    assert ids(client.get("/jobs", params={"processID": "greet"}).json()) == jobs["greet"]
    assert ids(client.get("/jobs", params={"processID": "gree"}).json()) == []
    assert ids(client.get("/jobs", params={"status": "failed"}).json()) == jobs["failing"]
    both = client.get("/jobs", params=[("status", "failed"), ("status", "successful"), ("limit", 100)]).json()
    assert len(ids(both)) == 7


def test_jobs_page_forward_with_next_and_back_with_prev(client: httpx.Client, jobs: dict[str, list[str]]) -> None:
    everything = jobs["failing"] + jobs["greet"]
    first = client.get("/jobs", params={"limit": 3}).json()
    assert ids(first) == everything[:3]
    assert not any(link["rel"] == "prev" for link in first["links"])
    second = client.get(next(link["href"] for link in first["links"] if link["rel"] == "next")).json()
    assert ids(second) == everything[3:6]
    back = client.get(next(link["href"] for link in second["links"] if link["rel"] == "prev")).json()
    assert ids(back) == everything[:3]
    third = client.get(next(link["href"] for link in second["links"] if link["rel"] == "next")).json()
    assert ids(third) == everything[6:]
    assert not any(link["rel"] == "next" for link in third["links"])


def test_jobs_filter_by_datetime_interval(client: httpx.Client, jobs: dict[str, list[str]]) -> None:
    newest = client.get(f"/jobs/{jobs['failing'][0]}").json()["created"]
    page = client.get("/jobs", params={"datetime": f"{newest}/.."}).json()
    assert ids(page) == [jobs["failing"][0]]
    assert ids(client.get("/jobs", params={"datetime": f"../{newest}", "limit": 100}).json())[0] == jobs["failing"][0]


def test_jobs_filter_by_duration(client: httpx.Client, jobs: dict[str, list[str]]) -> None:
    assert ids(client.get("/jobs", params={"minDuration": 3600}).json()) == []
    assert len(ids(client.get("/jobs", params={"maxDuration": 3600, "limit": 100}).json())) == 7


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"status": "finished"}, "status"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"limit": 0}, "limit"),
        ({"after": "garbage!"}, "after"),
    ],
)
def test_bad_list_parameters_are_a_clear_400(client: httpx.Client, params: dict[str, object], word: str) -> None:
    response = client.get("/jobs", params=params)
    assert response.status_code == 400
    validate(response.json(), "exception.yaml")
    assert word in response.json()["detail"]
