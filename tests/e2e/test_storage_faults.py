"""A full disk and a database gone: /health says so, new work is refused with 503, and a job that runs out of
space ends `failed` with the reason, its work directory removed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, make_server, wait_until
from tests.e2e.helpers import ASYNC, submit, tmpfs, wait_for_status
from tests.ogc_schemas import validate

# 20 MB into the work directory, which is an 8 MB file system here.
FILLER = b"""cwlVersion: v1.2
class: CommandLineTool
id: filler
baseCommand: [sh, -c, "head -c $0 /dev/zero > big.bin"]
inputs:
  size: {type: int, inputBinding: {position: 1}}
outputs:
  big: {type: File, outputBinding: {glob: big.bin}}
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs as the server's work directory (its database and outputs stay elsewhere)."""
    with tmpfs(tmp_path / "swath-data" / "work", "8m") as work:
        yield work


@pytest.fixture
def server_on_small_disk(tmp_path: Path, small_disk: Path) -> Iterator[Server]:
    running = make_server(tmp_path, min_free_space=str(1024**2), deploy_examples="false").start()
    yield running
    running.stop()


def _deploy_filler(client: httpx.Client) -> None:
    response = client.post("/processes", content=FILLER, headers={"Content-Type": "application/cwl+yaml"})
    assert response.status_code == 201, response.text


def test_a_job_that_fills_the_disk_fails_with_the_reason_and_frees_it(
    server_on_small_disk: Server, small_disk: Path
) -> None:
    with httpx.Client(base_url=server_on_small_disk.url, timeout=60) as client:
        _deploy_filler(client)
        job_id = submit(client, "filler", {"inputs": {"size": 20_000_000}})
        status = wait_for_status(client, job_id)

        assert status["status"] == "failed"
        assert "MB free, less than the 1.0 MB it must keep" in status["message"]
        assert "the job's work directory was removed" in status["message"]
        # The job's process removes its work directory right after recording the outcome.
        wait_until(lambda: shutil.disk_usage(small_disk).used < 1024**2, message="the work directory to be removed")
        assert not any(small_disk.iterdir())
        # Space is back: the next job runs.
        assert wait_for_status(client, submit(client, "filler", {"inputs": {"size": 1000}}))["status"] == "successful"


def test_a_full_disk_makes_health_unhealthy_and_refuses_new_jobs_until_space_is_back(
    server_on_small_disk: Server, small_disk: Path
) -> None:
    with httpx.Client(base_url=server_on_small_disk.url, timeout=60) as client:
        _deploy_filler(client)
        ballast = small_disk / "ballast"
        ballast.write_bytes(b"\0" * (7 * 1024**2 + 512 * 1024))

        health = client.get("/health")
        refused = client.post("/processes/filler/execution", json={"inputs": {"size": 1}}, headers=ASYNC)
        upload = client.post("/files", params={"name": "a.txt"}, content=b"x")
        ballast.unlink()
        accepted = client.post("/processes/filler/execution", json={"inputs": {"size": 1}}, headers=ASYNC)

    assert health.status_code == 503
    assert health.json()["checks"]["disk"]["healthy"] is False
    assert "(setting min_free_space)" in health.json()["checks"]["disk"]["detail"]
    assert refused.status_code == 503
    validate(refused.json(), "exception.yaml")
    assert refused.json()["type"] == "https://swath.dev/exceptions/storage-full"
    assert upload.status_code == 503
    assert accepted.status_code == 201


def test_a_deleted_database_makes_health_unhealthy_and_refuses_new_jobs(tmp_path: Path) -> None:
    server = make_server(tmp_path, deploy_examples="false").start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            (server.data_dir / "swath.db").unlink()
            health = client.get("/health")
            refused = client.post("/processes/echo/execution", json={"inputs": {}}, headers=ASYNC)
    finally:
        server.stop()

    assert health.status_code == 503
    assert health.json()["checks"]["database-writes"] == {
        "healthy": False,
        "detail": "The database file has been removed; jobs accepted now would be lost at restart.",
    }
    assert refused.status_code == 503
    assert refused.json()["type"] == "https://swath.dev/exceptions/store-unavailable"
