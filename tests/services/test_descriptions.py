"""CWL parameters become OGC input and output descriptions that the official schemas accept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cwltool.context import LoadingContext
from cwltool.load_tool import load_tool
from cwltool.process import Process
from cwltool.workflow import default_make_tool

from swath.services.descriptions import describe_inputs, describe_outputs, named_types
from swath.services.packages import parse_package
from tests.ogc_schemas import validate

DATA = Path(__file__).resolve().parents[1] / "data" / "packages"
FIXTURES = [
    ("wc.cwl", None),
    ("echo.cwl", None),
    ("scatter-workflow.cwl", None),
    ("two-workflows.cwl", "greet"),
    ("two-workflows.cwl", "greet-twice"),
    ("two-workflows.cwl", "greet-tool"),
]


def load(path: Path) -> Process:
    context = LoadingContext()
    context.construct_tool_object = default_make_tool
    return load_tool(path.as_uri(), context)


def tool_with(tmp_path: Path, inputs: str = "{}", outputs: str = "[]") -> Process:
    """A CommandLineTool with the given inputs and outputs (YAML flow style), loaded by cwltool."""
    path = tmp_path / "tool.cwl"
    path.write_text(
        "cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: 'true'\n"
        "$namespaces: {iana: 'https://www.iana.org/assignments/media-types/', edam: 'http://edamontology.org/'}\n"
        f"inputs: {inputs}\noutputs: {outputs}\n"
    )
    return load(path)


def input_of(tmp_path: Path, parameter: str) -> dict[str, Any]:
    tool = tool_with(tmp_path, inputs=f"{{x: {parameter}}}")
    return describe_inputs(tool.tool["inputs"], named_types(tool.requirements))["x"]


def output_of(tmp_path: Path, parameter: str) -> dict[str, Any]:
    tool = tool_with(tmp_path, outputs=f"{{x: {parameter}}}")
    return describe_outputs(tool.tool["outputs"])["x"]


@pytest.fixture(scope="module")
def echo() -> dict[str, dict[str, Any]]:
    tool = load(DATA / "echo.cwl")
    return describe_inputs(tool.tool["inputs"], named_types(tool.requirements))


@pytest.mark.parametrize(
    ("cwl_type", "schema"),
    [
        ("string", {"type": "string"}),
        ("int", {"type": "integer"}),
        ("long", {"type": "integer"}),
        ("float", {"type": "number"}),
        ("double", {"type": "number"}),
        ("boolean", {"type": "boolean"}),
        ("Any", {}),
    ],
)
def test_a_literal_cwl_type_maps_to_its_json_schema_type(tmp_path: Path, cwl_type: str, schema: Any) -> None:
    assert input_of(tmp_path, cwl_type) == {"minOccurs": 1, "maxOccurs": 1, "schema": schema, "x-cwl-type": cwl_type}


def test_label_and_doc_become_title_and_description(echo: dict[str, dict[str, Any]]) -> None:
    assert (echo["message"]["title"], echo["message"]["description"]) == ("Message", "What to write.")


def test_a_doc_given_as_a_list_of_lines_is_joined(tmp_path: Path) -> None:
    assert input_of(tmp_path, "{type: string, doc: [one, two]}")["description"] == "one\ntwo"


def test_an_optional_input_may_occur_zero_times(echo: dict[str, dict[str, Any]]) -> None:
    assert (echo["scale"]["minOccurs"], echo["scale"]["schema"]) == (0, {"type": "number"})


def test_a_default_goes_into_the_schema_and_makes_the_input_optional(echo: dict[str, dict[str, Any]]) -> None:
    assert echo["repeat"] == {
        "minOccurs": 0,
        "maxOccurs": 1,
        "schema": {"type": "integer", "default": 1},
        "x-cwl-type": "int",
    }


def test_an_enum_lists_its_symbols_as_written(echo: dict[str, dict[str, Any]]) -> None:
    assert echo["mode"]["schema"] == {"type": "string", "enum": ["fast", "slow"]}


def test_an_enum_symbol_holding_a_slash_keeps_it(tmp_path: Path) -> None:
    described = input_of(tmp_path, "{type: {type: enum, symbols: [a/b, c]}}")

    assert described["schema"]["enum"] == ["a/b", "c"]


def test_an_array_is_one_value_of_array_type_with_unbounded_occurrences(echo: dict[str, dict[str, Any]]) -> None:
    assert echo["tags"] == {
        "minOccurs": 0,
        "maxOccurs": "unbounded",
        "schema": {"type": "array", "items": {"type": "string"}},
        "x-cwl-type": ["null", {"type": "array", "items": "string"}],
    }


def test_a_record_named_in_schema_def_requirement_becomes_an_object(echo: dict[str, dict[str, Any]]) -> None:
    assert echo["window"]["schema"] == {
        "type": "object",
        "properties": {"end": {"type": "integer"}, "start": {"type": "integer"}},
        "required": ["start"],
    }


def test_a_union_of_types_becomes_any_of(tmp_path: Path) -> None:
    described = input_of(tmp_path, "{type: ['null', int, string]}")

    assert described["schema"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}


def test_a_file_is_a_uri_with_the_iana_media_type_of_its_format(tmp_path: Path) -> None:
    assert input_of(tmp_path, "{type: File, format: 'iana:text/csv'}") == {
        "minOccurs": 1,
        "maxOccurs": 1,
        "schema": {"type": "string", "format": "uri", "contentMediaType": "text/csv"},
        "x-cwl-class": "File",
        "x-cwl-format": ["https://www.iana.org/assignments/media-types/text/csv"],
        "x-cwl-type": "File",
    }


def test_a_file_format_that_is_not_a_media_type_becomes_the_content_schema(tmp_path: Path) -> None:
    described = input_of(tmp_path, "{type: File, format: 'edam:format_3752'}")

    assert described["schema"] == {
        "type": "string",
        "format": "uri",
        "contentSchema": "http://edamontology.org/format_3752",
    }


def test_a_directory_is_marked_as_a_directory(echo: dict[str, dict[str, Any]]) -> None:
    assert echo["data"] == {
        "minOccurs": 0,
        "maxOccurs": 1,
        "schema": {"type": "string", "format": "uri"},
        "x-cwl-class": "Directory",
        "x-cwl-type": ["null", "Directory"],
    }


def test_an_array_of_files_is_marked_as_files(tmp_path: Path) -> None:
    described = input_of(tmp_path, "'File[]'")

    assert described["x-cwl-class"] == "File"
    assert described["schema"] == {"type": "array", "items": {"type": "string", "format": "uri"}}


def test_a_file_default_is_left_out_of_the_schema_but_makes_the_input_optional(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("hello")

    described = input_of(tmp_path, "{type: File, default: {class: File, location: data.txt}}")

    assert (described["minOccurs"], "default" in described["schema"]) == (0, False)


def test_a_file_output_is_a_uri_marked_as_a_file(tmp_path: Path) -> None:
    described = output_of(tmp_path, "{type: File, format: 'iana:image/tiff', outputBinding: {glob: out.tif}}")

    assert described == {
        "schema": {"type": "string", "format": "uri", "contentMediaType": "image/tiff"},
        "x-cwl-class": "File",
        "x-cwl-format": ["https://www.iana.org/assignments/media-types/image/tiff"],
        "x-cwl-type": "File",
    }


def test_a_literal_output_has_no_file_marker(tmp_path: Path) -> None:
    assert output_of(tmp_path, "{type: int, outputBinding: {outputEval: '$(1)'}}") == {
        "schema": {"type": "integer"},
        "x-cwl-type": "int",
    }


@pytest.mark.parametrize(("name", "workflow"), FIXTURES)
def test_every_input_description_is_valid_ogc(name: str, workflow: str | None) -> None:
    package = parse_package((DATA / name).read_bytes(), "application/cwl+yaml", workflow)

    for described in package.description.inputs.values():
        validate(described, "inputDescription.yaml")


@pytest.mark.parametrize(("name", "workflow"), FIXTURES)
def test_every_output_description_is_valid_ogc(name: str, workflow: str | None) -> None:
    package = parse_package((DATA / name).read_bytes(), "application/cwl+yaml", workflow)

    for described in package.description.outputs.values():
        validate(described, "outputDescription.yaml")


@pytest.mark.parametrize(("name", "workflow"), FIXTURES)
def test_every_description_wrapped_as_a_process_is_valid_ogc(name: str, workflow: str | None) -> None:
    package = parse_package((DATA / name).read_bytes(), "application/cwl+yaml", workflow)
    description = package.description

    validate(
        {
            "id": package.id,
            "version": package.version,
            "title": description.title or "",
            "keywords": description.keywords,
            "jobControlOptions": description.job_control_options,
            "outputTransmission": description.output_transmission,
            "inputs": description.inputs,
            "outputs": description.outputs,
        },
        "process.yaml",
    )
