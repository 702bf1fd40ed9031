"""A job that runs past the configured time limit is stopped and failed, saying why."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Server, make_server
from tests.e2e.helpers import ensure_deployed, submit, wait_for_status


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("limit"), job_time_limit="1").start()
    yield running
    running.stop()


def test_a_job_past_the_time_limit_is_failed_with_the_reason(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 30}})
    status = wait_for_status(client, job_id, timeout=15)
    assert status["status"] == "failed"
    assert "time limit of 1 seconds" in status["message"]
    assert "time limit" in client.get(f"/jobs/{job_id}/logs").text
