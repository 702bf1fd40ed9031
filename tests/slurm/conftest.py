"""A real Slurm cluster on this machine (deploy/slurm/start-cluster.sh, which CI runs), a Swath server with the
Slurm executor, a shared directory as storage and a fresh PostgreSQL database.

Batch jobs run on the one node with a data directory of their own (`slurm_node_data_dir`), not the server's: what
the API shows of a job (its log, its outputs) comes through the shared directory, as on a real cluster. Without a
running slurmctld the tests skip, except in CI (SWATH_TEST_REQUIRE_SERVICES), where they fail.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATA, REPO, Server, fresh_postgresql_database, make_server, wait_until
from tests.e2e.helpers import submit

START_CLUSTER = REPO / "deploy" / "slurm" / "start-cluster.sh"


def slurm_is_up() -> bool:
    try:
        answer = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "UP" in answer.stdout


@pytest.fixture(scope="session", autouse=True)
def slurm() -> None:
    if not slurm_is_up():
        if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
            pytest.fail("slurmctld does not answer, and CI requires the Slurm suite (deploy/slurm/start-cluster.sh)")
        pytest.skip("slurmctld does not answer; start it with deploy/slurm/start-cluster.sh")


@dataclass
class SlurmSite:
    server: Server
    shared: Path
    node_dir: Path
    ledger: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, timeout=60)


@contextmanager
def slurm_site(tmp_path: Path, **settings: str) -> Iterator[SlurmSite]:
    shared, node_dir = tmp_path / "shared", tmp_path / "node"
    with fresh_postgresql_database() as database_url:
        server = make_server(
            tmp_path,
            executor="slurm",
            storage=shared.as_uri(),
            database_url=database_url,
            slurm_node_data_dir=str(node_dir),
            slurm_partition="debug",
            slurm_poll_interval="0.5",
            log_copy_interval="0.3",
            container_runtime="none",
            deploy_examples="false",
            **settings,
        )
        server.start()
        try:
            yield SlurmSite(server, shared, node_dir, tmp_path / "ledger.txt")
        finally:
            server.stop()
            _cancel_batch_jobs_in(shared / "slurm")


def _cancel_batch_jobs_in(folder: Path) -> None:
    """Leave no batch job of a finished site behind (the node has two cores); each site's batch jobs run in the
    site's own folder."""
    lines = subprocess.run(
        ["squeue", "--noheader", "--format=%i|%Z"], capture_output=True, text=True, check=False
    ).stdout.split()
    ours = [line.split("|")[0] for line in lines if line.split("|")[-1] == str(folder)]
    if ours:
        subprocess.run(["scancel", *ours], check=False)


def deploy(client: httpx.Client, name: str) -> str:
    body = (DATA / "slurm" / f"{name}.cwl").read_bytes()
    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})
    if response.status_code == 409:
        return str(client.get(f"/processes/{name}").json()["id"])
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def count(client: httpx.Client, site: SlurmSite, token: str, seconds: float = 0) -> str:
    body = {"inputs": {"token": token, "ledger": str(site.ledger), "seconds": seconds}}
    return submit(client, deploy(client, "counter"), body)


def runs(site: SlurmSite, token: str) -> list[int]:
    """The pids of the tool's runs for `token`, from the ledger."""
    if not site.ledger.exists():
        return []
    lines = [line.split() for line in site.ledger.read_text().splitlines()]
    return [int(pid) for name, pid in lines if name == token]


def scontrol_job(batch_job_id: str) -> dict[str, str]:
    """`scontrol show job` as a mapping of its Name=value fields."""
    text = subprocess.run(
        ["scontrol", "show", "job", "--oneliner", batch_job_id], capture_output=True, text=True, check=True
    ).stdout
    fields: dict[str, str] = {}
    for part in text.split():
        name, _, value = part.partition("=")
        fields.setdefault(name, value)
    return fields


def batch_state(batch_job_id: str) -> str:
    return scontrol_job(batch_job_id)["JobState"]


def wait_for_batch_job(client: httpx.Client, job_id: str) -> str:
    batch: str = wait_until(
        lambda: client.get(f"/jobs/{job_id}").json().get("batchJobID"), timeout=30, message="a batch job id"
    )
    return batch

