"""Retention against a real server: finished jobs' files, their rows, uploads and kept work folders expire by the
configured rules, a purged result answers 410 result-purged, and `swath purge --dry-run` shows what would go."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, make_server, wait_until
from tests.e2e.helpers import ensure_deployed, submit, wait_for_status
from tests.ogc_schemas import validate

_PURGED = "https://swath.dev/exceptions/result-purged"


@pytest.fixture(scope="module")
def sweeping(tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server whose sweeper removes failed jobs' files after 1 s and keeps successful ones for an hour."""
    running = make_server(
        tmp_path_factory.mktemp("retention"),
        retention_failed="1",
        retention_successful="3600",
        retention_uploads="1",
        retention_interval="0.3",
    ).start()
    yield running
    running.stop()


def _is_purged(client: httpx.Client, path: str) -> bool:
    return client.get(path).status_code == 410


def test_a_failed_job_past_its_age_answers_410_result_purged_for_results_and_log(sweeping: Server) -> None:
    with httpx.Client(base_url=sweeping.url, timeout=30) as client:
        job_id = submit(client, ensure_deployed(client, "failing"), {"inputs": {}})
        assert wait_for_status(client, job_id)["status"] == "failed"
        assert client.get(f"/jobs/{job_id}/logs").status_code == 200
        wait_until(lambda: _is_purged(client, f"/jobs/{job_id}/results"), timeout=20, message="the purge")
        results = client.get(f"/jobs/{job_id}/results")
        logs = client.get(f"/jobs/{job_id}/logs")
        status = client.get(f"/jobs/{job_id}")
        page = client.get(f"/jobs/{job_id}", headers={"Accept": "text/html"})
    for refused in (results, logs):
        assert refused.status_code == 410
        document = refused.json()
        validate(document, "exception.yaml")
        assert (document["type"], document["status"], document["jobID"]) == (_PURGED, 410, job_id)
        assert "purged by the retention rules" in document["detail"]
    # The row stays (no row rule is set): the job is still there, failed, with its message, and so is its page.
    assert status.status_code == 200 and status.json()["status"] == "failed"
    assert page.status_code == 200 and "failed" in page.text
    assert not sweeping.data_dir.joinpath("logs", f"{job_id}.log").exists()


def test_a_successful_job_younger_than_its_age_keeps_its_results_and_files(sweeping: Server) -> None:
    with httpx.Client(base_url=sweeping.url, timeout=30) as client:
        job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
        assert wait_for_status(client, job_id)["status"] == "successful"
        # A failed job submitted after it is purged by the same sweeper: a round has run past this job.
        failed = submit(client, ensure_deployed(client, "failing"), {"inputs": {}})
        wait_for_status(client, failed)
        wait_until(lambda: _is_purged(client, f"/jobs/{failed}/results"), timeout=20, message="the purge")
        document = client.get(f"/jobs/{job_id}/results")
        assert document.status_code == 200
        assert client.get(document.json()["greeting"]["href"]).text == "Hello, Ada"


def test_an_upload_past_its_age_is_removed_and_no_longer_counts_against_the_quota(sweeping: Server) -> None:
    with httpx.Client(base_url=sweeping.url, timeout=30) as client:
        href = client.post("/files", params={"name": "old.txt"}, content=b"x" * 100).json()["href"]
        assert client.get(href).status_code == 200
        wait_until(lambda: client.get(href).status_code == 404, timeout=20, message="the upload to expire")
    assert not list(sweeping.data_dir.joinpath("outputs", "uploads").rglob("old.txt"))


def test_rows_of_jobs_purged_long_enough_ago_are_deleted(tmp_path: Path) -> None:
    server = make_server(
        tmp_path, retention_failed="0.5", retention_job_rows="0.5", retention_interval="0.3"
    ).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            job_id = submit(client, ensure_deployed(client, "failing"), {"inputs": {}})
            wait_for_status(client, job_id)
            wait_until(lambda: client.get(f"/jobs/{job_id}").status_code == 404, timeout=20, message="the row")
            assert job_id not in {job["jobID"] for job in client.get("/jobs").json()["jobs"]}
    finally:
        server.stop()


def test_kept_work_folders_expire_after_their_job_ended(tmp_path: Path) -> None:
    server = make_server(tmp_path, keep_work_dirs="true", retention_work_dirs="1", retention_interval="0.3").start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
            assert wait_for_status(client, job_id)["status"] == "successful"
            folder = server.data_dir / "work" / job_id
            assert folder.is_dir()
            wait_until(lambda: not folder.exists(), timeout=20, message="the work folder to go")
            # Only the folder went: the job's results are kept (no rule for them).
            assert client.get(f"/jobs/{job_id}/results").status_code == 200
    finally:
        server.stop()


def _purge(server: Server, *options: str, **rules: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SWATH_")}
    environment["SWATH_DATA_DIR"] = str(server.data_dir)
    environment.update({f"SWATH_{name.upper()}": value for name, value in rules.items()})
    command = [sys.executable, "-m", "swath", "purge", *options]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)


def test_swath_purge_dry_run_shows_what_would_go_and_removes_nothing_until_run_for_real(tmp_path: Path) -> None:
    server = make_server(tmp_path).start()  # no rule: its own sweeper does not run
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "Ada"}})
            assert wait_for_status(client, job_id)["status"] == "successful"
            time.sleep(1.1)  # older than the 1 s rule below: an age is the point of the test
            dry = _purge(server, "--dry-run", "--json", retention_successful="1")
            assert dry.returncode == 0, dry.stderr
            planned = json.loads(dry.stdout)
            assert planned["dryRun"] is True
            assert [(item["jobID"], item["rule"]) for item in planned["jobs"]] == [(job_id, "retention_successful")]
            assert planned["jobs"][0]["bytes"] > 0
            assert client.get(f"/jobs/{job_id}/results").status_code == 200
            done = _purge(server, retention_successful="1")
            assert done.returncode == 0, done.stderr
            assert f"job {job_id}: files (successful" in done.stdout
            assert client.get(f"/jobs/{job_id}/results").json()["type"] == _PURGED
            assert client.get(f"/jobs/{job_id}/outputs/greeting.txt").status_code == 410
            assert not list((server.data_dir / "outputs" / "jobs").glob(job_id))
    finally:
        server.stop()


def test_the_results_size_rule_purges_the_longest_ended_jobs_first(tmp_path: Path) -> None:
    server = make_server(tmp_path).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            process = ensure_deployed(client, "greet")
            jobs = []
            for name in ("Ada", "Grace", "Edsger"):
                jobs.append(submit(client, process, {"inputs": {"name": name}}))
                wait_for_status(client, jobs[-1])
            first = json.loads(_purge(server, "--dry-run", "--json", retention_max_results_size="1").stdout)
            # A cap of 1 byte keeps nothing: every job goes, the longest ended first.
            assert [item["jobID"] for item in first["jobs"]] == jobs
            sizes = [item["bytes"] for item in first["jobs"]]
            # A cap that holds the two newest jobs' results removes only the oldest.
            cap = str(sizes[1] + sizes[2])
            assert [item["jobID"] for item in json.loads(
                _purge(server, "--json", retention_max_results_size=cap).stdout
            )["jobs"]] == jobs[:1]
            assert client.get(f"/jobs/{jobs[0]}/results").status_code == 410
            assert client.get(f"/jobs/{jobs[2]}/results").status_code == 200
    finally:
        server.stop()
