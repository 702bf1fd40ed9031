"""Result reuse when tools run in containers: the image's id is part of the key (a private dockerd, local images)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import DATA, Server, make_server
from tests.e2e.helpers import submit, wait_for_status


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, docker_host: str) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("reuse"), container_runtime="docker", allow_host_tools="false")
    running.environment["DOCKER_HOST"] = docker_host
    running.start()
    yield running
    running.stop()


def test_a_containerised_process_that_reuses_by_default_takes_the_earlier_results(
    client: httpx.Client, server: Server
) -> None:
    body = (DATA / "attempts" / "reuse-container.cwl").read_bytes()
    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})
    assert response.status_code == 201, response.text
    data = server.data_dir.parent / "reused-in-container.txt"
    data.write_text("four")
    first = wait_for_status(client, submit(client, "reuse-container", {"inputs": {"data": {"href": str(data)}}}))
    assert first["status"] == "successful", client.get(f"/jobs/{first['jobID']}/logs").text
    second = wait_for_status(client, submit(client, "reuse-container", {"inputs": {"data": {"href": str(data)}}}))
    assert second["status"] == "successful"
    assert second["message"].startswith(f"Results reused from job {first['jobID']}")
    # The first ran its tool in a container; the second ran none.
    assert "[job reuse-container]" in client.get(f"/jobs/{first['jobID']}/logs").text
    assert "[job reuse-container]" not in client.get(f"/jobs/{second['jobID']}/logs").text
