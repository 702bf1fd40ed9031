"""Choosing the container runtime by running a container, and what a package may run, checked at deploy."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from swath.errors import InvalidPackage
from swath.services.containers import (
    PROBE_IMAGE,
    ContainerRuntime,
    ContainerRuntimeUnusable,
    check_package_may_run,
    image_names,
    probe_container_runtime,
    probe_engine,
)
from swath.settings import Settings
from tests.conftest import DATA

DOCKER = ContainerRuntime("docker", "docker runs containers.")
HOST = ContainerRuntime(None, "no runtime")


def _broken_podman(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Podman installed, but configured with an OCI runtime that does not exist: it cannot run a container."""
    conf = tmp_path / "containers.conf"
    conf.write_text('[engine]\nruntime = "no-such-oci-runtime"\n', encoding="utf-8")
    monkeypatch.setenv("CONTAINERS_CONF", str(conf))


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DATA / "containers" / name).read_text(encoding="utf-8"))
    return document


def test_a_working_docker_passes_the_probe_even_without_any_image(docker: str) -> None:
    subprocess.run(["docker", "image", "rm", "--force", PROBE_IMAGE], capture_output=True, check=False)

    assert probe_engine("docker") is None
    assert probe_container_runtime("docker") == ContainerRuntime("docker", "docker runs containers.")


def test_auto_picks_docker_when_it_runs_containers(docker: str) -> None:
    assert probe_container_runtime("auto") == ContainerRuntime("docker", "auto: docker runs containers.")


def test_auto_picks_none_and_says_why_when_no_installed_engine_can_run_a_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    _broken_podman(tmp_path, monkeypatch)

    runtime = probe_container_runtime("auto")

    assert runtime.engine is None
    assert runtime.detail.startswith(
        "auto: no container runtime works, tools run on the host (docker does not answer: "
    )
    assert "podman" in runtime.detail


def test_an_explicit_docker_that_cannot_run_a_container_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")

    with pytest.raises(ContainerRuntimeUnusable) as refused:
        probe_container_runtime("docker")

    assert str(refused.value).startswith("SWATH_CONTAINER_RUNTIME is docker, but docker does not answer: ")
    assert "no-daemon.sock" in str(refused.value)


def test_none_runs_tools_on_the_host_without_probing() -> None:
    assert probe_container_runtime("none") == ContainerRuntime(
        None, "SWATH_CONTAINER_RUNTIME is none: tools run on the host."
    )


def test_host_tools_are_allowed_by_default_only_while_the_service_listens_on_loopback() -> None:
    # A service listening beyond loopback needs authentication (settings.py).
    public = {"host": "0.0.0.0", "auth_mode": "on", "public_url": "https://swath.example"}
    assert Settings(host="127.0.0.1").host_tools_allowed
    assert Settings(host="::1").host_tools_allowed
    assert not Settings(**public).host_tools_allowed
    assert Settings(**public, allow_host_tools=True).host_tools_allowed
    assert not Settings(host="127.0.0.1", allow_host_tools=False).host_tools_allowed


def test_the_images_of_a_package_are_listed_once_each_in_document_order() -> None:
    names = image_names(_document("two-images.cwl"))

    assert names == ["localhost/swath-test/busybox:1", "localhost/swath-test/python:1"]


def test_a_package_naming_an_image_outside_the_allow_list_is_refused() -> None:
    settings = Settings(allowed_images=["localhost/swath-test/busybox"])

    with pytest.raises(InvalidPackage) as refused:
        check_package_may_run(_document("two-images.cwl"), settings, DOCKER)

    assert refused.value.detail == (
        "The package names image 'localhost/swath-test/python:1', which this service does not run; "
        "allowed images start with: localhost/swath-test/busybox."
    )


def test_a_package_whose_images_are_all_allowed_passes() -> None:
    settings = Settings(allowed_images=["localhost/swath-test/"])

    check_package_may_run(_document("two-images.cwl"), settings, DOCKER)


def test_an_allow_list_entry_is_a_path_prefix_not_a_string_prefix() -> None:
    settings = Settings(allowed_images=["localhost/swath"])

    with pytest.raises(InvalidPackage):
        check_package_may_run(_document("two-images.cwl"), settings, DOCKER)


def test_a_tool_without_an_image_is_refused_where_host_tools_are_not_allowed() -> None:
    settings = Settings(allow_host_tools=False)

    with pytest.raises(InvalidPackage) as refused:
        check_package_may_run(_document("host-tool.cwl"), settings, DOCKER)

    assert refused.value.detail.startswith("The package has a tool without a DockerRequirement, which would run on")


def test_without_a_runtime_every_tool_is_refused_where_host_tools_are_not_allowed() -> None:
    settings = Settings(allow_host_tools=False)

    with pytest.raises(InvalidPackage) as refused:
        check_package_may_run(_document("two-images.cwl"), settings, HOST)

    assert refused.value.detail.startswith("This service has no container runtime and runs no tool on the host")


def test_a_tool_covered_by_its_workflows_docker_requirement_is_contained() -> None:
    document = {
        "cwlVersion": "v1.2",
        "class": "Workflow",
        "requirements": [{"class": "DockerRequirement", "dockerPull": "localhost/swath-test/busybox:1"}],
        "inputs": [],
        "outputs": [],
        "steps": {"only": {"in": {}, "out": [], "run": {"class": "CommandLineTool", "baseCommand": "true"}}},
    }

    check_package_may_run(document, Settings(allow_host_tools=False), DOCKER)
    with pytest.raises(InvalidPackage):
        check_package_may_run({**document, "requirements": []}, Settings(allow_host_tools=False), DOCKER)
