"""How the client reads inputs: command-line assignments, CWL job files, local paths, and package bodies."""

from __future__ import annotations

from pathlib import Path

import pytest

from swath.client.client import package_body
from swath.client.inputs import from_cwl_job, has_local_files, link_local_files, parse_assignment

FILE_INPUT = {"inputs": {"text": {"x-cwl-class": "File"}, "count": {"schema": {"type": "integer"}}}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("n=3", ("n", 3)), ("flag=true", ("flag", True)), ("xs=[1, 2]", ("xs", [1, 2])), ("s=hello", ("s", "hello"))],
)
def test_assignments_read_values_as_yaml_scalars(text: str, expected: tuple[str, object]) -> None:
    assert parse_assignment(text) == expected


def test_a_date_like_value_stays_the_text_that_was_typed() -> None:
    assert parse_assignment("day=2024-01-02") == ("day", "2024-01-02")


def test_an_assignment_without_equals_is_refused() -> None:
    with pytest.raises(ValueError, match="Input 'oops' is not of the form name=value"):
        parse_assignment("oops")


def test_cwl_job_files_become_ogc_links_relative_to_the_job_file(tmp_path: Path) -> None:
    inputs = from_cwl_job(
        {
            "text": {"class": "File", "path": "data/a.txt"},
            "remote": {"class": "File", "location": "https://example.org/b.txt"},
            "many": [{"class": "File", "location": "file:///srv/c.txt"}],
            "count": 3,
        },
        tmp_path,
    )
    assert inputs == {
        "text": {"href": str(tmp_path / "data" / "a.txt")},
        "remote": {"href": "https://example.org/b.txt"},
        "many": [{"href": "/srv/c.txt"}],
        "count": 3,
    }


def test_only_file_inputs_are_taken_for_local_paths(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    assert not has_local_files({"count": "notes.txt"}, FILE_INPUT)
    assert has_local_files({"text": str(notes)}, FILE_INPUT)
    assert not has_local_files({"text": "https://example.org/a.txt"}, FILE_INPUT)
    linked = link_local_files({"text": str(notes), "count": 1}, FILE_INPUT, lambda _, path: f"up:{path.name}")
    assert linked == {"text": {"href": "up:notes.txt"}, "count": 1}


@pytest.mark.parametrize(
    ("package", "media_type"),
    [
        ({"class": "CommandLineTool"}, "application/cwl+json"),
        ({"executionUnit": {"href": "x"}}, "application/ogcapppkg+json"),
        ("cwlVersion: v1.2\nclass: CommandLineTool\n", "application/cwl+yaml"),
        ('{"cwlVersion": "v1.2"}', "application/cwl+json"),
    ],
)
def test_package_bodies_get_their_media_type(package: object, media_type: str) -> None:
    assert package_body(package)[1] == media_type  # type: ignore[arg-type]
