"""`swath.client.Client` against a real server: every method, and the errors a user meets."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pystac
import pytest
import requests
import yaml

from swath.client import (
    Client,
    InvalidInput,
    JobNotFound,
    JobTimeout,
    ProcessNotFound,
    ResultNotAvailable,
    ServerUnavailable,
)
from tests.conftest import DATA, REPO, Server, free_port
from tests.ogc_schemas import validate

SAMPLE = REPO / "swath" / "examples" / "data" / "sample.txt"


def test_processes_lists_every_deployed_process(swath: Client) -> None:
    ids = [process["id"] for process in swath.processes()]
    assert {"echo", "word-count", "scatter-squares"} <= set(ids)


def test_process_describes_inputs_and_outputs(swath: Client) -> None:
    process = swath.process("word-count")
    validate(process, "process.yaml")
    assert process["inputs"]["text"]["x-cwl-class"] == "File"


def test_deploy_replace_and_undeploy_a_package_given_as_a_dict(swath: Client) -> None:
    package = yaml.safe_load((DATA / "e2e" / "greet.cwl").read_text())
    package["id"] = "greet-from-a-dict"
    summary = swath.deploy(package)
    assert (summary["id"], summary["version"]) == ("greet-from-a-dict", "2.1")
    package["label"] = "Greet, replaced"
    assert swath.replace(summary["id"], package)["title"] == "Greet, replaced"
    swath.undeploy(summary["id"])
    with pytest.raises(ProcessNotFound):
        swath.process(summary["id"])


def test_deploy_takes_a_path_and_says_when_the_process_exists(swath: Client) -> None:
    path = DATA / "e2e" / "link-shaped.cwl"
    first = swath.deploy(path)
    with pytest.raises(requests.exceptions.HTTPError) as refused:
        swath.deploy(path)
    assert refused.value.response.status_code == 409
    assert first["id"] in refused.value.reason


def test_execute_and_wait_gives_values_links_and_a_stac_catalog(swath: Client) -> None:
    job = swath.execute("scatter-squares", {"numbers": [1, 2, 3]}, wait=True)
    assert job.status == "successful"
    results = job.results()
    validate(results, "results.yaml")
    assert results["sum"] == 14
    catalog = job.catalog()
    assert isinstance(catalog, pystac.Catalog)
    assert catalog.id == job.id
    assert [item.id for item in catalog.get_items(recursive=True)]


def test_download_saves_every_output_file_and_the_catalog(swath: Client, tmp_path: Path) -> None:
    job = swath.execute("scatter-squares", {"numbers": [2, 3]}, wait=True)
    saved = job.download(tmp_path / "out")
    relative = {str(path.relative_to(tmp_path / "out")) for path in saved}
    assert {"catalog.json", "total/total.txt"} <= relative
    assert (tmp_path / "out" / "total" / "total.txt").read_text().strip() == "13"


def test_a_local_file_the_server_may_read_is_referenced_not_uploaded(swath: Client, server: Server) -> None:
    before = _uploads(server)
    job = swath.execute("word-count", {"text": SAMPLE}, wait=True)
    assert job.status == "successful", job.message
    assert _uploads(server) == before


def test_a_local_file_the_server_may_not_read_is_uploaded(swath: Client, server: Server, tmp_path: Path) -> None:
    before = _uploads(server)
    notes = tmp_path / "my notes.txt"  # the server's allowed input roots do not hold this test's folder
    notes.write_text("one two three\nfour\n")
    job = swath.execute("word-count", {"text": str(notes)}, wait=True)
    assert job.status == "successful", job.message
    assert (job.results()["words"], job.results()["lines"]) == (4, 2)
    assert [path.name for path in _uploads(server) - before] == ["my_notes.txt"]


def test_a_missing_local_file_is_named(swath: Client, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"Input 'text' names the local path .*absent\.txt"):
        swath.execute("word-count", {"text": tmp_path / "absent.txt"})


def test_jobs_follows_the_pages_lazily(swath: Client) -> None:
    started = {swath.execute("echo", {"stringInput": "Value1"}).id for _ in range(3)}
    listed = [job.id for job in itertools.islice(swath.jobs(process="echo", page_size=2), 50)]
    assert started <= set(listed)
    assert len(listed) == len(set(listed))


def test_jobs_filters_by_status(swath: Client) -> None:
    swath.execute("echo", {"stringInput": "Value2"}, wait=True)
    assert all(job.status == "successful" for job in swath.jobs(status="successful"))


def test_logs_follow_ends_with_the_job(swath: Client) -> None:
    job = swath.execute("scatter-squares", {"numbers": [4]})
    text = "".join(job.logs(follow=True))
    assert job.refresh().is_finished
    assert "scatter-squares" in text


def test_a_dismissed_job_has_no_results(swath: Client) -> None:
    process = swath.deploy(DATA / "e2e" / "sleeper.cwl")["id"] if not _has(swath, "sleeper") else "sleeper"
    job = swath.execute(process, {"seconds": 30})
    assert job.dismiss().status == "dismissed"
    with pytest.raises(ResultNotAvailable) as refused:
        job.results()
    assert "dismissed" in refused.value.reason


def test_wait_gives_up_after_its_timeout(swath: Client) -> None:
    process = swath.deploy(DATA / "e2e" / "sleeper.cwl")["id"] if not _has(swath, "sleeper") else "sleeper"
    job = swath.execute(process, {"seconds": 30})
    try:
        with pytest.raises(JobTimeout, match=f"Job {job.id} is still"):
            job.wait(timeout=0.3, show=False)
    finally:
        job.dismiss()


def test_errors_carry_the_ogc_exception_document(swath: Client) -> None:
    with pytest.raises(ProcessNotFound) as unknown:
        swath.execute("no-such-thing", {})
    validate(unknown.value.document, "exception.yaml")
    assert unknown.value.reason == "No process with id 'no-such-thing' is deployed."
    assert isinstance(unknown.value, requests.exceptions.HTTPError)
    assert unknown.value.response.reason == "No such process"
    with pytest.raises(InvalidInput, match="Input 'numbers' is invalid"):
        swath.execute("scatter-squares", {"numbers": "many"})
    with pytest.raises(JobNotFound):
        swath.job("0000")


def test_a_server_that_is_down_gives_one_clear_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ServerUnavailable) as down, Client(url) as client:
        client.processes()
    message = str(down.value)
    assert message.startswith(f"Cannot reach the Swath server at {url}")
    assert "\n" not in message
    assert isinstance(down.value, requests.exceptions.ConnectionError)


def _has(client: Client, process_id: str) -> bool:
    try:
        client.process(process_id)
    except ProcessNotFound:
        return False
    return True


def _uploads(server: Server) -> set[Path]:
    return set((server.data_dir / "outputs" / "uploads").glob("*/*"))


def test_a_job_files_its_outputs_into_the_named_collection(swath: Client) -> None:
    job = swath.execute("scatter-squares", {"numbers": [7]}, collection="client-test-squares", wait=True)
    assert job.status == "successful", job.message
    items = swath.transport.json("GET", "/collections/client-test-squares/items")["features"]
    assert any(item["id"].startswith(job.id) for item in items)


def test_jobs_since_a_moment_leaves_out_older_jobs(swath: Client) -> None:
    before = swath.execute("echo", {"stringInput": "Value3"}, wait=True)
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert before.id not in [job.id for job in swath.jobs(since=later)]
    assert before.id in [job.id for job in itertools.islice(swath.jobs(since=later - timedelta(minutes=5)), 200)]


def test_wait_shows_status_and_progress_when_asked(swath: Client, capsys: pytest.CaptureFixture[str]) -> None:
    swath.execute("echo", {"stringInput": "Value1"}).wait(show=True)
    shown = capsys.readouterr().err
    assert "successful" in shown and "100%" in shown


def test_download_shows_a_progress_bar_when_asked(
    swath: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = swath.execute("scatter-squares", {"numbers": [1]}, wait=True)
    assert job.download(tmp_path, show=True)
    assert "total.txt" in capsys.readouterr().err


def test_a_job_reruns_as_a_new_job_and_lists_its_attempts_with_their_logs(swath: Client) -> None:
    first = swath.execute("scatter-squares", {"numbers": [4]}, wait=True)
    second = swath.rerun(first.id).wait()
    assert second.id != first.id
    assert second.status == "successful"
    assert second.results().keys() == first.results().keys()
    again = first.rerun().wait()
    assert again.id not in (first.id, second.id)
    [attempt] = second.attempts()
    assert (attempt["attempt"], attempt["status"]) == (1, "successful")
    assert f"Job {second.id}" in second.attempt_log(1)
