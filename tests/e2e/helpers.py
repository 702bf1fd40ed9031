"""Small steps the end-to-end tests share."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.conftest import DATA, Server, wait_until

FINAL = {"successful", "failed", "dismissed"}
ASYNC = {"Prefer": "respond-async"}


def ensure_deployed(client: httpx.Client, name: str) -> str:
    """Deploy tests/data/e2e/<name>.cwl unless it is live; returns the process id."""
    body = (DATA / "e2e" / f"{name}.cwl").read_bytes()
    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})
    if response.status_code == 201:
        return str(response.json()["id"])
    assert response.status_code == 409, response.text
    return str(client.get(f"/processes/{name}").json()["id"])


def submit(client: httpx.Client, process_id: str, body: dict[str, Any]) -> str:
    response = client.post(f"/processes/{process_id}/execution", json=body, headers=ASYNC)
    assert response.status_code == 201, response.text
    return str(response.json()["jobID"])


def wait_for_status(
    client: httpx.Client, job_id: str, statuses: set[str] = FINAL, timeout: float = 60
) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        status = client.get(f"/jobs/{job_id}").json()
        return status if status["status"] in statuses else None

    result: dict[str, Any] = wait_until(reached, timeout=timeout, message=f"job {job_id} to reach {statuses}")
    return result


def pool_of(server: Server) -> psutil.Process:
    """The runner pool process of a running server."""
    assert server.process is not None
    pools = [
        child
        for child in psutil.Process(server.process.pid).children()
        if "swath.runner.pool" in " ".join(child.cmdline())
    ]
    assert len(pools) == 1, pools
    return pools[0]


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """`folder` (made if need be) as a tmpfs of `size` (mount's words: 8m) while the block runs. Mounting needs
    root: without it the test skips, except in CI (SWATH_TEST_REQUIRE_SERVICES), where it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"CI must be able to mount a tmpfs: {mounted.stderr.decode()}")
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)
