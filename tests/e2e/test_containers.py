"""The service with Docker for real: `swath serve` processes whose jobs run in containers of a private dockerd, with
images built locally (tests/images/build.sh) and never pulled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import swath
from tests.conftest import DATA, PODMAN_CONF, Server, make_server, wait_until
from tests.e2e.helpers import ensure_deployed, submit, wait_for_status

EXAMPLES = Path(swath.__file__).parent / "examples"


def _docker_server(tmp_path: Path, docker_host: str, **settings: str) -> Server:
    server = make_server(tmp_path, container_runtime="docker", allow_host_tools="false", **settings)
    server.environment["DOCKER_HOST"] = docker_host
    return server.start()


@pytest.fixture(scope="module", params=["docker", "podman"])
def engine(request: pytest.FixtureRequest) -> str:
    """The module's tests run against a server using Docker, then one using Podman."""
    if request.param == "podman":
        request.getfixturevalue("podman_images")
    return str(request.param)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, docker_host: str, engine: str) -> Iterator[Server]:
    if engine == "docker":
        running = _docker_server(tmp_path_factory.mktemp("docker"), docker_host)
    else:
        running = make_server(tmp_path_factory.mktemp("podman"), container_runtime="podman", allow_host_tools="false")
        running.environment["CONTAINERS_CONF"] = str(PODMAN_CONF)
        running.start()
    yield running
    running.stop()


def _containers_of(job_id: str, docker_host: str, engine: str = "docker") -> list[str]:
    listed = subprocess.run(
        [engine, "ps", "--all", "--quiet", "--filter", f"label=swath.job={job_id}"],
        capture_output=True,
        check=True,
        text=True,
        env={**os.environ, "DOCKER_HOST": docker_host, "CONTAINERS_CONF": str(PODMAN_CONF)},
    )
    return listed.stdout.split()


def test_health_reports_the_engine_and_that_no_tool_runs_on_the_host(client: httpx.Client, engine: str) -> None:
    checks = client.get("/health").json()["checks"]

    assert checks["containers"] == {
        "healthy": True,
        "detail": f"{engine} runs containers. Tools on the host: not allowed (SWATH_ALLOW_HOST_TOOLS).",
    }


@pytest.mark.parametrize(
    ("example", "image"),
    [
        ("word-count", "debian:stable-slim"),
        ("scatter-squares", "debian:stable-slim"),
        ("stac-band-stats", "python:3.11-slim"),
    ],
)
def test_each_example_runs_in_the_image_it_names(client: httpx.Client, engine: str, example: str, image: str) -> None:
    text = (EXAMPLES / "jobs" / f"{example}.json").read_text(encoding="utf-8")
    body = json.loads(text.replace("{EXAMPLES}", str(EXAMPLES)))

    job_id = submit(client, f"{example}:1.0.0", body)

    status = wait_for_status(client, job_id, timeout=120)
    log = client.get(f"/jobs/{job_id}/logs").text
    assert status["status"] == "successful", log
    assert f"runs in {engine} image {image} (id " in log


def test_dismissing_a_running_job_removes_its_container_within_two_seconds(
    client: httpx.Client, docker_host: str, engine: str
) -> None:
    job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 60}})
    wait_until(lambda: _containers_of(job_id, docker_host, engine), timeout=60, message="the job's container")

    assert client.delete(f"/jobs/{job_id}").json()["status"] == "dismissed"

    wait_until(lambda: not _containers_of(job_id, docker_host, engine), timeout=2, message="the container gone")


def test_a_workflow_of_two_tools_in_two_images_runs(client: httpx.Client, engine: str) -> None:
    body = (DATA / "containers" / "two-images.cwl").read_bytes()
    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})
    assert response.status_code in (201, 409), response.text

    job_id = submit(client, "two-images:1.0.0", {"inputs": {"number": 21}})

    status = wait_for_status(client, job_id, timeout=120)
    assert status["status"] == "successful", client.get(f"/jobs/{job_id}/logs").text
    results = client.get(f"/jobs/{job_id}/results").json()
    assert results["doubled"].strip() == "42"
    assert client.get("/processes/two-images").json()["x-swath-containers"] == {
        "engine": engine,
        "images": ["localhost/swath-test/busybox:1", "localhost/swath-test/python:1"],
        "runsToolsOnHost": False,
    }


def test_a_package_with_a_tool_that_names_no_image_is_refused_at_deploy(client: httpx.Client) -> None:
    body = (DATA / "containers" / "host-tool.cwl").read_bytes()

    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The package has a tool without a DockerRequirement, which would run on the host, and this service runs no "
        "tool on the host (SWATH_ALLOW_HOST_TOOLS is off); name an image for every tool."
    )


def test_a_job_past_the_time_limit_has_its_container_removed(tmp_path: Path, docker_host: str) -> None:
    limited = _docker_server(tmp_path, docker_host, job_time_limit="3", deploy_examples="false")
    try:
        with httpx.Client(base_url=limited.url, timeout=60) as client:
            job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 60}})
            wait_until(lambda: _containers_of(job_id, docker_host), timeout=60, message="the job's container")

            status = wait_for_status(client, job_id, timeout=30)

            assert status["status"] == "failed"
            assert "time limit of 3 seconds" in status["message"]
            wait_until(lambda: not _containers_of(job_id, docker_host), timeout=2, message="the container gone")
    finally:
        limited.stop()


def test_serve_refuses_to_start_when_the_configured_engine_cannot_run_a_container(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SWATH_")}
    environment.update(
        {
            "SWATH_CONTAINER_RUNTIME": "docker",
            "DOCKER_HOST": f"unix://{tmp_path}/none.sock",
            "SWATH_DATA_DIR": str(tmp_path),
        }
    )

    finished = subprocess.run(
        [sys.executable, "-m", "swath", "serve", "--port", "0"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 2
    assert finished.stderr.startswith("Cannot start: SWATH_CONTAINER_RUNTIME is docker, but docker does not answer: ")
    assert "none.sock" in finished.stderr


def test_without_a_runtime_the_description_and_the_log_say_that_tools_run_on_the_host(tmp_path: Path) -> None:
    host = make_server(tmp_path, deploy_examples="false").start()
    try:
        with httpx.Client(base_url=host.url, timeout=60) as client:
            body = (DATA / "containers" / "two-images.cwl").read_bytes()
            client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})
            job_id = submit(client, "two-images:1.0.0", {"inputs": {"number": 1}})
            wait_for_status(client, job_id, timeout=60)

            described = client.get("/processes/two-images").json()["x-swath-containers"]
            log = client.get(f"/jobs/{job_id}/logs").text
    finally:
        host.stop()

    assert described == {
        "engine": "none",
        "images": ["localhost/swath-test/busybox:1", "localhost/swath-test/python:1"],
        "runsToolsOnHost": True,
    }
    assert "Tool 'write' runs on the host: no container runtime." in log
