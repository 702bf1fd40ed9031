"""Execute requests' inputs are checked against the process description before a job exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swath.errors import InvalidInput
from swath.services.inputs import inputs_from_request, validate_inputs
from swath.services.packages import parse_package
from swath.store.records import ProcessDescription

DATA = Path(__file__).resolve().parents[1] / "data" / "packages"
PUBLIC_URL = "http://swath.example:8000"


@pytest.fixture(scope="module")
def echo() -> ProcessDescription:
    return parse_package((DATA / "echo.cwl").read_bytes(), "application/cwl+yaml").description


@pytest.fixture(scope="module")
def wc() -> ProcessDescription:
    return parse_package((DATA / "wc.cwl").read_bytes(), "application/cwl+yaml").description


@pytest.fixture(scope="module")
def shout() -> ProcessDescription:
    return parse_package((DATA / "scatter-workflow.cwl").read_bytes(), "application/cwl+yaml").description


def check(description: ProcessDescription, inputs: dict[str, Any], roots: list[Path] | None = None) -> Any:
    return validate_inputs(description, inputs, roots or [], PUBLIC_URL)


def refusal(description: ProcessDescription, inputs: dict[str, Any], roots: list[Path] | None = None) -> str:
    with pytest.raises(InvalidInput) as raised:
        check(description, inputs, roots)
    return raised.value.detail


# The request's form -----------------------------------------------------------------------------------------------


def test_inputs_given_as_an_object_are_taken_as_they_are() -> None:
    assert inputs_from_request({"message": "hi"}) == {"message": "hi"}


def test_no_inputs_are_an_empty_object() -> None:
    assert inputs_from_request(None) == {}


def test_the_unity_list_form_becomes_an_object() -> None:
    raw = [{"id": "message", "data": "hi"}, {"id": "tags", "value": ["a"]}, {"id": "text", "href": "https://x/a"}]

    assert inputs_from_request(raw) == {"message": "hi", "tags": ["a"], "text": {"href": "https://x/a"}}


def test_a_list_item_without_an_id_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        inputs_from_request([{"data": "hi"}])

    assert raised.value.detail == "Item 0 of the inputs list is {'data': 'hi'}; each item needs a string `id`."


def test_a_list_item_without_data_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        inputs_from_request([{"id": "message"}])

    assert raised.value.detail == "Input 'message' in the inputs list has no `data`, `value` or `href`."


def test_an_input_given_twice_in_the_list_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        inputs_from_request([{"id": "message", "data": "a"}, {"id": "message", "data": "b"}])

    assert raised.value.detail == "Input 'message' is given twice in the inputs list; give each input once."


def test_inputs_that_are_neither_object_nor_list_are_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        inputs_from_request("message=hi")

    assert raised.value.detail == (
        'The inputs must be an object of input ids to values, or a list of {"id", "data"} objects, not str.'
    )


# Presence ---------------------------------------------------------------------------------------------------------


def test_an_unknown_input_is_refused_listing_the_known_ones(wc: ProcessDescription) -> None:
    assert refusal(wc, {"txt": "https://x/a.txt"}) == (
        "Input 'txt' is not an input of this process; its inputs are: 'text', 'lines_only'."
    )


def test_a_missing_required_input_is_refused(echo: ProcessDescription) -> None:
    assert refusal(echo, {"mode": "fast"}) == "Input 'message' is required but missing."


@pytest.mark.parametrize(
    ("inputs", "named"),
    [
        ({"mode": "fast"}, "message"),
        ({"message": 3, "mode": "fast"}, "message"),
        ({"message": "hi", "mode": "slowest"}, "mode"),
        ({"message": "hi", "mode": "fast", "nothing": 1}, "nothing"),
    ],
)
def test_a_refusal_names_the_input_at_fault_for_forms_to_show_it_beside_its_field(
    echo: ProcessDescription, inputs: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        check(echo, inputs)
    assert raised.value.members == {"input": named}


def test_a_required_input_given_as_null_is_refused(echo: ProcessDescription) -> None:
    assert refusal(echo, {"message": None, "mode": "fast"}) == "Input 'message' is required but missing."


def test_defaults_are_not_filled_in(echo: ProcessDescription) -> None:
    assert check(echo, {"message": "hi", "mode": "fast"}) == {"message": "hi", "mode": "fast"}


def test_an_optional_input_given_as_null_stays_null(echo: ProcessDescription) -> None:
    assert check(echo, {"message": "hi", "mode": "fast", "scale": None})["scale"] is None


# Literal values ---------------------------------------------------------------------------------------------------


def test_a_value_of_the_wrong_type_is_refused_with_the_schema_message(echo: ProcessDescription) -> None:
    assert refusal(echo, {"message": "hi", "mode": "fast", "repeat": "abc"}) == (
        "Input 'repeat' is invalid: 'abc' is not of type 'integer'."
    )


def test_a_value_outside_an_enum_is_refused(echo: ProcessDescription) -> None:
    assert refusal(echo, {"message": "hi", "mode": "medium"}) == (
        "Input 'mode' is invalid: 'medium' is not one of ['fast', 'slow']."
    )


def test_a_bad_record_field_is_refused_naming_its_path(echo: ProcessDescription) -> None:
    assert refusal(echo, {"message": "hi", "mode": "fast", "window": {"start": "x"}}) == (
        "Input 'window' is invalid at window.start: 'x' is not of type 'integer'."
    )


def test_a_bad_array_item_is_refused_naming_its_index(echo: ProcessDescription) -> None:
    assert refusal(echo, {"message": "hi", "mode": "fast", "tags": ["a", 3]}) == (
        "Input 'tags' is invalid at tags[1]: 3 is not of type 'string'."
    )


def test_a_qualified_value_is_unwrapped(echo: ProcessDescription) -> None:
    inputs = {"message": {"value": "hi", "mediaType": "text/plain"}, "mode": "fast"}

    assert check(echo, inputs)["message"] == "hi"


def test_a_single_value_for_an_array_input_becomes_a_one_item_list(echo: ProcessDescription) -> None:
    assert check(echo, {"message": "hi", "mode": "fast", "tags": "a"})["tags"] == ["a"]


def test_a_list_for_a_single_valued_input_is_refused(echo: ProcessDescription) -> None:
    assert refusal(echo, {"message": ["hi", "ho"], "mode": "fast"}) == (
        "Input 'message' takes one value, but 2 were given."
    )


def test_a_list_is_one_value_of_an_input_of_any_type(echo: ProcessDescription) -> None:
    assert check(echo, {"message": "hi", "mode": "fast", "extra": [1, "a"]})["extra"] == [1, "a"]


def test_an_empty_list_for_a_required_cwl_array_is_one_value_as_cwl_allows(shout: ProcessDescription) -> None:
    assert check(shout, {"messages": []}) == {"messages": []}


def test_an_array_schema_takes_the_whole_list_as_one_value_and_checks_its_length() -> None:
    schema = {"type": "array", "minItems": 2, "items": {"type": "integer"}}
    description = ProcessDescription(inputs={"arrayInput": {"schema": schema}})

    assert check(description, {"arrayInput": [1, 2, 3]}) == {"arrayInput": [1, 2, 3]}
    assert "is too short" in refusal(description, {"arrayInput": [1]})


def test_an_input_that_occurs_several_times_takes_a_list_of_values() -> None:
    description = ProcessDescription(inputs={"n": {"schema": {"type": "integer"}, "minOccurs": 1, "maxOccurs": 2}})

    assert check(description, {"n": [1, 2]}) == {"n": [1, 2]}


def test_more_values_than_max_occurs_are_refused() -> None:
    description = ProcessDescription(inputs={"n": {"schema": {"type": "integer"}, "minOccurs": 1, "maxOccurs": 2}})

    assert refusal(description, {"n": [1, 2, 3]}) == "Input 'n' takes at most 2 value(s), but 3 were given."


def test_a_record_with_a_value_field_is_not_taken_for_a_qualified_value() -> None:
    schema = {"type": "object", "properties": {"value": {"type": "number"}}, "required": ["value"]}
    description = ProcessDescription(inputs={"measure": {"schema": schema}})

    assert check(description, {"measure": {"value": 3.5}}) == {"measure": {"value": 3.5}}


# Files ------------------------------------------------------------------------------------------------------------


def test_a_url_string_for_a_file_becomes_a_link(wc: ProcessDescription) -> None:
    assert check(wc, {"text": "https://data.example/a.txt"}) == {"text": {"href": "https://data.example/a.txt"}}


def test_a_link_keeps_its_media_type(wc: ProcessDescription) -> None:
    link = {"href": "https://data.example/a.txt", "type": "text/plain", "rel": "input"}

    assert check(wc, {"text": link}) == {"text": {"href": "https://data.example/a.txt", "type": "text/plain"}}


def test_an_s3_href_is_refused_while_no_s3_storage_is_configured(wc: ProcessDescription) -> None:
    assert refusal(wc, {"text": "s3://bucket/a.txt"}) == (
        "Input 'text' refers to s3://bucket/a.txt, but this server has no S3 storage configured."
    )


def test_inline_content_for_a_file_is_kept_for_the_runner(wc: ProcessDescription) -> None:
    inline = {"value": "one two\n", "mediaType": "text/plain"}

    assert check(wc, {"text": inline}) == {"text": inline}


def test_an_array_of_files_becomes_a_list_of_links(tmp_path: Path) -> None:
    description = ProcessDescription(
        inputs={"files": {"schema": {"type": "array"}, "maxOccurs": "unbounded", "x-cwl-class": "File"}}
    )

    assert check(description, {"files": ["https://x/a", {"href": "https://x/b"}]}) == {
        "files": [{"href": "https://x/a"}, {"href": "https://x/b"}]
    }


def test_an_output_of_an_earlier_job_is_accepted_as_a_file(wc: ProcessDescription) -> None:
    href = f"{PUBLIC_URL}/jobs/5f1c/outputs/counts/counts.txt"

    assert check(wc, {"text": {"href": href}}) == {"text": {"href": href}}


def test_a_directory_cannot_be_inline_content(echo: ProcessDescription) -> None:
    assert refusal(echo, {"message": "hi", "mode": "fast", "data": {"value": "x"}}) == (
        "Input 'data' is a Directory, so it takes a link {\"href\": <URL>}, a URL string, not {'value': 'x'}."
    )


def test_a_file_given_as_a_number_is_refused(wc: ProcessDescription) -> None:
    assert refusal(wc, {"text": 3}) == (
        "Input 'text' is a File, so it takes a link {\"href\": <URL>}, a URL string or inline content "
        '{"value": <text>, "mediaType": ...}, not 3.'
    )


def test_an_href_with_another_scheme_is_refused(wc: ProcessDescription) -> None:
    assert refusal(wc, {"text": "ftp://data.example/a.txt"}) == (
        "Input 'text' refers to ftp://data.example/a.txt, which is not an http, https or file URL or an absolute path."
    )


def test_a_relative_path_is_refused(wc: ProcessDescription) -> None:
    assert refusal(wc, {"text": "a.txt"}) == (
        "Input 'text' refers to a.txt, which is not an http, https or file URL or an absolute path."
    )


def test_a_file_url_under_an_allowed_root_becomes_a_resolved_file_url(wc: ProcessDescription, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()

    result = check(wc, {"text": f"file://{tmp_path}/in/../in/a.txt"}, [tmp_path])

    assert result == {"text": {"href": (tmp_path / "in" / "a.txt").as_uri()}}


def test_an_absolute_path_under_an_allowed_root_is_accepted(wc: ProcessDescription, tmp_path: Path) -> None:
    assert check(wc, {"text": f"{tmp_path}/a.txt"}, [tmp_path]) == {"text": {"href": (tmp_path / "a.txt").as_uri()}}


def test_a_path_outside_the_allowed_roots_is_refused(wc: ProcessDescription, tmp_path: Path) -> None:
    assert refusal(wc, {"text": "/etc/passwd"}, [tmp_path]) == (
        f"Input 'text' refers to /etc/passwd, which is outside the allowed input roots ({tmp_path})."
    )


def test_a_path_that_climbs_out_of_a_root_is_refused(wc: ProcessDescription, tmp_path: Path) -> None:
    climbing = f"{tmp_path}{'/..' * len(tmp_path.parts)}/etc/passwd"

    assert refusal(wc, {"text": f"file://{climbing}"}, [tmp_path]) == (
        f"Input 'text' refers to {climbing} (resolved: /etc/passwd), which is outside the allowed input roots "
        f"({tmp_path})."
    )


def test_a_symlink_out_of_a_root_is_refused(wc: ProcessDescription, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "escape").symlink_to("/etc")

    assert refusal(wc, {"text": f"{root}/escape/passwd"}, [root]) == (
        f"Input 'text' refers to {root}/escape/passwd (resolved: /etc/passwd), which is outside the allowed input "
        f"roots ({root})."
    )


def test_a_local_path_is_refused_when_no_roots_are_configured(wc: ProcessDescription, tmp_path: Path) -> None:
    assert refusal(wc, {"text": f"{tmp_path}/a.txt"}) == (
        f"Input 'text' refers to {tmp_path}/a.txt, which is outside the allowed input roots (none are configured)."
    )
