"""Retries, attempts, re-runs and result reuse, against a running server.

The retry policies and the reuse opt-in are the packages' own (`swath:Retry`, `swath:Reuse` hints in
tests/data/attempts/); a marker or ledger file outside the job remembers what ran across attempts and jobs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DATA, Server, make_server
from tests.e2e.helpers import ASYNC, submit, wait_for_status

SWATH_REL = "https://swath.dev/rel/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("attempts")).start()
    yield running
    running.stop()


@pytest.fixture
def files(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the server reads inputs from (its own tmp folder is an allowed input root)."""
    folder = server.data_dir.parent / tmp_path_factory.mktemp("inputs").name
    folder.mkdir()
    return folder


def _deploy(client: httpx.Client, name: str) -> str:
    body = (DATA / "attempts" / f"{name}.cwl").read_bytes()
    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})
    assert response.status_code in (201, 409), response.text
    return name


def _attempts(client: httpx.Client, job_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/jobs/{job_id}/attempts")
    assert response.status_code == 200, response.text
    attempts: list[dict[str, Any]] = response.json()["attempts"]
    return attempts


def _link(status: dict[str, Any], rel: str) -> str:
    hrefs = [link["href"] for link in status["links"] if link["rel"] == SWATH_REL + rel]
    assert len(hrefs) == 1, status["links"]
    return hrefs[0]


def test_a_failing_tool_is_tried_as_often_as_its_policy_says_then_failed_with_every_attempt_listed(
    client: httpx.Client,
) -> None:
    job_id = submit(client, _deploy(client, "retry-exit"), {"inputs": {}})
    status = wait_for_status(client, job_id, timeout=60)
    assert status["status"] == "failed"
    assert status["attempt"] == 3
    assert "exit code 3" in status["message"]
    assert "tried 3 times" in status["message"]
    attempts = _attempts(client, job_id)
    assert [attempt["attempt"] for attempt in attempts] == [1, 2, 3]
    assert {attempt["status"] for attempt in attempts} == {"failed"}
    assert {attempt["reason"] for attempt in attempts} == {"exitCode"}
    assert {attempt["exitCode"] for attempt in attempts} == {3}
    assert all(attempt["runner"].startswith("local:") for attempt in attempts)
    # The back-off (0.2 s, then 0.4 s) comes between the attempts, and only the retried ones say when the next ran.
    assert [attempt.get("retryAt") is not None for attempt in attempts] == [True, True, False]
    second_start = datetime.fromisoformat(attempts[1]["started"])
    assert second_start >= datetime.fromisoformat(attempts[0]["retryAt"])
    # Each attempt's log is its own part of the job's log; the job's log shows the current (last) one.
    logs = [client.get(f"/jobs/{job_id}/attempts/{n}/logs").text for n in (1, 2, 3)]
    for number, text in enumerate(logs, start=1):
        assert f"(attempt {number})" in text
        assert "attempt failing" in text
        assert [other for other in (1, 2, 3) if f"(attempt {other})" in text] == [number]
    assert "(attempt 3)" in client.get(f"/jobs/{job_id}/logs").text
    assert "(attempt 1)" not in client.get(f"/jobs/{job_id}/logs").text
    assert "(attempt 1)" in client.get(f"/jobs/{job_id}/logs", params={"since": 0}).text


def test_a_tool_that_fails_once_succeeds_on_its_second_attempt(client: httpx.Client, files: Path) -> None:
    marker = files / "flaky-marker"
    job_id = submit(client, _deploy(client, "retry-flaky"), {"inputs": {"marker": str(marker)}})
    status = wait_for_status(client, job_id, timeout=60)
    assert status["status"] == "successful", status
    assert status["attempt"] == 2
    attempts = _attempts(client, job_id)
    assert [(attempt["status"], attempt.get("reason"), attempt.get("exitCode")) for attempt in attempts] == [
        ("failed", "exitCode", 75),
        ("successful", None, None),
    ]
    assert marker.read_text() == "first\n"
    first, second = (client.get(f"/jobs/{job_id}/attempts/{n}/logs").text for n in (1, 2))
    assert "exited with status: 75" in first
    assert "exited with status" not in second
    assert "Job succeeded." in second


def test_a_bad_input_is_never_retried(client: httpx.Client, files: Path) -> None:
    missing = files / "never-written.txt"
    missing.write_text("soon gone")
    job_id = submit(client, _deploy(client, "retry-input"), {"inputs": {"data": {"href": str(missing)}}})
    missing.unlink()  # accepted while it existed; gone when the runner stages it
    status = wait_for_status(client, job_id, timeout=60)
    assert status["status"] == "failed"
    assert "does not exist" in status["message"]
    attempts = _attempts(client, job_id)
    assert [(attempt["attempt"], attempt["reason"]) for attempt in attempts] == [(1, "input")]


def test_attempts_of_an_unknown_job_or_attempt_answer_404(client: httpx.Client) -> None:
    response = client.get("/jobs/no-such-job/attempts")
    assert response.status_code == 404
    assert response.json()["type"].endswith("no-such-job")
    job_id = submit(client, _deploy(client, "retry-exit"), {"inputs": {}})
    wait_for_status(client, job_id, timeout=60)
    response = client.get(f"/jobs/{job_id}/attempts/9/logs")
    assert response.status_code == 404
    assert response.json()["detail"] == f"Job '{job_id}' has no attempt 9; its attempts: 1, 2, 3."


def test_a_rerun_is_a_new_job_with_the_same_inputs_linked_both_ways(client: httpx.Client, files: Path) -> None:
    data = files / "rerun.txt"
    data.write_text("twelve bytes")
    first = submit(client, _deploy(client, "retry-input"), {"inputs": {"data": {"href": str(data)}}})
    assert wait_for_status(client, first)["status"] == "successful"
    response = client.post(f"/jobs/{first}/rerun")
    assert response.status_code == 201, response.text
    second = response.json()["jobID"]
    assert response.headers["Location"].endswith(f"/jobs/{second}")
    assert second != first
    status = wait_for_status(client, second)
    assert status["status"] == "successful"
    assert _link(status, "rerun-of").endswith(f"/jobs/{first}")
    assert _link(client.get(f"/jobs/{first}").json(), "rerun").endswith(f"/jobs/{second}")
    assert client.get(f"/jobs/{second}/inputs").json() == client.get(f"/jobs/{first}/inputs").json()
    assert client.get(f"/jobs/{second}/results/count").text.split()[0] == "12"


def test_a_rerun_of_an_unknown_job_answers_404(client: httpx.Client) -> None:
    response = client.post("/jobs/no-such-job/rerun")
    assert response.status_code == 404
    assert response.json()["type"].endswith("no-such-job")


def _count_job(client: httpx.Client, data: Path, ledger: Path, prefer: str = "swath-reuse") -> dict[str, Any]:
    body = {"inputs": {"data": {"href": str(data)}, "ledger": str(ledger)}}
    response = client.post(
        f"/processes/{_deploy(client, 'reuse-count')}/execution",
        json=body,
        headers={"Prefer": f"{ASYNC['Prefer']}, {prefer}"},
    )
    assert response.status_code == 201, response.text
    return wait_for_status(client, response.json()["jobID"])


def test_a_job_with_the_same_inputs_reuses_the_results_and_says_so(
    client: httpx.Client, files: Path, server: Server
) -> None:
    data, ledger = files / "reuse.txt", files / "ledger"
    data.write_text("0123456789")
    first = _count_job(client, data, ledger)
    assert first["status"] == "successful"
    second = _count_job(client, data, ledger)
    assert second["status"] == "successful"
    assert ledger.read_text() == "ran\n"  # the tool ran once
    assert (
        second["message"]
        == f"Results reused from job {first['jobID']} (same process version, inputs and images); nothing was run."
    )
    assert _link(second, "reused-from").endswith(f"/jobs/{first['jobID']}")
    # The results are the second job's own copy, served from its own outputs.
    results = client.get(f"/jobs/{second['jobID']}/results").json()
    href = results["count"]["href"]
    assert f"/jobs/{second['jobID']}/outputs/" in href
    assert client.get(href).text.strip() == "10"
    # A copy: the first job's stored outputs purged, the reused results stay whole.
    shutil.rmtree(server.data_dir / "outputs" / "jobs" / first["jobID"])
    assert client.get(href).text.strip() == "10"
    catalog = client.get(f"/jobs/{second['jobID']}/outputs/catalog.json").json()
    assert first["jobID"] not in json.dumps(catalog)


def test_a_changed_input_file_content_misses_and_runs(client: httpx.Client, files: Path) -> None:
    data, ledger = files / "reuse.txt", files / "ledger"
    data.write_text("0123456789")
    first = _count_job(client, data, ledger)
    data.write_text("01234")  # the same href, other content
    second = _count_job(client, data, ledger)
    assert second["status"] == "successful"
    assert ledger.read_text() == "ran\nran\n"
    assert "reused" not in second["message"]
    assert not [link for link in second["links"] if link["rel"] == SWATH_REL + "reused-from"]
    href = client.get(f"/jobs/{second['jobID']}/results").json()["count"]["href"]
    assert client.get(href).text.strip() == "5"
    assert first["jobID"] != second["jobID"]


def test_a_request_that_does_not_ask_for_reuse_runs(client: httpx.Client, files: Path) -> None:
    data, ledger = files / "reuse.txt", files / "ledger"
    data.write_text("abc")
    _count_job(client, data, ledger)
    second = _count_job(client, data, ledger, prefer="swath-reuse=false")
    assert second["status"] == "successful"
    assert ledger.read_text() == "ran\nran\n"


@pytest.mark.parametrize(
    ("hint", "detail"),
    [
        ("swath:Retry: {maxAttempts: 0}", "The swath:Retry hint's maxAttempts is 0; give a whole number 1-100."),
        ("swath:Retry: {on: [input]}", "The swath:Retry hint's `on` is ['input']; give a list of: exitCode, "),
        ("swath:Retry: {backof: 2}", "The swath:Retry hint has unknown fields ['backof']; allowed: "),
        ("swath:Reuse: {default: maybe}", "The swath:Reuse hint's default is 'maybe'; give true or false."),
    ],
)
def test_a_package_whose_retry_or_reuse_hint_does_not_read_is_refused_at_deploy(
    client: httpx.Client, hint: str, detail: str
) -> None:
    package = (
        "cwlVersion: v1.2\nclass: CommandLineTool\nid: bad-hint\n$namespaces: {swath: 'https://swath.dev/cwl#'}\n"
        f"hints:\n  {hint}\nbaseCommand: [echo]\ninputs: []\noutputs: []\n"
    )
    response = client.post("/processes", content=package, headers={"Content-Type": "application/cwl+yaml"})
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(detail)


def test_the_process_description_shows_its_retry_policy_and_reuse(client: httpx.Client) -> None:
    retrying = client.get(f"/processes/{_deploy(client, 'retry-exit')}").json()
    assert retrying["x-swath-retry"] == {
        "maxAttempts": 3,
        "on": ["exitCode"],
        "exitCodes": [3],
        "backoff": 0.2,
        "backoffFactor": 2.0,
        "maxBackoff": 300.0,
    }
    assert retrying["x-swath-reuse"] == {"allowed": False, "default": False}
    reusing = client.get(f"/processes/{_deploy(client, 'reuse-count')}").json()
    assert reusing["x-swath-reuse"] == {"allowed": True, "default": False}
    # A package without a hint gets the server's policy: runner losses retried, 3 attempts in all.
    assert reusing["x-swath-retry"]["on"] == ["runnerLost"] and reusing["x-swath-retry"]["maxAttempts"] == 3


def test_a_match_whose_outputs_were_purged_is_passed_over_and_the_job_runs(
    client: httpx.Client, files: Path, server: Server
) -> None:
    data, ledger = files / "purged.txt", files / "ledger"
    data.write_text("0123456")
    first = _count_job(client, data, ledger)
    shutil.rmtree(server.data_dir / "outputs" / "jobs" / first["jobID"])
    second = _count_job(client, data, ledger)
    assert second["status"] == "successful", second
    assert ledger.read_text() == "ran\nran\n"
    assert "reused" not in second["message"]
    assert "cannot be copied" in client.get(f"/jobs/{second['jobID']}/logs").text
