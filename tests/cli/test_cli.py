"""The `swath` command, run through its real entry point against a real server: output, exit codes, errors."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, REPO, Server, free_port

ENTRY_POINT = shutil.which("swath", path=str(Path(sys.executable).parent)) or shutil.which("swath")


def swath(*arguments: str, url: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `swath ...` as a user does; PYTHONPATH makes the entry point import this checkout."""
    assert ENTRY_POINT, "the swath entry point is not installed"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SWATH_")}
    environment["PYTHONPATH"] = str(REPO)
    environment["COLUMNS"] = "200"
    if url:
        environment["SWATH_URL"] = url
    return subprocess.run(
        [ENTRY_POINT, *arguments], capture_output=True, text=True, env=environment, cwd=cwd, timeout=120
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_process_list_prints_a_table_and_json(server: Server) -> None:
    table = swath("process", "list", url=server.url)
    assert table.returncode == 0, table.stderr
    assert "word-count" in table.stdout and "Word count" in table.stdout
    ids = [process["id"] for process in as_json(swath("process", "list", "--json", "--url", server.url))]
    assert "scatter-squares" in ids


def test_process_describe_shows_inputs_and_outputs(server: Server) -> None:
    result = swath("process", "describe", "word-count", url=server.url)
    assert result.returncode == 0, result.stderr
    assert "Inputs" in result.stdout and "File" in result.stdout and "lines" in result.stdout


def test_process_deploy_and_undeploy(server: Server, tmp_path: Path) -> None:
    package = tmp_path / "greet.cwl"
    package.write_text((DATA / "e2e" / "greet.cwl").read_text().replace("id: greet", "id: greet-cli"))
    deployed = swath("process", "deploy", str(package), url=server.url)
    assert deployed.returncode == 0, deployed.stderr
    assert deployed.stdout.strip() == "Deployed process greet-cli version 2.1"
    assert swath("process", "undeploy", "greet-cli:2.1", url=server.url).returncode == 0
    gone = swath("process", "describe", "greet-cli:2.1", url=server.url)
    assert (gone.returncode, gone.stderr.strip()) == (
        3,
        "Error: No such process: No process with id 'greet-cli:2.1' is deployed.",
    )


def test_run_waits_and_prints_results(server: Server) -> None:
    result = swath("run", "scatter-squares", "-i", "numbers=[1, 2, 3]", "--wait", url=server.url)
    assert result.returncode == 0, result.stderr
    assert "successful" in result.stdout
    assert "sum" in result.stdout and "14" in result.stdout
    assert "STAC catalog: http" in result.stdout


def test_run_with_json_gives_the_status_and_results(server: Server) -> None:
    document = as_json(swath("run", "scatter-squares", "-i", "numbers=[2]", "--wait", "--json", url=server.url))
    assert document["status"] == "successful"
    assert document["results"]["sum"] == 4


def test_run_a_cwl_file_with_a_cwl_job_file_and_a_local_file(server: Server, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "poem.txt").write_text("roses are red\nviolets are blue\n")
    (tmp_path / "job.yml").write_text("text:\n  class: File\n  path: data/poem.txt\n")
    shutil.copy(REPO / "swath" / "examples" / "word-count.cwl", tmp_path / "app.cwl")
    document = as_json(swath("run", "app.cwl", "job.yml", "--json", url=server.url, cwd=tmp_path))
    assert document["status"] == "successful", document
    assert (document["results"]["lines"], document["results"]["words"]) == (2, 6)


def test_run_without_wait_prints_the_job_and_job_commands_follow_it(server: Server, tmp_path: Path) -> None:
    started = as_json(swath("run", "scatter-squares", "-i", "numbers=[5]", "--json", url=server.url))
    job_id = started["jobID"]
    logs = swath("job", "logs", job_id, "-f", url=server.url)
    assert logs.returncode == 0, logs.stderr
    assert f"Job {job_id}" in logs.stdout
    assert as_json(swath("job", "status", job_id, "--json", url=server.url))["status"] == "successful"
    results = swath("job", "results", job_id, "--download", str(tmp_path / "out"), url=server.url)
    assert results.returncode == 0, results.stderr
    assert (tmp_path / "out" / "total" / "total.txt").read_text().strip() == "25"
    assert (tmp_path / "out" / "catalog.json").is_file()
    listed = as_json(
        swath("job", "list", "--process", "scatter-squares", "--status", "successful", "--json", url=server.url)
    )
    assert job_id in [job["jobID"] for job in listed]


def test_a_failed_job_exits_with_1(server: Server) -> None:
    result = swath("run", str(DATA / "e2e" / "failing.cwl"), url=server.url)
    assert result.returncode == 1, result.stderr
    assert "failed" in result.stdout and "exit code 3" in result.stdout


def test_a_dismissed_job_is_reported_and_its_results_exit_with_1(server: Server) -> None:
    started = as_json(
        swath("run", str(DATA / "e2e" / "sleeper.cwl"), "-i", "seconds=30", "--no-wait", "--json", url=server.url)
    )
    dismissed = swath("job", "dismiss", started["jobID"], url=server.url)
    assert dismissed.returncode == 0, dismissed.stderr
    assert "dismissed" in dismissed.stdout
    results = swath("job", "results", started["jobID"], url=server.url)
    assert results.returncode == 1
    assert results.stderr.startswith("Error: Result not available:")
    assert "Traceback" not in results.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["process", "describe", "no-such-process"], "Error: No such process: No process with id 'no-such-process'"),
        (["run", "scatter-squares", "-i", "numbers=x"], "Error: Invalid input: Input 'numbers' is invalid"),
        (["job", "status", "no-such-job"], "Error: No such job: No job with id 'no-such-job' exists."),
    ],
)
def test_refused_requests_print_one_line_and_exit_with_3(server: Server, arguments: list[str], message: str) -> None:
    result = swath(*arguments, url=server.url)
    assert result.returncode == 3
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_local_input_is_a_usage_error(server: Server, tmp_path: Path) -> None:
    missing = swath("run", "word-count", "-i", f"text={tmp_path / 'absent.txt'}", url=server.url)
    assert missing.returncode == 2
    assert missing.stderr.startswith("Error: Input 'text' names the local path")
    malformed = swath("run", "word-count", "-i", "text", url=server.url)
    assert (malformed.returncode, malformed.stderr.strip()) == (2, "Error: Input 'text' is not of the form name=value.")


def test_a_server_that_is_down_gives_one_line_and_exit_3() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = swath("job", "list", url=url)
    assert result.returncode == 3
    assert result.stderr.strip().startswith(f"Error: Cannot reach the Swath server at {url}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_package_url_that_cannot_be_fetched_is_named(server: Server) -> None:
    package_url = f"http://127.0.0.1:{free_port()}/app.cwl"
    result = swath("process", "deploy", package_url, url=server.url)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: Cannot fetch the package at {package_url}:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_takes_an_ogc_execute_request_as_input_file(server: Server, tmp_path: Path) -> None:
    request = tmp_path / "execute.json"
    request.write_text(json.dumps({"inputs": {"numbers": [1, 1]}, "outputs": {"sum": {"transmissionMode": "value"}}}))
    document = as_json(
        swath(
            "run",
            "scatter-squares",
            "--input-file",
            str(request),
            "--wait",
            "--json",
            "--collection",
            "cli-sums",
            url=server.url,
        )
    )
    assert document["results"] == {"sum": 2}
    assert any(link["rel"] == "catalog" for link in document["links"])


def test_run_a_changed_cwl_file_replaces_the_deployed_process(server: Server, tmp_path: Path) -> None:
    package = tmp_path / "greet.cwl"
    original = (DATA / "e2e" / "greet.cwl").read_text().replace("id: greet", "id: greet-run")
    package.write_text(original)
    assert as_json(swath("run", str(package), "-i", "name=Ada", "--json", url=server.url))["status"] == "successful"
    package.write_text(original.replace("label: Greet someone", "label: Greet someone, changed"))
    changed = as_json(swath("run", str(package), "-i", "name=Ada", "--json", url=server.url))
    assert (changed["processID"], changed["processVersion"]) == ("greet-run", "2.1")
    described = as_json(swath("process", "describe", "greet-run:2.1", "--json", url=server.url))
    assert described["title"] == "Greet someone, changed"


def test_run_a_cwl_file_with_a_cwl_job_file_prints_the_cwl_output_object(server: Server, tmp_path: Path) -> None:
    # The input lies under the server's input roots (a local file elsewhere is refused, not uploaded, when sent as a
    # CWL File object).
    given = DATA / "e2e" / "greet.cwl"
    (tmp_path / "job.yml").write_text(f"text:\n  class: File\n  path: {given}\n")
    shutil.copy(DATA / "e2e" / "file-record.cwl", tmp_path / "app.cwl")
    result = swath("run", "app.cwl", "job.yml", "--outdir", "out", url=server.url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    copied = output["pair"]["copy"]
    assert (copied["class"], copied["basename"], copied["size"]) == ("File", "copy.txt", given.stat().st_size)
    assert copied["location"] == (tmp_path / "out" / "copy.txt").as_uri()
    assert copied["checksum"] == "sha1$" + hashlib.sha1(given.read_bytes()).hexdigest()
    assert (tmp_path / "out" / "copy.txt").read_bytes() == given.read_bytes()
    assert output["pair"]["name"] == "greet.cwl"


def test_job_rerun_starts_a_new_job_and_job_attempts_lists_the_runs(server: Server) -> None:
    started = as_json(swath("run", "scatter-squares", "-i", "numbers=[2]", "--json", url=server.url))
    job_id = started["jobID"]
    swath("job", "logs", job_id, "-f", url=server.url)
    rerun = as_json(swath("job", "rerun", job_id, "--json", url=server.url))
    assert rerun["jobID"] != job_id
    assert [link["href"] for link in rerun["links"] if link["rel"] == "https://swath.dev/rel/rerun-of"] == [
        f"{server.url}/jobs/{job_id}"
    ]
    attempts = as_json(swath("job", "attempts", job_id, "--json", url=server.url))
    assert [(attempt["attempt"], attempt["status"]) for attempt in attempts] == [(1, "successful")]
    table = swath("job", "attempts", job_id, url=server.url)
    assert table.returncode == 0, table.stderr
    assert "successful" in table.stdout and "local:" in table.stdout
