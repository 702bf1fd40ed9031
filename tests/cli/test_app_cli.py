"""`swath app ...` through the real entry point against a real server, and the matching Client methods."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from swath.client import Client
from swath.client.errors import APIError
from tests.cli.test_cli import as_json, swath
from tests.conftest import DATA, Server, make_server
from tests.services.test_catalog_sources import git

CATALOG = DATA / "catalog"


def test_app_register_prints_the_version_checksum_and_warnings(server: Server) -> None:
    result = swath("app", "register", str(CATALOG / "plain-tool.cwl"), "--name", "cli-tool", url=server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Registered cli-tool:1.0.0 (sha256:")
    assert "warning: CommandLineTool 'plain-tool' has no DockerRequirement" in result.stdout


def test_app_register_of_a_folder_keeps_every_file(server: Server) -> None:
    document = as_json(swath("app", "register", str(CATALOG / "multi"), "--json", url=server.url))
    assert document["files"] == ["main.cwl", "tools/say.cwl"]


def test_app_register_of_an_invalid_package_prints_every_problem_and_exits_3(server: Server) -> None:
    result = swath("app", "register", str(CATALOG / "two-problems.cwl"), url=server.url)
    assert result.returncode == 3
    assert "package.cwl:4:1: invalid field 'baseComand'" in result.stderr
    assert "package.cwl:8:20:" in result.stderr


def test_app_list_show_deploy_and_delete(server: Server) -> None:
    swath("app", "register", str(CATALOG / "plain-tool.cwl"), "--name", "cli-cycle", "--version", "2.0", url=server.url)
    names = [item["name"] for item in as_json(swath("app", "list", "--json", url=server.url))]
    assert "cli-cycle" in names
    shown = swath("app", "show", "cli-cycle:2.0", url=server.url)
    assert shown.returncode == 0 and "file: package.cwl" in shown.stdout
    deployed = swath("app", "deploy", "cli-cycle:2.0", url=server.url)
    assert deployed.stdout.strip() == "Deployed process plain-tool version 2.0", deployed.stderr
    refused = swath("app", "delete", "cli-cycle:2.0", url=server.url)
    assert refused.returncode == 3
    assert "is deployed as process 'plain-tool:2.0'" in refused.stderr
    assert swath("app", "delete", "cli-cycle:2.0", "--force", url=server.url).returncode == 0
    assert swath("app", "show", "cli-cycle", url=server.url).returncode == 3


def test_app_deploy_without_a_version_is_a_usage_error(server: Server) -> None:
    result = swath("app", "deploy", "just-a-name", url=server.url)
    assert result.returncode == 2
    assert "write NAME:VERSION" in result.stderr


def test_the_client_registers_reads_deploys_and_deletes(server: Server, tmp_path: Path) -> None:
    with Client(server.url) as client:
        registered = client.register_application(CATALOG / "stac-app.cwl")
        assert registered["name"] == "stac-app" and registered["warnings"] == []
        assert client.register_application(CATALOG / "stac-app.cwl")["checksum"] == registered["checksum"]
        assert [item["name"] for item in client.applications(keyword="stac")] == ["stac-app"]
        assert client.application("stac-app")["versions"][0]["version"] == "1.2.0"
        assert client.application_package("stac-app", "1.2.0") == (CATALOG / "stac-app.cwl").read_bytes()
        process = client.deploy_application("stac-app", "1.2.0")
        assert (process["id"], process["version"]) == ("stac-app", "1.2.0")
        with pytest.raises(APIError) as refused:
            client.delete_application_version("stac-app", "1.2.0")
        assert refused.value.document["processID"] == "stac-app:1.2.0"
        client.delete_application_version("stac-app", "1.2.0", force=True)
        assert client.applications(keyword="stac") == []


@pytest.fixture(scope="module")
def local_sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("local-sources"), allow_local_package_sources="true").start()
    yield running
    running.stop()


def test_app_register_git_clones_the_repository_and_deploy_runs_the_packed_package(
    local_sources: Server, tmp_path: Path
) -> None:
    repository = tmp_path / "repo"
    shutil.copytree(CATALOG / "multi", repository / "app")
    git(repository, "init", "--quiet", "--initial-branch=main")
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "The application")
    git(repository, "tag", "v0.1.0")
    result = swath(
        "app", "register", repository.as_uri(), "--git", "--ref", "v0.1.0", "--path", "app", "--json",
        url=local_sources.url,
    )  # fmt: skip
    document = as_json(result)
    assert document["metadata"]["source"]["ref"] == "v0.1.0" and document["files"] == ["main.cwl", "tools/say.cwl"]
    deployed = swath("app", "deploy", "multi-app:0.1.0", url=local_sources.url)
    assert deployed.stdout.strip() == "Deployed process multi-app version 0.1.0", deployed.stderr


def test_the_client_names_the_entry_file_and_whom_a_version_is_shown_to(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "two"
    shutil.copytree(CATALOG / "multi", folder)
    (folder / "other.cwl").write_text((folder / "main.cwl").read_text().replace("id: multi-app", "id: other-app"))
    with Client(server.url) as client:
        with pytest.raises(APIError, match="not exactly one Workflow"):
            client.register_application(folder)
        registered = client.register_application(folder, entry="other.cwl", visible_to=["bob", "group:sounder"])
    assert (registered["name"], registered["entryPath"]) == ("other-app", "other.cwl")
    assert registered["visibleTo"] == ["bob", "group:sounder"]
