"""Restarts lose nothing: slurmctld or the Swath server restarted while jobs run, and the per-user cap."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import wait_until
from tests.e2e.helpers import FINAL, wait_for_status
from tests.slurm.conftest import START_CLUSTER, batch_state, count, runs, slurm_is_up, slurm_site


def test_jobs_survive_a_restart_of_slurmctld_and_jobs_submitted_meanwhile_run(tmp_path: Path) -> None:
    with slurm_site(tmp_path) as site, site.client() as client:
        jobs = [count(client, site, f"ctld-{number}", seconds=4) for number in range(3)]
        wait_until(lambda: runs(site, "ctld-0"), timeout=40, message="the first job to start")
        subprocess.run(["scontrol", "shutdown", "slurmctld"], check=True, capture_output=True)
        wait_until(lambda: not slurm_is_up(), timeout=20, message="slurmctld to stop")
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["checks"]["runners"]["healthy"] is False
        assert "Slurm" in health.json()["checks"]["runners"]["detail"]
        # Accepted while Slurm cannot take it: it waits in the table, and is submitted once slurmctld is back.
        jobs.append(count(client, site, "ctld-meanwhile"))
        subprocess.run([str(START_CLUSTER)], check=True, capture_output=True)
        for job_id in jobs:
            assert wait_for_status(client, job_id, timeout=90)["status"] == "successful"
        assert client.get("/health").json()["checks"]["runners"] == {"healthy": True, "detail": "ok"}
        for token in ("ctld-0", "ctld-1", "ctld-2", "ctld-meanwhile"):
            assert len(runs(site, token)) == 1, token


def test_jobs_survive_a_restart_of_the_server_and_run_once(tmp_path: Path) -> None:
    with slurm_site(tmp_path) as site:
        with site.client() as client:
            jobs = [count(client, site, f"api-{number}", seconds=3) for number in range(3)]
            wait_until(lambda: runs(site, "api-0"), timeout=40, message="the first job to start")
        site.server.stop()
        site.server.start()
        with site.client() as client:
            for job_id in jobs:
                assert wait_for_status(client, job_id, timeout=90)["status"] == "successful"
        for token in ("api-0", "api-1", "api-2"):
            assert len(runs(site, token)) == 1, token


@pytest.mark.timeout(300)
def test_a_user_has_at_most_the_capped_number_of_jobs_in_slurm(tmp_path: Path) -> None:
    with slurm_site(tmp_path, max_jobs_per_user="1") as site, site.client() as client:
        jobs = [count(client, site, f"capped-{number}", seconds=1) for number in range(3)]
        most = 0

        def all_ended() -> list[dict[str, str]] | None:
            nonlocal most
            statuses = [client.get(f"/jobs/{job_id}").json() for job_id in jobs]
            # In Slurm for Swath: handed over (a batch job id) and not ended. A batch job's last moment (the log's
            # last copy, its exit) may overlap the next one's start.
            in_slurm = [s for s in statuses if s["status"] in ("accepted", "running") and s.get("batchJobID")]
            most = max(most, len(in_slurm))
            return statuses if all(status["status"] in FINAL for status in statuses) else None

        statuses = wait_until(all_ended, timeout=240, interval=0.05, message="the capped jobs to end")
        assert [status["status"] for status in statuses] == ["successful"] * 3, statuses
        assert most == 1


@pytest.mark.timeout(180)
def test_a_job_whose_runner_hangs_is_taken_back_and_run_by_a_new_batch_job(tmp_path: Path) -> None:
    with slurm_site(tmp_path) as site, site.client() as client:
        job_id = count(client, site, "hung", seconds=20)
        first_tool = wait_until(lambda: runs(site, "hung"), timeout=40, message="the first run to start")[0]
        first_batch = client.get(f"/jobs/{job_id}").json()["batchJobID"]
        log = wait_until(lambda: "Runner: " in (text := client.get(f"/jobs/{job_id}/logs").text) and text, 20)
        supervisor = int(next(line for line in log.splitlines() if "Runner: " in line).rstrip(".").split(":")[-1])
        # The batch job's supervisor stops beating (a hung node, a lost network) while its job runs on.
        os.kill(supervisor, signal.SIGSTOP)
        status = wait_for_status(client, job_id, timeout=120)
        assert status["status"] == "successful", status
        assert status["batchJobID"] != first_batch
        assert batch_state(first_batch) == "CANCELLED"
        assert len(runs(site, "hung")) == 2
        assert not Path(f"/proc/{first_tool}").exists()
