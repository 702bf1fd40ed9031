"""Execute processes and follow their jobs over HTTP, against a real server running real cwltool."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import Server, wait_until
from tests.e2e.helpers import ASYNC, ensure_deployed, submit, wait_for_status
from tests.ogc_schemas import validate

EXAMPLES = Path(__file__).resolve().parents[2] / "swath" / "examples"


def test_an_async_execute_answers_201_with_the_job_location(client: httpx.Client) -> None:
    process = ensure_deployed(client, "greet")
    response = client.post(f"/processes/{process}/execution", json={"inputs": {"name": "Ada"}}, headers=ASYNC)
    assert response.status_code == 201
    validate(response.json(), "statusInfo.yaml")
    assert response.headers["Location"].endswith(f"/jobs/{response.json()['jobID']}")
    assert response.json()["status"] in {"accepted", "running", "successful"}


def test_a_job_runs_to_success_with_timestamps_and_progress(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    status = wait_for_status(client, job_id)
    validate(status, "statusInfo.yaml")
    assert status["status"] == "successful", status
    assert status["progress"] == 100
    assert status["created"] <= status["started"] <= status["finished"]
    assert (status["processID"], status["processVersion"]) == ("greet", "2.1")
    assert any(link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/results" for link in status["links"])


def test_results_give_literals_by_value_and_files_by_reference(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    wait_for_status(client, job_id)
    results = client.get(f"/jobs/{job_id}/results")
    assert results.status_code == 200
    validate(results.json(), "results.yaml")
    document = results.json()
    assert document["length"] == len("Hello, Ada")
    assert client.get(document["greeting"]["href"]).text == "Hello, Ada"
    assert document["greeting"]["type"] == "text/plain"


def test_a_file_output_asked_by_value_is_inlined(client: httpx.Client) -> None:
    body = {"inputs": {"name": "Ada"}, "outputs": {"greeting": {"transmissionMode": "value"}}}
    job_id = submit(client, ensure_deployed(client, "greet"), body)
    wait_for_status(client, job_id)
    document = client.get(f"/jobs/{job_id}/results").json()
    assert document["greeting"] == {"value": "Hello, Ada", "mediaType": "text/plain"}
    assert "length" not in document


def test_the_results_hold_outputs_only_and_link_the_stac_catalog_from_a_header_and_the_status(
    client: httpx.Client,
) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    status = wait_for_status(client, job_id)
    response = client.get(f"/jobs/{job_id}/results")
    assert set(response.json()) == {"greeting", "length"}
    catalog_href = response.links["catalog"]["url"]
    assert catalog_href == f"{client.base_url}/jobs/{job_id}/outputs/catalog.json"
    assert response.links["catalog"]["type"] == "application/json"
    assert [link["href"] for link in status["links"] if link["rel"] == "catalog"] == [catalog_href]


def test_the_stac_catalog_has_absolute_hrefs_and_checksums(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    wait_for_status(client, job_id)
    catalog_href = client.get(f"/jobs/{job_id}/results").links["catalog"]["url"]
    catalog = client.get(catalog_href).json()
    assert catalog["type"] == "Catalog"
    item_links = [link["href"] for link in catalog["links"] if link["rel"] == "item"]
    assert item_links and all(href.startswith("http://") for href in item_links)
    item = client.get(item_links[0]).json()
    asset = next(iter(item["assets"].values()))
    assert asset["href"].startswith("http://")
    assert asset["file:size"] == len("Hello, Ada")
    assert asset["file:checksum"].startswith("1220")


def test_sync_execute_answers_with_the_results(client: httpx.Client) -> None:
    response = client.post(f"/processes/{ensure_deployed(client, 'greet')}/execution", json={"inputs": {"name": "Bo"}})
    assert response.status_code == 200, response.text
    assert response.json()["length"] == len("Hello, Bo")


def test_sync_execute_of_one_raw_output_returns_the_value_itself(client: httpx.Client) -> None:
    body = {"inputs": {"name": "Bo"}, "outputs": {"greeting": {}}, "response": "raw"}
    response = client.post(f"/processes/{ensure_deployed(client, 'greet')}/execution", json=body)
    assert response.status_code == 200
    assert response.text == "Hello, Bo"


def test_sync_execute_falls_back_to_async_past_the_wait(client: httpx.Client) -> None:
    process = ensure_deployed(client, "sleeper")
    started = time.monotonic()
    response = client.post(
        f"/processes/{process}/execution", json={"inputs": {"seconds": 5}}, headers={"Prefer": "wait=1"}
    )
    assert time.monotonic() - started < 4
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == "respond-async"
    client.delete(f"/jobs/{response.json()['jobID']}")


def test_the_echo_process_echoes_its_inputs(client: httpx.Client) -> None:
    inputs = {"stringInput": "Value2", "doubleInput": 3.5, "arrayInput": [1, 2, 3]}
    response = client.post("/processes/echo/execution", json={"inputs": inputs})
    assert response.status_code == 200, response.text
    assert response.json()["stringOutput"] == "Value2"
    assert response.json()["arrayOutput"] == [1, 2, 3]


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({}, ["name", "missing"]),
        ({"name": "Ada", "times": "many"}, ["times", "integer"]),
        ({"name": "Ada", "colour": "red"}, ["colour"]),
    ],
    ids=["missing-required", "wrong-type", "unknown-input"],
)
def test_bad_inputs_are_refused_before_anything_runs(
    client: httpx.Client, inputs: dict[str, object], words: list[str]
) -> None:
    before = len(client.get("/jobs", params={"limit": 1000}).json()["jobs"])
    response = client.post(
        f"/processes/{ensure_deployed(client, 'greet')}/execution", json={"inputs": inputs}, headers=ASYNC
    )
    assert response.status_code == 400, response.text
    validate(response.json(), "exception.yaml")
    for word in words:
        assert word in response.json()["detail"].lower() or word in response.json()["detail"]
    assert len(client.get("/jobs", params={"limit": 1000}).json()["jobs"]) == before


def test_a_body_that_is_not_json_is_a_clear_400(client: httpx.Client) -> None:
    response = client.post(
        "/processes/echo/execution", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_a_file_input_outside_the_allowed_roots_is_refused(client: httpx.Client) -> None:
    body = {"inputs": {"text": {"href": "file:///etc/passwd"}}}
    response = client.post("/processes/word-count/execution", json=body, headers=ASYNC)
    assert response.status_code == 400
    assert "/etc/passwd" in response.json()["detail"]


def test_executing_an_unknown_process_is_no_such_process(client: httpx.Client) -> None:
    response = client.post("/processes/missing/execution", json={"inputs": {}})
    assert response.status_code == 404
    assert response.json()["type"].endswith("/no-such-process")


def test_a_failing_tool_fails_the_job_with_a_message_and_a_log(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "failing"), {"inputs": {}})
    status = wait_for_status(client, job_id)
    assert status["status"] == "failed"
    assert status["message"]
    results = client.get(f"/jobs/{job_id}/results")
    assert results.status_code == 404
    assert results.json()["type"].endswith("/result-not-available")
    assert "something went wrong" in client.get(f"/jobs/{job_id}/logs").text


def test_results_of_a_running_job_are_not_ready(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 20}})
    wait_for_status(client, job_id, {"running"})
    response = client.get(f"/jobs/{job_id}/results")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/result-not-ready")
    client.delete(f"/jobs/{job_id}")


def _sleeps(seconds: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if process.info["cmdline"] and process.info["cmdline"][:2] == ["sleep", str(seconds)]:
            found.append(process)
    return found


def test_dismissing_a_running_job_stops_its_whole_process_tree_within_two_seconds(
    client: httpx.Client, server: Server
) -> None:
    job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 47}})
    wait_until(lambda: _sleeps(47), timeout=30, message="the tool's sleep to start")
    started = time.monotonic()
    response = client.delete(f"/jobs/{job_id}")
    assert response.status_code == 200
    validate(response.json(), "statusInfo.yaml")
    assert response.json()["status"] == "dismissed"
    wait_until(lambda: not _sleeps(47), timeout=2, message="the tool's sleep to be gone")
    assert time.monotonic() - started < 2
    wait_until(lambda: not (server.data_dir / "work" / job_id).exists(), timeout=5, message="the work dir to go")
    assert client.get(f"/jobs/{job_id}").json()["status"] == "dismissed"


def test_a_dismissed_queued_job_never_starts(client: httpx.Client) -> None:
    process = ensure_deployed(client, "sleeper")
    blockers = [submit(client, process, {"inputs": {"seconds": 20}}) for _ in range(2)]
    queued = submit(client, process, {"inputs": {"seconds": 1}})
    assert client.delete(f"/jobs/{queued}").json()["status"] == "dismissed"
    for blocker in blockers:
        client.delete(f"/jobs/{blocker}")
    # Runners take jobs in order: once a job submitted after it has ended, a wrongly started job would have started.
    probe = submit(client, process, {"inputs": {"seconds": 0}})
    wait_until(lambda: client.get(f"/jobs/{probe}").json()["status"] == "successful", message="the probe job ends")
    status = client.get(f"/jobs/{queued}").json()
    assert status["status"] == "dismissed"
    assert "started" not in status


def test_dismissing_a_finished_job_is_a_conflict(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    wait_for_status(client, job_id)
    response = client.delete(f"/jobs/{job_id}")
    assert response.status_code == 409
    assert "successful" in response.json()["detail"]
    validate(response.json(), "exception.yaml")
    assert response.json()["jobID"] == job_id
    assert response.json()["reason"] == "job-finished"


def test_unknown_jobs_are_no_such_job(client: httpx.Client) -> None:
    for path in ("/jobs/nope", "/jobs/nope/results", "/jobs/nope/logs"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/no-such-job")
        assert response.json()["jobID"] == "nope"
    assert client.delete("/jobs/nope").status_code == 404


def test_the_log_can_be_followed_from_an_offset(client: httpx.Client, server: Server) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    wait_for_status(client, job_id)
    whole = client.get(f"/jobs/{job_id}/logs")
    assert whole.status_code == 200
    # An offset in the log file: what is shown leaves the data directory's path out, so it may be shorter.
    assert int(whole.headers["X-Log-Offset"]) == (server.data_dir / "logs" / f"{job_id}.log").stat().st_size
    assert client.get(f"/jobs/{job_id}/logs", params={"since": whole.headers["X-Log-Offset"]}).content == b""
    tail = client.get(f"/jobs/{job_id}/logs", params={"since": 10})
    assert tail.content == whole.content[10:]


@pytest.mark.parametrize("path", ["../../swath.db", "..%2F..%2Fswath.db", "%2e%2e/%2e%2e/swath.db", "/etc/passwd"])
def test_output_downloads_cannot_escape_the_jobs_outputs(client: httpx.Client, path: str) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    wait_for_status(client, job_id)
    response = client.get(f"/jobs/{job_id}/outputs/{path}")
    assert response.status_code == 404
    assert "SQLite" not in response.text


def test_output_files_support_range_requests(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    wait_for_status(client, job_id)
    href = client.get(f"/jobs/{job_id}/results").json()["greeting"]["href"]
    response = client.get(href, headers={"Range": "bytes=0-4"})
    assert response.status_code == 206
    assert response.text == "Hello"


def test_a_workflow_with_a_scatter_reports_full_progress_and_its_sum(client: httpx.Client) -> None:
    job_id = submit(client, "scatter-squares", {"inputs": {"numbers": [1, 2, 3, 4]}})
    status = wait_for_status(client, job_id)
    assert status["status"] == "successful", client.get(f"/jobs/{job_id}/logs").text
    assert status["progress"] == 100
    assert client.get(f"/jobs/{job_id}/results").json()["sum"] == 30


def test_word_count_counts_a_file_given_by_reference(client: httpx.Client, tmp_path: Path) -> None:
    text = tmp_path / "poem.txt"
    text.write_text("one two three\nfour five\n")
    server_roots_ok = {"inputs": {"text": {"href": (EXAMPLES / "data" / "sample.txt").as_uri()}}}
    job_id = submit(client, "word-count", server_roots_ok)
    status = wait_for_status(client, job_id)
    assert status["status"] == "successful", client.get(f"/jobs/{job_id}/logs").text
    document = client.get(f"/jobs/{job_id}/results").json()
    assert document["counts"]["href"].startswith("http://")


def test_an_earlier_jobs_output_can_feed_a_new_job(client: httpx.Client) -> None:
    first = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    wait_for_status(client, first)
    href = client.get(f"/jobs/{first}/results").json()["greeting"]["href"]
    second = submit(client, "word-count", {"inputs": {"text": {"href": href}}})
    status = wait_for_status(client, second)
    assert status["status"] == "successful", client.get(f"/jobs/{second}/logs").text


def test_an_eo_package_reads_a_stac_catalog_and_its_outputs_fill_a_collection(client: httpx.Client) -> None:
    catalog = (EXAMPLES / "data" / "sample-catalog" / "catalog.json").as_uri()
    body = {"inputs": {"input_catalog": {"href": catalog}}, "collection": "TEST_OUTPUT___1"}
    job_id = submit(client, "stac-band-stats", body)
    status = wait_for_status(client, job_id)
    assert status["status"] == "successful", client.get(f"/jobs/{job_id}/logs").text
    collections = client.get("/collections").json()["collections"]
    assert "TEST_OUTPUT___1" in {collection["id"] for collection in collections}
    items = client.get("/collections/TEST_OUTPUT___1/items").json()
    assert items["numberMatched"] >= 1
    assert all(item["collection"] == "TEST_OUTPUT___1" for item in items["features"])


def test_a_file_input_whose_cwl_declares_a_format_runs(client: httpx.Client) -> None:
    package = (Path(__file__).resolve().parents[1] / "data" / "packages" / "wc.cwl").read_bytes()
    deployed = client.post("/processes", content=package, headers={"Content-Type": "application/cwl+yaml"})
    assert deployed.status_code in (201, 409), deployed.text
    body = {"inputs": {"text": {"href": (EXAMPLES / "data" / "sample.txt").as_uri()}}}
    job_id = submit(client, "wc", body)
    status = wait_for_status(client, job_id)
    assert status["status"] == "successful", client.get(f"/jobs/{job_id}/logs").text


def test_a_single_output_is_served_raw_and_an_unknown_one_is_no_such_output(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
    wait_for_status(client, job_id)
    greeting = client.get(f"/jobs/{job_id}/results/greeting")
    assert (greeting.status_code, greeting.text) == (200, "Hello, Ada")
    assert greeting.headers["content-type"].startswith("text/plain")
    assert client.get(f"/jobs/{job_id}/results/length").json() == len("Hello, Ada")
    missing = client.get(f"/jobs/{job_id}/results/colour")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/no-such-output")
    assert "greeting" in missing.json()["detail"]


def test_a_jobs_results_stay_readable_after_its_process_is_undeployed(client: httpx.Client) -> None:
    document = (Path(__file__).resolve().parents[1] / "data" / "e2e" / "greet.cwl").read_text()
    body = document.replace("id: greet", "id: greet-short-lived").encode()
    assert client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"}).status_code == 201
    job_id = submit(client, "greet-short-lived", {"inputs": {"name": "Ada"}})
    wait_for_status(client, job_id)
    assert client.delete("/processes/greet-short-lived").status_code == 204
    assert client.get(f"/jobs/{job_id}").json()["status"] == "successful"
    assert client.get(f"/jobs/{job_id}/results").json()["length"] == len("Hello, Ada")


def test_the_unity_execute_body_with_lists_and_async_mode_is_accepted(client: httpx.Client) -> None:
    body = {
        "mode": "async",
        "response": "document",
        "inputs": [{"id": "name", "data": "Unity"}],
        "outputs": [{"id": "greeting", "transmissionMode": "reference"}],
    }
    response = client.post(f"/processes/{ensure_deployed(client, 'greet')}/execution", json=body)
    assert response.status_code == 201, response.text
    wait_for_status(client, response.json()["jobID"])
    document = client.get(f"/jobs/{response.json()['jobID']}/results").json()
    assert client.get(document["greeting"]["href"]).text == "Hello, Unity"


def test_an_output_list_entry_without_an_id_is_a_clear_400(client: httpx.Client) -> None:
    body = {"inputs": {"name": "x"}, "outputs": [{"transmissionMode": "reference"}]}
    response = client.post(f"/processes/{ensure_deployed(client, 'greet')}/execution", json=body)
    assert response.status_code == 400
    assert "no 'id'" in response.json()["detail"]


def test_an_unknown_collection_is_a_clear_404(client: httpx.Client) -> None:
    for path in ("/collections/NOPE___1", "/collections/NOPE___1/items"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/no-such-collection")
        assert "NOPE___1" in response.json()["detail"]


def test_a_directory_output_with_a_stac_catalog_is_given_as_that_catalog(client: httpx.Client) -> None:
    catalog = (EXAMPLES / "data" / "sample-catalog" / "catalog.json").as_uri()
    job_id = submit(client, "stac-band-stats", {"inputs": {"input_catalog": {"href": catalog}}})
    wait_for_status(client, job_id)
    output = client.get(f"/jobs/{job_id}/results").json()["output"]
    assert output["rel"] == "catalog"
    assert output["href"].endswith("/catalog.json")
    tool_catalog = client.get(output["href"]).json()
    item_hrefs = [link["href"] for link in tool_catalog["links"] if link["rel"] == "item"]
    assert len(item_hrefs) == 2
    # Its relative hrefs resolve against where it is served, as they did in the job's directory.
    item = client.get(httpx.URL(output["href"]).join(item_hrefs[0])).json()
    assert item["type"] == "Feature"
    raw = client.get(f"/jobs/{job_id}/results/output")
    assert raw.json()["id"] == tool_catalog["id"]


def test_inputs_of_the_wrong_shape_are_named_in_plain_words(client: httpx.Client) -> None:
    response = client.post("/processes/echo/execution", json={"inputs": "x"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "the request body at 'inputs'" in detail
    assert "dict[" not in detail


def test_a_running_job_keeps_the_package_it_started_with_when_its_process_is_replaced(client: httpx.Client) -> None:
    original = (Path(__file__).resolve().parents[1] / "data" / "e2e" / "sleeper.cwl").read_text()
    original = original.replace("id: sleeper", "id: sleeper-replaced")
    headers = {"Content-Type": "application/cwl+yaml"}
    client.delete("/processes/sleeper-replaced")
    assert client.post("/processes", content=original.encode(), headers=headers).status_code == 201
    job_id = submit(client, "sleeper-replaced", {"inputs": {"seconds": 2}})
    wait_for_status(client, job_id, {"running"})
    changed = original.replace("echo slept", "echo rested")
    assert client.put("/processes/sleeper-replaced", content=changed.encode(), headers=headers).status_code == 204
    assert wait_for_status(client, job_id)["status"] == "successful"
    assert client.get(client.get(f"/jobs/{job_id}/results").json()["marker"]["href"]).text == "slept\n"
    second = submit(client, "sleeper-replaced", {"inputs": {"seconds": 0}})
    wait_for_status(client, second)
    assert client.get(client.get(f"/jobs/{second}/results").json()["marker"]["href"]).text == "rested\n"


def test_a_sync_execution_whose_tool_fails_says_why_and_names_the_job(client: httpx.Client) -> None:
    response = client.post(f"/processes/{ensure_deployed(client, 'failing')}/execution", json={"inputs": {}})
    assert response.status_code == 404
    validate(response.json(), "exception.yaml")
    detail = response.json()["detail"]
    assert "failed" in detail and "exit code 3" in detail
    job_id = detail.split("'")[1]
    assert client.get(f"/jobs/{job_id}").json()["status"] == "failed"
