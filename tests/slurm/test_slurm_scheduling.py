"""Scheduling with the Slurm executor: jobs over a running cap wait in Swath's table and say why, and are handed
to Slurm in the queue's order, highest priority first."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import submit, wait_for_status
from tests.slurm.conftest import deploy, slurm_site


@pytest.mark.timeout(300)
def test_jobs_over_the_user_cap_wait_and_reach_slurm_highest_priority_first(tmp_path: Path) -> None:
    with slurm_site(tmp_path, max_running_per_user="1") as site, site.client() as client:
        process = deploy(client, "counter")

        def counter(token: str, seconds: float, **members: object) -> str:
            body = {"inputs": {"token": token, "ledger": str(site.ledger), "seconds": seconds}, **members}
            return submit(client, process, body)

        blocker = counter("blocker", 3)
        low, high = counter("low", 0, priority=-5), counter("high", 0)
        waiting = client.get(f"/jobs/{low}").json()
        assert waiting["status"] == "accepted" and "batchJobID" not in waiting, waiting
        assert waiting["waitReason"] == "user cap 1 reached"
        assert client.get(f"/jobs/{high}").json()["queuePosition"] < waiting["queuePosition"]
        statuses = [wait_for_status(client, job_id, timeout=240) for job_id in (blocker, high, low)]
        assert [status["status"] for status in statuses] == ["successful"] * 3, [s.get("message") for s in statuses]
        # Each waited for the one before it to leave Slurm.
        assert statuses[0]["finished"] <= statuses[1]["started"] and statuses[1]["finished"] <= statuses[2]["started"]
        assert int(statuses[1]["batchJobID"]) < int(statuses[2]["batchJobID"])
