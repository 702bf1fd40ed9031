"""unity-sds-client 0.12.0, unchanged, against a Swath venue: its own `Unity(...)`, configured the way its users
configure it (UNITY_USER / UNITY_PASSWORD and a config override file), signs in through Swath's InitiateAuth and
drives every call of its process service under the venue prefix."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from unity_sds_client.resources.job_status import JobStatus
from unity_sds_client.unity import Unity
from unity_sds_client.unity_environments import UnityEnvironments
from unity_sds_client.unity_services import UnityServices

from tests.conftest import make_server, wait_until
from tests.e2e.helpers import ASYNC, ensure_deployed
from tests.e2e.test_auth import make_token

GREETING_CWL = """\
cwlVersion: v1.2
class: CommandLineTool
id: unity-greeting
baseCommand: echo
inputs:
  name:
    type: string
    inputBinding: {position: 1}
outputs:
  greeting:
    type: stdout
stdout: greeting.txt
"""


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("unity")
    # Loopback is admitted so that the cwl_dag test's workflow, served on loopback, may be fetched.
    server = make_server(
        folder,
        auth_mode="on",
        allowed_networks='["127.0.0.0/8"]',
        queues='[{"name": "small", "cores": 2, "ram_mb": 8192}, {"name": "large", "cores": 16, "ram_mb": 131072}]',
    )
    token = make_token(server, "dee", "deployer")
    server.start()
    config = folder / "unity.cfg"
    config.write_text(
        f"[DEV]\nclient_id = swath\nauth_endpoint = {server.url}/unity/initiate-auth\nunity_href = {server.url}/\n"
    )
    with httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
        yield {"server": server, "token": token, "config": config, "http": http}
    server.stop()


@pytest.fixture
def processes(venue: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("UNITY_USER", "dee")
    monkeypatch.setenv("UNITY_PASSWORD", venue["token"])
    unity = Unity(UnityEnvironments.DEV, config_file_override=str(venue["config"]))
    unity.set_project("mission")
    unity.set_venue("dev")
    return unity.client(UnityServices.PROCESS_SERVICE)


def test_sign_in_answers_the_token_as_cognito_does(venue: dict[str, Any]) -> None:
    body = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "swath", "AuthParameters": {"USERNAME": "dee"}}
    body["AuthParameters"]["PASSWORD"] = venue["token"]
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    answer = httpx.post(f"{venue['server'].url}/unity/initiate-auth", content=json.dumps(body), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["AuthenticationResult"]["AccessToken"] == venue["token"]
    body["AuthParameters"]["USERNAME"] = "mallory"
    refused = httpx.post(f"{venue['server'].url}/unity/initiate-auth", content=json.dumps(body), headers=headers)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Incorrect username or password."
    body["AuthParameters"] = {"USERNAME": "dee", "PASSWORD": "swath_x_forged"}
    assert httpx.post(f"{venue['server'].url}/unity/initiate-auth", json=body).status_code == 401


def test_list_and_describe(processes: Any) -> None:
    listed = {process.id: process for process in processes.get_processes()}
    assert {"echo", "scatter-squares"} <= set(listed)
    assert listed["scatter-squares"].process_version == "1.0.0"
    echo = processes.get_process("echo")
    assert echo.id == "echo"
    assert echo.inputs, "the echo process's inputs (enum schemas, unbounded maxOccurs) were not read"
    squares = processes.get_process("scatter-squares")
    assert "numbers" in squares.inputs


def test_deploy_execute_status_result_and_jobs(processes: Any, venue: dict[str, Any]) -> None:
    package = {
        "processDescription": {"process": {"id": "unity-greeting", "version": "1.0.0"}},
        "executionUnit": {"value": GREETING_CWL, "mediaType": "application/cwl+yaml"},
    }
    deployed = processes.deploy_process(package)
    assert deployed.status_code == 201, deployed.text
    process = processes.get_process("unity-greeting")
    job = process.execute({"inputs": {"name": "Swath"}, "outputs": {"result": {"$output": None, "format": None}}})
    assert job.status in (JobStatus.ACCEPTED, JobStatus.RUNNING, JobStatus.SUCCESSFUL)
    assert job._process_id == "unity-greeting"
    finished = wait_until(
        lambda: (status := job.get_status()).status in (JobStatus.SUCCESSFUL, JobStatus.FAILED) and status,
        timeout=120,
        message="the greeting job to end",
    )
    assert finished.status == JobStatus.SUCCESSFUL, venue["http"].get(f"/jobs/{job.id}/logs").text
    result = job.get_result()
    greeting = result["greeting"].to_dict()
    assert venue["http"].get(greeting["href"]).text.strip() == "Swath"
    assert job.id in [listed.id for listed in processes.get_jobs()]


def test_dismiss(processes: Any, venue: dict[str, Any]) -> None:
    sleeper = ensure_deployed(venue["http"], "sleeper")
    job = processes.get_process(sleeper).execute({"inputs": {"seconds": 30}})
    dismissed = job.dismiss()
    assert (dismissed.id, dismissed.status) == (job.id, JobStatus.DISMISSED)


def test_double_slashes_and_nulls_reach_the_ogc_routes(venue: dict[str, Any]) -> None:
    http: httpx.Client = venue["http"]
    assert http.get("/mission/dev/wps//processes/echo").json()["id"] == "echo"
    body = {"inputs": {"numbers": [1, 2]}, "outputs": None, "subscriber": None, "response": None}
    answer = http.post("/mission/dev/wps//processes/scatter-squares/execution", json=body)
    assert answer.status_code == 200, answer.text
    pairs = dict(answer.json())
    assert (pairs["process_id"], pairs["status"]) == ("scatter-squares", "accepted")
    # The OGC face keeps its own answer.
    ogc = http.post("/processes/scatter-squares/execution", json={"inputs": {"numbers": [1]}}, headers=ASYNC)
    assert ogc.status_code == 201 and "Location" in ogc.headers


def test_errors_on_the_face_are_ogc_documents(venue: dict[str, Any]) -> None:
    answer = venue["http"].get("/mission/dev/wps/processes/nothing")
    assert answer.status_code == 404
    assert answer.json()["title"] == "No such process"
    bad = venue["http"].post("/mission/dev/wps/processes/echo/execution", content=b"{not json")
    assert 400 <= bad.status_code < 500


WORKFLOW_CWL = """\
cwlVersion: v1.2
class: Workflow
inputs:
  who: string
outputs:
  greeting:
    type: File
    outputSource: greet/out
steps:
  greet:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        who: {type: string, inputBinding: {position: 1}}
      outputs:
        out: {type: stdout}
      stdout: hello.txt
    in: {who: who}
    out: [out]
"""


@pytest.fixture(scope="module")
def workflow_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A loopback web server holding a CWL workflow and its job order, as a Unity user's repository would."""
    folder = tmp_path_factory.mktemp("site")
    (folder / "hello.cwl").write_text(WORKFLOW_CWL)
    (folder / "args.json").write_text(json.dumps({"who": "from a URL"}))
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    site = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    site.server_close()


def _run_to_end(job: Any) -> Any:
    return wait_until(
        lambda: (status := job.get_status()).status in (JobStatus.SUCCESSFUL, JobStatus.FAILED) and status,
        timeout=120,
        message="the cwl_dag job to end",
    )


def test_cwl_dag_runs_a_workflow_from_a_url(processes: Any, venue: dict[str, Any], workflow_site: str) -> None:
    http: httpx.Client = venue["http"]
    cwl_dag = processes.get_process("cwl_dag")
    assert {"cwl_workflow", "cwl_args", "log_level", "request_instance_type", "request_storage"} <= set(cwl_dag.inputs)
    inputs = {
        "cwl_workflow": f"{workflow_site}/hello.cwl",
        "cwl_args": f"{workflow_site}/args.json",
        "log_level": "INFO",
        "request_instance_type": "r7i.2xlarge",
        "request_storage": "10Gi",
    }
    job = cwl_dag.execute({"inputs": inputs, "outputs": {"result": {"$output": None, "format": None}}})
    finished = _run_to_end(job)
    assert finished.status == JobStatus.SUCCESSFUL, http.get(f"/jobs/{job.id}/logs").text
    greeting = job.get_result()["greeting"].to_dict()
    assert http.get(greeting["href"]).text.strip() == "from a URL"
    # cwl_args as JSON text, and no resource request at all.
    inline = cwl_dag.execute(
        {"inputs": {"cwl_workflow": f"{workflow_site}/hello.cwl", "cwl_args": '{"who": "inline"}'}}
    )
    assert _run_to_end(inline).status == JobStatus.SUCCESSFUL, http.get(f"/jobs/{inline.id}/logs").text
    href = inline.get_result()["greeting"].to_dict()["href"]
    assert http.get(href).text.strip() == "inline"


def test_cwl_dag_instance_types_pick_queue_classes(venue: dict[str, Any], workflow_site: str) -> None:
    http: httpx.Client = venue["http"]
    inputs = {"cwl_workflow": f"{workflow_site}/hello.cwl", "request_instance_type": "r7i.8xlarge"}
    too_big = http.post("/processes/cwl_dag/execution", json={"inputs": inputs}, headers=ASYNC)
    assert too_big.status_code == 400, too_big.text
    assert "small" in too_big.json()["detail"] and "large" in too_big.json()["detail"]
    unknown = http.post(
        "/processes/cwl_dag/execution", json={"inputs": {**inputs, "request_instance_type": "huge"}}, headers=ASYNC
    )
    assert unknown.status_code == 400
    assert "Instance type 'huge' is not one Swath knows" in unknown.json()["detail"]
