"""Deploy, describe, list, replace and undeploy processes over HTTP (OGC API - Processes Parts 1 and 2)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import openapi_spec_validator
import yaml

from tests.conftest import DATA
from tests.ogc_schemas import validate

GREET = (DATA / "e2e" / "greet.cwl").read_bytes()
CWL_YAML = {"Content-Type": "application/cwl+yaml"}


def deploy(client: httpx.Client, body: bytes, headers: dict[str, str] = CWL_YAML, **params: str) -> httpx.Response:
    return client.post("/processes", content=body, headers=headers, params=params)


def undeploy_if_present(client: httpx.Client, process_id: str) -> None:
    client.delete(f"/processes/{process_id}")


def test_landing_page_links_the_api_conformance_processes_and_jobs(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    validate(response.json(), "landingPage.yaml")
    rels = {link["rel"] for link in response.json()["links"]}
    assert {
        "self",
        "service-desc",
        "http://www.opengis.net/def/rel/ogc/1.0/conformance",
        "http://www.opengis.net/def/rel/ogc/1.0/processes",
        "http://www.opengis.net/def/rel/ogc/1.0/job-list",
    } <= rels


def test_conformance_lists_core_and_deploy_classes(client: httpx.Client) -> None:
    response = client.get("/conformance")
    validate(response.json(), "confClasses.yaml")
    classes = response.json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/deploy-replace-undeploy" in classes
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/html" in classes


def test_api_document_is_openapi_3_and_describes_the_routes(client: httpx.Client) -> None:
    document = client.get("/api").json()
    assert document["openapi"].startswith("3.")
    assert {"/processes", "/processes/{process_id}/execution", "/jobs", "/jobs/{job_id}/results"} <= set(
        document["paths"]
    )


def test_the_api_document_is_a_valid_openapi_3_0_document(client: httpx.Client) -> None:
    document = client.get("/api").json()
    assert document["openapi"].startswith("3.0.")
    openapi_spec_validator.validate(document)
    execute = document["paths"]["/processes/{process_id}/execution"]["post"]
    assert "422" not in execute["responses"]


def test_the_ogc_echo_process_is_built_in(client: httpx.Client) -> None:
    response = client.get("/processes/echo")
    assert response.status_code == 200
    validate(response.json(), "process.yaml")
    assert response.json()["id"] == "echo"
    assert "stringInput" in response.json()["inputs"]


def test_example_applications_are_deployed_at_start(client: httpx.Client) -> None:
    ids = {process["id"] for process in client.get("/processes", params={"limit": 1000}).json()["processes"]}
    assert {"echo", "word-count", "scatter-squares", "stac-band-stats"} <= ids


def test_deploying_cwl_yaml_creates_a_described_process(client: httpx.Client) -> None:
    undeploy_if_present(client, "greet:2.1")
    response = deploy(client, GREET)
    assert response.status_code == 201, response.text
    assert response.headers["Location"].endswith("/processes/greet:2.1")
    validate(response.json(), "processSummary.yaml")
    description = client.get("/processes/greet:2.1").json()
    validate(description, "process.yaml")
    assert description["title"] == "Greet someone"
    assert description["version"] == "2.1"
    assert description["inputs"]["name"]["schema"] == {"type": "string"}
    assert description["inputs"]["name"]["minOccurs"] == 1
    assert description["inputs"]["times"]["minOccurs"] == 0
    assert description["outputs"]["length"]["schema"]["type"] == "integer"


def test_a_bare_id_reaches_the_newest_version_and_id_version_names_one(client: httpx.Client) -> None:
    undeploy_if_present(client, "greet:2.1")
    undeploy_if_present(client, "greet:2.2")
    deploy(client, GREET)
    assert deploy(client, GREET.replace(b'"2.1"', b'"2.2"')).status_code == 201
    newest = client.get("/processes/greet").json()
    older = client.get("/processes/greet:2.1").json()
    versions = client.get("/processes/greet/versions").json()["processes"]
    listed = [process for process in client.get("/processes").json()["processes"] if process["id"] == "greet"]
    undeploy_if_present(client, "greet:2.2")
    assert (newest["id"], newest["version"]) == ("greet", "2.2")
    assert (older["id"], older["version"]) == ("greet", "2.1")
    assert [(process["id"], process["version"]) for process in versions] == [("greet", "2.2"), ("greet", "2.1")]
    assert [process["version"] for process in listed] == ["2.2"]


def test_deploying_the_same_process_twice_is_a_conflict(client: httpx.Client) -> None:
    undeploy_if_present(client, "greet:2.1")
    assert deploy(client, GREET).status_code == 201
    response = deploy(client, GREET)
    assert response.status_code == 409
    validate(response.json(), "exception.yaml")
    assert response.json()["type"] == "http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/duplicated-process"
    assert "Process 'greet' version '2.1'" in response.json()["detail"]
    assert response.json()["processID"] == "greet:2.1"


def test_deploying_cwl_as_json_and_as_an_ogc_application_package_works(client: httpx.Client) -> None:
    document = yaml.safe_load(GREET)
    document["id"] = "greet-json"
    response = deploy(client, json.dumps(document).encode(), {"Content-Type": "application/cwl+json"})
    assert response.status_code == 201, response.text
    document["id"] = "greet-pkg"
    package = {"executionUnit": {"value": document, "mediaType": "application/cwl+json"}}
    response = deploy(client, json.dumps(package).encode(), {"Content-Type": "application/ogcapppkg+json"})
    assert response.status_code == 201, response.text
    assert (response.json()["id"], response.json()["version"]) == ("greet-pkg", "2.1")


def test_package_returns_what_was_deployed(client: httpx.Client) -> None:
    undeploy_if_present(client, "greet:2.1")
    deploy(client, GREET)
    response = client.get("/processes/greet:2.1/package")
    assert response.status_code == 200
    assert response.content == GREET


def test_invalid_cwl_is_refused_with_the_validators_message(client: httpx.Client) -> None:
    broken = GREET.replace(b"baseCommand", b"baseComand")
    response = deploy(client, broken)
    assert response.status_code == 400
    validate(response.json(), "exception.yaml")
    assert "baseComand" in response.json()["detail"]
    assert "Traceback" not in response.text


def test_a_body_that_is_not_yaml_or_json_is_refused(client: httpx.Client) -> None:
    response = deploy(client, b"cwlVersion: [unclosed")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_an_unsupported_media_type_is_refused(client: httpx.Client) -> None:
    response = deploy(client, GREET, {"Content-Type": "text/csv"})
    assert response.status_code == 415
    assert response.json()["type"].endswith("unsupported-media-type")


def test_replacing_a_process_keeps_its_name_and_takes_the_new_package(client: httpx.Client) -> None:
    undeploy_if_present(client, "greet:2.1")
    deploy(client, GREET)
    changed = GREET.replace(b"label: Greet someone", b"label: Greet someone kindly")
    response = client.put("/processes/greet:2.1", content=changed, headers=CWL_YAML)
    assert response.status_code == 204, response.text
    assert client.get("/processes/greet:2.1").json()["title"] == "Greet someone kindly"


def test_undeploy_removes_the_process_and_a_second_undeploy_is_not_found(client: httpx.Client) -> None:
    undeploy_if_present(client, "greet:2.1")
    deploy(client, GREET)
    assert client.delete("/processes/greet:2.1").status_code == 204
    response = client.get("/processes/greet:2.1")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/no-such-process")
    assert client.delete("/processes/greet:2.1").status_code == 404


def test_the_built_in_echo_cannot_be_undeployed(client: httpx.Client) -> None:
    response = client.delete("/processes/echo")
    assert response.status_code == 403
    assert response.json()["type"].endswith("immutable-process")


def test_unknown_process_is_no_such_process(client: httpx.Client) -> None:
    response = client.get("/processes/nothing-here")
    assert response.status_code == 404
    validate(response.json(), "exception.yaml")
    assert response.json()["type"] == "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-process"


def test_process_list_pages_with_next_links(client: httpx.Client) -> None:
    first = client.get("/processes", params={"limit": 2}).json()
    validate(first, "processList.yaml")
    assert len(first["processes"]) == 2
    next_link = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = client.get(next_link).json()
    assert not {p["id"] for p in first["processes"]} & {p["id"] for p in second["processes"]}


def test_a_graph_needs_an_existing_workflow_when_one_is_named(client: httpx.Client) -> None:
    package = (Path(__file__).resolve().parents[2] / "swath" / "examples" / "stac-band-stats.cwl").read_bytes()
    response = deploy(client, package, w="no-such-workflow")
    assert response.status_code == 400
    assert response.json()["type"].endswith("workflow-not-found")
