"""Jobs through the Slurm executor, end to end: one batch job per job on a real cluster, outputs and logs in the
shared directory, the database on PostgreSQL."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import wait_until
from tests.e2e.helpers import submit, wait_for_status
from tests.slurm.conftest import (
    SlurmSite,
    batch_state,
    count,
    deploy,
    runs,
    scontrol_job,
    slurm_site,
    wait_for_batch_job,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmSite]:
    with slurm_site(tmp_path_factory.mktemp("slurm"), job_time_limit="60", max_parallel_steps="3") as running:
        yield running


@pytest.fixture
def client(site: SlurmSite) -> Iterator[httpx.Client]:
    with site.client() as http:
        yield http


def test_a_job_runs_as_one_batch_job_and_its_outputs_land_in_the_shared_directory(
    site: SlurmSite, client: httpx.Client
) -> None:
    job_id = count(client, site, "first")
    status = wait_for_status(client, job_id, timeout=60)
    assert status["status"] == "successful", status
    batch_job_id = status["batchJobID"]
    assert scontrol_job(batch_job_id)["JobName"] == f"swath-{job_id}"
    # The batch job ends moments after the job: the runner copies the log once more, then exits.
    wait_until(lambda: batch_state(batch_job_id) == "COMPLETED", timeout=20, message="the batch job to complete")
    assert runs(site, "first") and len(runs(site, "first")) == 1
    stored = site.shared / "jobs" / job_id / "counted" / "counted.txt"
    assert stored.read_text() == "counted first\n"
    results = client.get(f"/jobs/{job_id}/results").json()
    href = results["counted"]["href"]
    assert href.startswith(site.server.url + f"/jobs/{job_id}/outputs/")
    assert httpx.get(href).text == "counted first\n"


def test_the_job_log_names_its_batch_job_and_node(site: SlurmSite, client: httpx.Client) -> None:
    job_id = count(client, site, "logged")
    status = wait_for_status(client, job_id, timeout=60)
    log = wait_until(lambda: "Job succeeded" in (text := client.get(f"/jobs/{job_id}/logs").text) and text, 10)
    assert f"Slurm batch job {status['batchJobID']} on node " in log
    # The API read it from the shared directory: the server's own data directory has no copy.
    assert not (site.server.data_dir / "logs" / f"{job_id}.log").exists()
    assert (site.shared / "logs" / f"{job_id}.log").exists()


def test_the_resource_requirement_becomes_the_batch_jobs_request(site: SlurmSite, client: httpx.Client) -> None:
    job_id = submit(client, deploy(client, "sized"), {"inputs": {"ticks": 0}})
    batch_job_id = wait_for_batch_job(client, job_id)
    shown = scontrol_job(batch_job_id)
    assert shown["NumCPUs"] == "2"
    # ramMin 300 MiB and the runner's own 512 MiB.
    assert shown["MinMemoryNode"] == "812M"
    assert shown["TimeLimit"] == "00:01:00"
    assert shown["Partition"] == "debug"
    assert wait_for_status(client, job_id, timeout=60)["status"] == "successful"


def test_the_log_of_a_running_job_follows_live_through_the_api(site: SlurmSite, client: httpx.Client) -> None:
    job_id = submit(client, deploy(client, "sized"), {"inputs": {"ticks": 40}})

    def ticking_while_running() -> bool:
        text = client.get(f"/jobs/{job_id}/logs").text
        return "tick 3" in text and client.get(f"/jobs/{job_id}").json()["status"] == "running"

    wait_until(ticking_while_running, timeout=40, message="ticks in the log while the job runs")
    assert wait_for_status(client, job_id, timeout=60)["status"] == "successful"


def test_a_dismissed_job_is_cancelled_in_slurm_and_leaves_no_process(site: SlurmSite, client: httpx.Client) -> None:
    job_id = count(client, site, "dismissed", seconds=300)
    tool = wait_until(lambda: runs(site, "dismissed"), timeout=40, message="the tool to start")[0]
    batch_job_id = client.get(f"/jobs/{job_id}").json()["batchJobID"]
    response = client.delete(f"/jobs/{job_id}")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "dismissed"
    # The dismissal returns once Slurm confirmed the cancel: its processes are gone.
    assert batch_state(batch_job_id) == "CANCELLED"
    assert not Path(f"/proc/{tool}").exists()
    assert client.get(f"/jobs/{job_id}").json()["status"] == "dismissed"


def test_a_job_that_outgrows_its_memory_fails_with_slurms_reason(site: SlurmSite, client: httpx.Client) -> None:
    job_id = submit(client, deploy(client, "hog"), {"inputs": {}})
    batch_job_id = wait_for_batch_job(client, job_id)

    def explained() -> dict[str, str] | None:
        status = client.get(f"/jobs/{job_id}").json()
        return status if "memory limit" in (status.get("message") or "") else None

    status = wait_until(explained, timeout=60, message="the out-of-memory message")
    assert status["status"] == "failed"
    assert status["message"] == (
        f"Slurm stopped the job: it used more than its memory limit of 612M (batch job {batch_job_id}); ask for "
        "more with the CWL ResourceRequirement ramMin."
    )
    assert batch_state(batch_job_id) == "OUT_OF_MEMORY"


@pytest.mark.timeout(240)
def test_a_job_past_its_time_limit_fails_with_slurms_reason(site: SlurmSite, client: httpx.Client) -> None:
    job_id = count(client, site, "late", seconds=600)
    batch_job_id = wait_for_batch_job(client, job_id)

    def explained() -> dict[str, str] | None:
        status = client.get(f"/jobs/{job_id}").json()
        return status if "time limit" in (status.get("message") or "") else None

    status = wait_until(explained, timeout=180, interval=1, message="the time limit message")
    assert status["status"] == "failed"
    assert status["message"] == f"Slurm stopped the job at its time limit of 1:00 (batch job {batch_job_id})."
    assert batch_state(batch_job_id) == "TIMEOUT"


def most_at_once(ledger: Path) -> int:
    """The most steps that ran at the same time, from their start and end lines."""
    events = sorted(
        (float(moment), 1 if kind == "start" else -1)
        for kind, moment in (line.split() for line in ledger.read_text().splitlines())
    )
    running = most = 0
    for _, change in events:
        running += change
        most = max(most, running)
    return most


def test_a_scatter_runs_at_most_the_capped_number_of_steps_at_once(site: SlurmSite, client: httpx.Client) -> None:
    ledger = site.ledger.with_name("fan.txt")
    body = {"inputs": {"names": ["a", "b", "c", "d", "e"], "ledger": str(ledger)}}
    job_id = submit(client, deploy(client, "fan"), body)
    assert wait_for_status(client, job_id, timeout=90)["status"] == "successful"
    assert len(ledger.read_text().splitlines()) == 10
    # max_parallel_steps is 3 for this site: five steps ran three at a time (cwltool alone would run as many as
    # the machine has cores, two here, or all five with no limit).
    assert most_at_once(ledger) == 3


def test_the_runner_of_a_job_is_the_batch_jobs_supervisor(site: SlurmSite, client: httpx.Client) -> None:
    job_id = count(client, site, "runner")
    assert wait_for_status(client, job_id, timeout=60)["status"] == "successful"
    log = wait_until(lambda: "Job succeeded" in (text := client.get(f"/jobs/{job_id}/logs").text) and text, 10)
    runner = next(line for line in log.splitlines() if "Runner: " in line).split("Runner: ")[1].rstrip(".")
    kind, host, pid = runner.split(":")
    assert (kind, host, pid.isdigit()) == ("slurm", socket.gethostname(), True)


def test_a_failing_tool_is_retried_as_new_batch_jobs_by_its_policy(site: SlurmSite, client: httpx.Client) -> None:
    body = (Path(__file__).resolve().parents[1] / "data" / "attempts" / "retry-exit.cwl").read_bytes()
    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})
    assert response.status_code in (201, 409), response.text
    job_id = submit(client, "retry-exit", {"inputs": {}})
    status = wait_for_status(client, job_id, timeout=120)
    assert status["status"] == "failed", status
    attempts = client.get(f"/jobs/{job_id}/attempts").json()["attempts"]
    assert [(attempt["attempt"], attempt["reason"], attempt["exitCode"]) for attempt in attempts] == [
        (n, "exitCode", 3) for n in (1, 2, 3)
    ]
    assert all(attempt["runner"].startswith("slurm:") for attempt in attempts)
