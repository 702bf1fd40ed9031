"""Files and Directories anywhere in an input value become CWL objects, and every location in them is checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swath.errors import InvalidInput
from swath.services.inputs import validate_inputs
from swath.services.packages import parse_package
from swath.store.records import ProcessDescription

DATA = Path(__file__).resolve().parents[1] / "data" / "packages"
PUBLIC_URL = "http://swath.example:8000"


@pytest.fixture(scope="module")
def values() -> ProcessDescription:
    return parse_package((DATA / "cwl-values.cwl").read_bytes(), "application/cwl+yaml").description


def check(description: ProcessDescription, inputs: dict[str, Any], root: Path) -> Any:
    return validate_inputs(description, inputs, [root], PUBLIC_URL)


def refusal(description: ProcessDescription, inputs: dict[str, Any], root: Path) -> str:
    with pytest.raises(InvalidInput) as raised:
        check(description, inputs, root)
    return raised.value.detail


def test_a_file_object_in_an_any_input_outside_the_input_roots_is_refused(
    values: ProcessDescription, tmp_path: Path
) -> None:
    detail = refusal(values, {"anything": {"class": "File", "location": "file:///etc/hostname"}}, tmp_path)

    assert detail == (
        f"Input 'anything' refers to /etc/hostname, which is outside the allowed input roots ({tmp_path.resolve()})."
    )


def test_a_file_object_nested_deep_in_an_any_input_is_checked_too(values: ProcessDescription, tmp_path: Path) -> None:
    nested = {"a": [{"b": {"class": "File", "path": "/etc/hostname"}}]}

    assert "outside the allowed input roots" in refusal(values, {"anything": nested}, tmp_path)


def test_a_file_object_in_a_record_becomes_a_cwl_file_with_its_location_checked(
    values: ProcessDescription, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("a")
    pair = {"left": {"class": "File", "location": (tmp_path / "a.txt").as_uri(), "basename": "b.txt"}, "note": "x"}

    assert check(values, {"pair": pair}, tmp_path)["pair"] == {
        "left": {"class": "File", "location": (tmp_path / "a.txt").resolve().as_uri(), "basename": "b.txt"},
        "note": "x",
    }


def test_a_link_in_a_record_becomes_a_cwl_file(values: ProcessDescription, tmp_path: Path) -> None:
    pair = {"left": {"href": "https://data.example/a.txt"}, "note": "x"}

    assert check(values, {"pair": pair}, tmp_path)["pair"]["left"] == {
        "class": "File",
        "location": "https://data.example/a.txt",
    }


def test_a_file_outside_the_roots_in_a_record_is_refused(values: ProcessDescription, tmp_path: Path) -> None:
    pair = {"left": {"class": "File", "location": "file:///etc/passwd"}, "note": "x"}

    assert "outside the allowed input roots" in refusal(values, {"pair": pair}, tmp_path)


def test_a_directory_literal_keeps_its_listing_and_each_entry_is_checked(
    values: ProcessDescription, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("a")
    literal = {
        "class": "Directory",
        "basename": "made",
        "listing": [
            {"class": "File", "location": (tmp_path / "a.txt").as_uri()},
            {"class": "File", "basename": "b.txt", "contents": "b"},
        ],
    }

    assert check(values, {"folder": literal}, tmp_path)["folder"] == {
        "class": "Directory",
        "basename": "made",
        "listing": [
            {"class": "File", "location": (tmp_path / "a.txt").resolve().as_uri()},
            {"class": "File", "basename": "b.txt", "contents": "b"},
        ],
    }


def test_a_listing_entry_outside_the_roots_is_refused(values: ProcessDescription, tmp_path: Path) -> None:
    literal = {"class": "Directory", "listing": [{"class": "File", "location": "file:///etc/hostname"}]}

    assert "outside the allowed input roots" in refusal(values, {"folder": literal}, tmp_path)


def test_a_secondary_file_outside_the_roots_is_refused(values: ProcessDescription, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    given = {
        "class": "File",
        "location": (tmp_path / "a.txt").as_uri(),
        "secondaryFiles": [{"class": "File", "location": "file:///etc/hostname"}],
    }

    assert "outside the allowed input roots" in refusal(values, {"one_or_many": given}, tmp_path)


def test_a_file_or_files_input_takes_a_list(values: ProcessDescription, tmp_path: Path) -> None:
    given = ["https://data.example/a", "https://data.example/b"]

    assert check(values, {"one_or_many": given}, tmp_path)["one_or_many"] == [
        {"href": "https://data.example/a"},
        {"href": "https://data.example/b"},
    ]


def test_a_cwl_object_given_as_a_qualified_value_is_unwrapped(values: ProcessDescription, tmp_path: Path) -> None:
    given = {"value": {"class": "File", "location": "https://data.example/a"}, "mediaType": "application/cwl+json"}

    assert check(values, {"one_or_many": given}, tmp_path)["one_or_many"] == {
        "class": "File",
        "location": "https://data.example/a",
    }


def test_cwl_requirements_in_the_job_are_taken_and_their_files_checked(
    values: ProcessDescription, tmp_path: Path
) -> None:
    requirements = [{"class": "EnvVarRequirement", "envDef": [{"envName": "A", "envValue": "1"}]}]

    assert check(values, {"cwl:requirements": requirements}, tmp_path)["cwl:requirements"] == requirements
    listing = [{"class": "InitialWorkDirRequirement", "listing": [{"class": "File", "location": "/etc/hostname"}]}]
    assert "outside the allowed input roots" in refusal(values, {"cwl:requirements": listing}, tmp_path)


def test_cwl_requirements_that_are_not_requirement_objects_are_refused(
    values: ProcessDescription, tmp_path: Path
) -> None:
    assert refusal(values, {"cwl:requirements": {"class": "X"}}, tmp_path) == (
        "Input 'cwl:requirements' must be a list of CWL requirement objects, each with a `class`."
    )
