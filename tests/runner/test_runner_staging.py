"""Stage in: where each kind of href leads, and the message when it leads nowhere."""

from __future__ import annotations

import json

import pytest

from swath.errors import JobFailed
from tests.runner.harness import FileServer, Runner, load_cwl, make_job, make_process, serve_catalog

FILE_INPUT = {"text": {"x-cwl-class": "File"}}


def _count(runner: Runner, text_input: object) -> str:
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)
    run = runner.run(make_job(process, {"text": text_input}), process)
    return str(run.results.outputs["count"].value).strip()


def test_an_http_input_is_downloaded_into_the_work_dir(runner: Runner, file_server: FileServer) -> None:
    url = file_server.add("data/five.txt", "1\n2\n3\n4\n5\n")

    assert _count(runner, {"href": url, "type": "text/plain"}) == "5"


def test_an_unreachable_http_input_fails_the_job_with_the_status_code(runner: Runner, file_server: FileServer) -> None:
    url = f"{file_server.url}/missing.txt"

    with pytest.raises(JobFailed) as failure:
        _count(runner, {"href": url})

    assert str(failure.value) == f"Input 'text' could not be downloaded from {url}: HTTP 404."


def test_an_inline_value_is_written_to_a_file_for_the_tool(runner: Runner) -> None:
    assert _count(runner, {"value": "x\ny\n", "mediaType": "text/plain"}) == "2"


def test_an_earlier_jobs_output_is_read_from_storage(runner: Runner) -> None:
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)
    first = runner.run(make_job(process, {"text": {"value": "a\nb\nc\n"}}), process)
    (lines,) = first.results.outputs["lines"].files

    # The earlier output holds one line ("3"), and it is not fetched over HTTP: nothing listens at testserver.
    assert _count(runner, {"href": lines.href}) == "1"


def test_a_missing_earlier_output_fails_the_job_naming_the_job(runner: Runner) -> None:
    href = "http://testserver/jobs/0000/outputs/lines/lines.txt"

    with pytest.raises(JobFailed) as failure:
        _count(runner, {"href": href})

    assert str(failure.value) == "Input 'text' refers to output 'lines/lines.txt' of job 0000, which does not exist."


def test_an_s3_input_fails_until_s3_storage_is_configured(runner: Runner) -> None:
    with pytest.raises(JobFailed) as failure:
        _count(runner, {"href": "s3://bucket/key.txt"})

    assert str(failure.value) == "Input 'text' is s3://bucket/key.txt, but s3 inputs need S3 storage configured."


def test_a_local_path_outside_the_allowed_input_directories_is_refused(runner: Runner) -> None:
    outside = runner.root / "elsewhere.txt"
    outside.write_text("secret\n")

    with pytest.raises(JobFailed) as failure:
        _count(runner, {"href": outside.as_uri()})

    assert str(failure.value) == f"Input 'text' path {outside} lies outside the allowed input directories."


def test_a_stac_catalog_input_is_staged_as_a_self_contained_directory(runner: Runner, file_server: FileServer) -> None:
    catalog_url = serve_catalog(file_server)
    process = make_process(load_cwl("stac-count.cwl"), "stac_count", {"product": {"x-cwl-class": "Directory"}})
    job = make_job(process, {"product": {"href": catalog_url}})

    runner.run(job, process)

    staged = runner.root / "work" / job.id / "inputs" / "product"
    catalog = json.loads((staged / "catalog.json").read_text())
    assert catalog["id"] == "granules"
    assert {link["href"] for link in catalog["links"] if link["rel"] == "item"} == {
        "./granule-a/granule-a.json",
        "./granule-b/granule-b.json",
    }
    item_b = json.loads((staged / "granule-b" / "granule-b.json").read_text())
    # The asset that lived on another path of the server is now beside its item, by a relative href.
    assert item_b["assets"]["data"]["href"] == "./b.txt"
    assert (staged / "granule-b" / "b.txt").read_text() == "1\n2\n"
