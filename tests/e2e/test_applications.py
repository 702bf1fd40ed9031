"""The application catalog over HTTP: register, search, read, download and delete versions."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DATA, Server, make_server
from tests.e2e.helpers import ASYNC, wait_for_status
from tests.e2e.test_auth import make_token
from tests.ogc_schemas import validate
from tests.services.test_catalog_sources import git

CATALOG = DATA / "catalog"
STAC_APP = (CATALOG / "stac-app.cwl").read_bytes()
PLAIN_TOOL = (CATALOG / "plain-tool.cwl").read_bytes()
CWL_YAML = {"Content-Type": "application/cwl+yaml"}
# The console script: `python -m cwltool` exits 0 whatever happened (its __main__ drops main's return code).
CWLTOOL = Path(sys.executable).parent / "cwltool"


def register(client: httpx.Client, body: bytes, headers: dict[str, str] = CWL_YAML, **params: str) -> httpx.Response:
    return client.post("/applications", content=body, headers=headers, params=params)


def assert_exception(response: httpx.Response, status: int, type_suffix: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    document: dict[str, Any] = response.json()
    validate(document, "exception.yaml")
    assert document["type"].endswith(type_suffix)
    return document


def multi_file_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((CATALOG / "multi").rglob("*.cwl")):
            archive.write(path, path.relative_to(CATALOG / "multi").as_posix())
    return buffer.getvalue()


def test_registering_answers_201_with_the_version_and_its_address(client: httpx.Client) -> None:
    response = register(client, STAC_APP)
    assert response.status_code in (200, 201), response.text
    document = response.json()
    assert response.headers["Location"].endswith("/applications/stac-app/versions/1.2.0")
    assert document["checksum"].startswith("sha256:")
    assert document["metadata"]["author"] == ["Ada Lovelace"]
    assert document["warnings"] == []
    assert document["files"] == ["package.cwl"]


def test_registering_the_same_package_again_answers_200(client: httpx.Client) -> None:
    register(client, PLAIN_TOOL, name="again")
    response = register(client, PLAIN_TOOL, name="again")
    assert response.status_code == 200
    assert len(client.get("/applications/again").json()["versions"]) == 1


def test_other_content_under_a_registered_version_answers_409(client: httpx.Client) -> None:
    register(client, PLAIN_TOOL, name="immutable", version="1")
    changed = PLAIN_TOOL.replace(b"out.txt", b"other.txt")
    document = assert_exception(
        register(client, changed, name="immutable", version="1"), 409, "application-version-exists"
    )
    assert "version '1' is registered with other content" in document["detail"]


def test_an_invalid_package_answers_400_with_every_problem(client: httpx.Client) -> None:
    document = assert_exception(register(client, (CATALOG / "two-problems.cwl").read_bytes()), 400, "invalid-package")
    problems = " ".join(document["errors"])
    assert "package.cwl:4:1: invalid field 'baseComand'" in problems and "package.cwl:8:20:" in problems
    assert "/tmp" not in document["detail"] + problems


def test_warnings_are_shown_with_the_version(client: httpx.Client) -> None:
    register(client, PLAIN_TOOL)
    document = client.get("/applications/plain-tool/versions/1.0.0").json()
    assert (
        "CommandLineTool 'plain-tool' has no DockerRequirement; the best practice names an image."
        in document["warnings"]
    )


def test_an_ogc_application_package_registers_its_execution_unit(client: httpx.Client) -> None:
    body = {
        "processDescription": {"process": {"id": "from-apppkg", "version": "3.1"}},
        "executionUnit": {"value": PLAIN_TOOL.decode(), "mediaType": "application/cwl+yaml"},
    }
    response = client.post("/applications", json=body, headers={"Content-Type": "application/ogcapppkg+json"})
    assert response.status_code in (200, 201), response.text
    assert (response.json()["name"], response.json()["version"]) == ("from-apppkg", "3.1")


def test_an_execution_unit_at_a_private_address_is_refused(client: httpx.Client) -> None:
    body = {"executionUnit": {"href": "http://127.0.0.1:9/package.cwl"}}
    response = client.post("/applications", json=body, headers={"Content-Type": "application/ogcapppkg+json"})
    assert_exception(response, 400, "address-refused")


def test_a_zip_package_downloads_as_a_zip_of_every_file(client: httpx.Client) -> None:
    response = register(client, multi_file_zip(), {"Content-Type": "application/zip"})
    assert response.status_code in (200, 201), response.text
    assert response.json()["files"] == ["main.cwl", "tools/say.cwl"]
    download = client.get("/applications/multi-app/versions/0.1.0/package")
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["ETag"] == f'"{response.json()["checksum"]}"'
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert names == ["main.cwl", "tools/say.cwl"]


def test_a_single_file_package_downloads_as_registered(client: httpx.Client) -> None:
    register(client, STAC_APP)
    download = client.get("/applications/stac-app/versions/1.2.0/package")
    assert download.content == STAC_APP
    assert download.headers["content-type"].startswith("application/cwl+yaml")


def test_the_catalog_is_searched_by_name_keyword_and_author(client: httpx.Client) -> None:
    register(client, STAC_APP)
    register(client, PLAIN_TOOL)

    def names(**query: str) -> set[str]:
        return {item["name"] for item in client.get("/applications", params=query).json()["applications"]}

    assert {"stac-app", "plain-tool"} <= names()
    assert names(keyword="STAC") == {"stac-app"}
    assert names(author="ada") == {"stac-app"}
    assert "stac-app" not in names(name="plain")


def test_a_missing_application_or_version_answers_404(client: httpx.Client) -> None:
    assert_exception(client.get("/applications/nothing-here"), 404, "no-such-application")
    register(client, PLAIN_TOOL)
    document = assert_exception(client.get("/applications/plain-tool/versions/9.9"), 404, "no-such-application")
    assert document["detail"] == "Application 'plain-tool' has no version '9.9' in the catalog."


def test_an_unsupported_media_type_answers_415(client: httpx.Client) -> None:
    assert_exception(register(client, b"hello", {"Content-Type": "text/plain"}), 415, "unsupported-media-type")


def test_a_version_deployed_as_a_process_is_deleted_only_when_forced(client: httpx.Client) -> None:
    register(client, PLAIN_TOOL, name="deployed-tool", version="1.0")
    tool = PLAIN_TOOL.replace(
        b"id: plain-tool", b"id: deployed-tool\ns:softwareVersion: '1.0'\n$namespaces: {s: https://schema.org/}"
    )
    deployed = client.post("/processes", content=tool, headers=CWL_YAML)
    assert deployed.status_code == 201, deployed.text
    refused = assert_exception(client.delete("/applications/deployed-tool/versions/1.0"), 409, "application-in-use")
    assert refused["processID"] == "deployed-tool:1.0"
    assert client.delete("/applications/deployed-tool/versions/1.0", params={"force": "true"}).status_code == 204
    assert_exception(client.get("/applications/deployed-tool"), 404, "no-such-application")


@pytest.fixture(scope="module")
def authenticated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    server = make_server(
        tmp_path_factory.mktemp("catalog-auth"),
        auth_mode="on",
        deploy_examples="false",
        allow_local_package_sources="true",
        max_package_files="20",
    )
    tokens = {name: make_token(server, name, role) for name, role in [("una", "user"), ("dee", "deployer")]}
    tokens["una2"] = make_token(server, "una2", "user")
    server.start()
    yield server, tokens
    server.stop()


def test_registering_needs_the_deployer_role_and_records_the_registrant(
    authenticated: tuple[Server, dict[str, str]],
) -> None:
    server, tokens = authenticated
    with httpx.Client(base_url=server.url, timeout=60) as http:
        as_user = {"Authorization": f"Bearer {tokens['una']}", **CWL_YAML}
        as_deployer = {"Authorization": f"Bearer {tokens['dee']}", **CWL_YAML}
        assert_exception(http.post("/applications", content=PLAIN_TOOL, headers=as_user), 403, "forbidden")
        registered = http.post("/applications", content=PLAIN_TOOL, headers=as_deployer)
        assert registered.status_code == 201, registered.text
        assert registered.json()["registeredBy"] == "dee"
        listed = http.get("/applications", headers={"Authorization": f"Bearer {tokens['una']}"})
        assert [item["name"] for item in listed.json()["applications"]] == ["plain-tool"]


def as_(tokens: dict[str, str], name: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[name]}", **headers}


def test_a_private_application_is_read_only_by_its_registrant_and_those_it_is_shared_with_here_and_through_trs(
    authenticated: tuple[Server, dict[str, str]],
) -> None:
    server, tokens = authenticated
    with httpx.Client(base_url=server.url, timeout=60) as http:
        registered = http.post(
            "/applications",
            content=PLAIN_TOOL,
            params={"name": "private-tool", "visibleTo": "una"},
            headers=as_(tokens, "dee", **CWL_YAML),
        )
        assert registered.status_code == 201, registered.text
        assert registered.json()["visibleTo"] == ["una"]
        paths = [
            "/applications/private-tool",
            "/applications/private-tool/versions/1.0.0",
            "/applications/private-tool/versions/1.0.0/package",
            "/ga4gh/trs/v2/tools/private-tool",
            "/ga4gh/trs/v2/tools/private-tool/versions",
            "/ga4gh/trs/v2/tools/private-tool/versions/1.0.0/CWL/descriptor",
            "/ga4gh/trs/v2/tools/private-tool/versions/1.0.0/CWL/files",
        ]
        for name in ("dee", "una"):
            for path in paths:
                assert http.get(path, headers=as_(tokens, name)).status_code == 200, (name, path)
        for path in paths:
            assert_exception(http.get(path, headers=as_(tokens, "una2")), 404, "no-such-application")
        listed = http.get("/applications", headers=as_(tokens, "una2")).json()["applications"]
        assert "private-tool" not in [item["name"] for item in listed]
        tools = http.get("/ga4gh/trs/v2/tools", headers=as_(tokens, "una2")).json()
        assert "private-tool" not in [tool["id"] for tool in tools]
        assert "private-tool" in [
            tool["id"] for tool in http.get("/ga4gh/trs/v2/tools", headers=as_(tokens, "una")).json()
        ]


def test_a_zip_past_the_file_limit_answers_413_naming_the_member(authenticated: tuple[Server, dict[str, str]]) -> None:
    server, tokens = authenticated
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(25):
            archive.writestr(f"data/{index:02}.txt", "x")
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post(
            "/applications",
            content=buffer.getvalue(),
            headers=as_(tokens, "dee", **{"Content-Type": "application/zip"}),
        )
    document = assert_exception(response, 413, "content-too-large")
    assert document["detail"].startswith("The zip holds more than 20 files (at 'data/20.txt')")


def test_a_zip_member_leaving_the_package_answers_400_naming_it(client: httpx.Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.cwl", PLAIN_TOOL)
        archive.writestr("../../etc/cron.d/evil", "* * * * * root true")
    document = assert_exception(
        register(client, buffer.getvalue(), {"Content-Type": "application/zip"}), 400, "invalid-package"
    )
    assert "'../../etc/cron.d/evil' leaves the package" in document["detail"]


def test_a_package_in_a_local_git_repository_registers_and_trs_serves_each_file(
    authenticated: tuple[Server, dict[str, str]], tmp_path: Path
) -> None:
    server, tokens = authenticated
    repository = tmp_path / "repo"
    (repository / "app").mkdir(parents=True)
    for path in (CATALOG / "multi").rglob("*.cwl"):
        target = repository / "app" / path.relative_to(CATALOG / "multi")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes().replace(b"id: multi-app", b"id: git-app"))
    git(repository, "init", "--quiet", "--initial-branch=main")
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "The application")
    body = {"git": repository.as_uri(), "ref": "main", "path": "app"}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post("/applications", json=body, headers=as_(tokens, "dee"))
        assert response.status_code == 201, response.text
        assert response.json()["metadata"]["source"]["commit"] == git(repository, "rev-parse", "HEAD")
        assert response.json()["packed"] is True
        base = "/ga4gh/trs/v2/tools/git-app/versions/0.1.0/CWL"
        files = http.get(f"{base}/files", headers=as_(tokens, "una")).json()
        assert [item["path"] for item in files] == ["main.cwl", "tools/say.cwl"]
        for item in files:
            served = http.get(f"{base}/descriptor/{item['path']}", headers=as_(tokens, "una")).json()
            assert served["content"] == (repository / "app" / item["path"]).read_text()
        refused = http.post("/applications", json={"git": "ssh://git@example.org/a.git"}, headers=as_(tokens, "dee"))
        assert "clones https (or http) URLs only" in assert_exception(refused, 400, "invalid-package")["detail"]


def test_a_multi_file_version_downloads_packed_deploys_and_runs(client: httpx.Client, server: Server) -> None:
    registered = register(client, multi_file_zip(), {"Content-Type": "application/zip"}, version="0.1.0").json()
    packed = client.get("/applications/multi-app/versions/0.1.0/package", params={"packed": "true"})
    assert packed.headers["content-type"] == "application/cwl+json"
    assert next(item["id"] for item in packed.json()["$graph"]) == "#main"
    unit = {"href": f"{server.url}/applications/multi-app/versions/0.1.0", "type": "application/cwl+yaml"}
    deployed = client.post(
        "/processes", json={"executionUnit": unit}, headers={"Content-Type": "application/ogcapppkg+json"}
    )
    assert deployed.status_code == 201, deployed.text
    job = client.post(
        "/processes/multi-app:0.1.0/execution", json={"inputs": {"message": "packed"}}, headers=ASYNC
    ).json()
    assert wait_for_status(client, job["jobID"])["status"] == "successful", client.get(
        f"/jobs/{job['jobID']}/logs"
    ).text
    assert client.get(f"/jobs/{job['jobID']}").json()["packageChecksum"] == registered["checksum"]
    results = client.get(f"/jobs/{job['jobID']}/results").json()
    assert httpx.get(results["out"]["href"]).text == "packed\n"


# GA4GH TRS v2 ---------------------------------------------------------------------------------------------------


def test_trs_service_info_names_the_trs_artifact(client: httpx.Client) -> None:
    document = client.get("/ga4gh/trs/v2/service-info").json()
    assert document["type"] == {"group": "org.ga4gh", "artifact": "trs", "version": "2.0.1"}


def test_trs_lists_tools_with_their_versions_authors_and_images(client: httpx.Client) -> None:
    register(client, STAC_APP)
    tools = {tool["id"]: tool for tool in client.get("/ga4gh/trs/v2/tools").json()}
    stac = tools["stac-app"]
    assert stac["toolclass"]["name"] == "Workflow"
    assert [version["id"] for version in stac["versions"]] == ["1.2.0"]
    version = client.get("/ga4gh/trs/v2/tools/stac-app/versions/1.2.0").json()
    assert version["author"] == ["Ada Lovelace"] and version["descriptor_type"] == ["CWL"]
    assert version["images"][0]["registry_host"] == "docker.example.org"
    assert version["images"][0]["checksum"][0]["type"] == "sha256"


def test_trs_descriptor_is_wrapped_with_its_checksum_or_plain(client: httpx.Client) -> None:
    register(client, STAC_APP)
    wrapped = client.get("/ga4gh/trs/v2/tools/stac-app/versions/1.2.0/CWL/descriptor").json()
    assert wrapped["content"] == STAC_APP.decode()
    assert wrapped["checksum"][0]["type"] == "sha256"
    plain = client.get("/ga4gh/trs/v2/tools/stac-app/versions/1.2.0/PLAIN_CWL/descriptor")
    assert plain.content == STAC_APP


def test_trs_files_name_the_primary_and_secondary_descriptors(client: httpx.Client) -> None:
    register(client, multi_file_zip(), {"Content-Type": "application/zip"})
    files = client.get("/ga4gh/trs/v2/tools/multi-app/versions/0.1.0/CWL/files").json()
    assert files == [
        {"path": "main.cwl", "file_type": "PRIMARY_DESCRIPTOR"},
        {"path": "tools/say.cwl", "file_type": "SECONDARY_DESCRIPTOR"},
    ]
    secondary = client.get("/ga4gh/trs/v2/tools/multi-app/versions/0.1.0/CWL/descriptor/tools/say.cwl").json()
    assert secondary["content"] == (CATALOG / "multi" / "tools" / "say.cwl").read_text()


def test_trs_refuses_a_descriptor_type_the_catalog_does_not_hold(client: httpx.Client) -> None:
    register(client, STAC_APP)
    response = client.get("/ga4gh/trs/v2/tools/stac-app/versions/1.2.0/WDL/descriptor")
    assert_exception(response, 404, "no-such-application")


def test_cwltool_runs_a_multi_file_package_it_resolved_through_trs(
    client: httpx.Client, server: Server, tmp_path: Path
) -> None:
    register(client, multi_file_zip(), {"Content-Type": "application/zip"})
    done = subprocess.run(
        [
            str(CWLTOOL), "--quiet", "--outdir", str(tmp_path),
            "--add-ga4gh-tool-registry", server.url, "multi-app:0.1.0", "--message", "hello from TRS",
        ],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)["out"]
    assert Path(output["path"]).read_text() == "hello from TRS\n"


def test_cwltool_resolves_the_imported_and_included_files_of_a_package_through_trs(
    client: httpx.Client, server: Server, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((CATALOG / "include").rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(CATALOG / "include").as_posix())
    assert register(client, buffer.getvalue(), {"Content-Type": "application/zip"}).status_code in (200, 201)
    done = subprocess.run(
        [
            str(CWLTOOL), "--quiet", "--outdir", str(tmp_path),
            "--add-ga4gh-tool-registry", server.url, "include-app:1.0.0", "--message", "imported",
        ],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Path(json.loads(done.stdout)["out"]["path"]).read_text() == "imported\n"


# Deploying from the catalog -------------------------------------------------------------------------------------


def test_a_process_deployed_from_the_catalog_links_back_and_its_jobs_record_the_checksum(
    client: httpx.Client, server: Server
) -> None:
    registered = register(client, PLAIN_TOOL, name="from-catalog", version="5.0").json()
    unit = {"href": f"{server.url}/applications/from-catalog/versions/5.0/package", "type": "application/cwl+yaml"}
    body = {"processDescription": {"process": {"id": "from-catalog", "version": "5.0"}}, "executionUnit": unit}
    deployed = client.post("/processes", json=body, headers={"Content-Type": "application/ogcapppkg+json"})
    assert deployed.status_code == 201, deployed.text
    description = client.get("/processes/from-catalog:5.0").json()
    via = [link["href"] for link in description["links"] if link["rel"] == "via"]
    assert via == [f"{server.url}/applications/from-catalog/versions/5.0"]
    job = client.post("/processes/from-catalog:5.0/execution", json={"inputs": {"message": "hi"}}, headers=ASYNC).json()
    assert job["packageChecksum"] == registered["checksum"]
    log = client.get(f"/jobs/{job['jobID']}/logs")
    assert wait_for_status(client, job["jobID"])["status"] == "successful", log.text
    assert client.get(f"/jobs/{job['jobID']}").json()["packageChecksum"] == registered["checksum"]
