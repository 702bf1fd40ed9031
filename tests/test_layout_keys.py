"""The storage layout (swath/layout.py): keys and output URLs are built and parsed by the same grammar."""

from __future__ import annotations

from swath.layout import (
    OutputKey,
    job_catalog_key,
    job_log_key,
    output_key,
    output_path,
    parse_output_key,
    parse_output_path,
    upload_key,
)


def test_an_output_key_parses_back_into_its_job_and_path() -> None:
    key = output_key("j1", "lines/lines.txt")

    assert key == "jobs/j1/lines/lines.txt"
    assert parse_output_key(key) == OutputKey("j1", "lines/lines.txt")


def test_logs_and_uploads_are_not_output_keys() -> None:
    assert parse_output_key(job_log_key("j1")) is None
    assert parse_output_key(upload_key("u1", "a.txt")) is None
    assert parse_output_key("jobs/j1") is None


def test_the_catalog_is_an_output_of_its_job() -> None:
    assert parse_output_key(job_catalog_key("j1")) == OutputKey("j1", "catalog.json")


def test_an_output_url_parses_back_into_its_job_and_path_below_a_prefix() -> None:
    url = "https://example.test/ades" + output_path("j1", "dir/a%20b.txt")

    assert parse_output_path(url, "/ades") == OutputKey("j1", "dir/a b.txt")


def test_urls_that_name_no_output_file_parse_to_none() -> None:
    assert parse_output_path("https://example.test/jobs/j1") is None
    assert parse_output_path("https://example.test/jobs/j1/outputs/") is None
    assert parse_output_path("https://example.test/jobs/j1/results/x") is None
    assert parse_output_path("https://example.test/other/jobs/j1/outputs/a", "") is None
