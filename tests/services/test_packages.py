"""Deploy bodies become validated application packages, checked by the real cwltool."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from cwltool.context import LoadingContext
from cwltool.load_tool import load_tool
from cwltool.workflow import default_make_tool

from swath.errors import AddressRefused, InvalidPackage, UnsupportedMediaType, WorkflowNotFound
from swath.services.packages import parse_package

DATA = Path(__file__).resolve().parents[1] / "data" / "packages"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def cwl_of(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(read(name))
    return document


def apppkg(execution_unit: Any, **process: Any) -> bytes:
    body: dict[str, Any] = {"executionUnit": execution_unit}
    if process:
        body["processDescription"] = {"process": process}
    return json.dumps(body).encode()


def never_fetch(href: str) -> bytes:
    raise AssertionError(f"nothing should be fetched, but {href} was")


@pytest.fixture(scope="module")
def packed_count_words() -> bytes:
    """A $graph with `#main` made by the real `cwltool --pack` from a workflow and the tool it runs."""
    result = subprocess.run(
        ["cwltool", "--pack", str(DATA / "count-words.cwl")], capture_output=True, check=True, timeout=120
    )
    return result.stdout


# Media types and parsing ------------------------------------------------------------------------------------------


def test_a_cwl_tool_is_deployed_under_its_id_and_software_version() -> None:
    package = parse_package(read("wc.cwl"), "application/cwl+yaml")

    assert (package.id, package.version, package.workflow_id) == ("wc", "2.1.0", "wc")


def test_the_description_takes_title_description_and_keywords_from_the_cwl() -> None:
    description = parse_package(read("wc.cwl"), "application/cwl+yaml").description

    assert description.title == "Word count"
    assert description.description == "Counts the lines, words and bytes of a text file."
    assert description.keywords == ["text", "count"]


def test_the_package_keeps_the_deployed_bytes_and_the_bare_media_type() -> None:
    package = parse_package(read("wc.cwl"), "Application/CWL+YAML; charset=utf-8")

    assert package.package == read("wc.cwl")
    assert package.media_type == "application/cwl+yaml"


def test_the_version_is_1_0_0_when_the_package_gives_none() -> None:
    assert parse_package(read("echo.cwl"), "text/yaml").version == "1.0.0"


def test_an_unsupported_media_type_is_refused_naming_the_accepted_ones() -> None:
    with pytest.raises(UnsupportedMediaType) as raised:
        parse_package(read("wc.cwl"), "text/plain")

    assert raised.value.detail.startswith("Media type 'text/plain' is not supported for a deploy; use one of: ")
    assert "application/cwl+yaml" in raised.value.detail
    assert "application/ogcapppkg+json" in raised.value.detail


def test_a_yaml_syntax_error_is_reported_with_its_line_and_column() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(b"cwlVersion: v1.2\nclass: [CommandLineTool\nid: x\n", "application/cwl+yaml")

    assert raised.value.detail == "The package is not valid YAML: expected ',' or ']', but got ':' at line 3, column 3."


def test_a_json_syntax_error_is_reported_with_its_line_and_column() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(b'{\n  "cwlVersion": "v1.2"\n  "class": "Workflow"\n}', "application/cwl+json")

    assert raised.value.detail == "The package is not valid JSON: Expecting ',' delimiter at line 3, column 3."


def test_a_package_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(b"- a\n- b\n", "application/x-yaml")

    assert raised.value.detail == "The package must be a YAML or JSON object, not a list."


def test_an_empty_package_is_refused() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(b"", "application/cwl+yaml")

    assert raised.value.detail == "The package is empty; it must be a YAML or JSON object."


def test_plain_cwl_is_accepted_as_application_json() -> None:
    body = json.dumps(cwl_of("echo.cwl")).encode()

    assert parse_package(body, "application/json").id == "echo"


def test_an_application_json_body_that_is_neither_cwl_nor_ogcapppkg_is_refused() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(b'{"hello": "world"}', "application/json")

    assert raised.value.detail == (
        "A package sent as application/json must be an OGC application package with an `executionUnit`, "
        "or a CWL document with `cwlVersion`."
    )


# cwltool validation -----------------------------------------------------------------------------------------------


def test_a_typo_in_a_field_is_reported_with_cwltools_line_number_and_no_temporary_path() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(read("typo.cwl"), "application/cwl+yaml")

    detail = raised.value.detail
    assert detail.startswith("The package is not valid CWL: package.cwl:1:1: ")
    assert "package.cwl:4:1: invalid field 'baseComand', expected one of: " in detail
    assert "/tmp" not in detail and "swath-package" not in detail
    assert "\n" not in detail


def test_a_package_that_runs_another_file_is_refused_naming_that_file() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(read("count-words.cwl"), "application/cwl+yaml")

    assert raised.value.detail == (
        "The package is not valid CWL: Tool definition wc.cwl failed validation: "
        "[Errno 2] No such file or directory: 'wc.cwl'"
    )


def test_a_package_cannot_read_files_of_the_server() -> None:
    body = read("count-words.cwl").replace(b"run: wc.cwl", b"run: {$include: /etc/hostname}")

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/cwl+yaml")

    assert raised.value.detail.endswith(
        "/etc/hostname is outside the package; a package must be one self-contained document"
    )


def test_a_document_that_crashes_cwltool_is_refused_as_invalid() -> None:
    body = b"cwlVersion: v1.2\nclass: CommandLineTool\nid: x\ninputs: hello\noutputs: []\n"

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/cwl+yaml")

    assert raised.value.detail == (
        "The package is not valid CWL: cwltool could not read it (AttributeError: 'str' object has no attribute 'get')."
    )


def test_the_cwl_is_kept_as_json_that_cwltool_loads_again_from_a_file(tmp_path: Path) -> None:
    package = parse_package(read("two-workflows.cwl"), "application/cwl+yaml", workflow="greet-twice")
    path = tmp_path / "stored.cwl"
    path.write_text(json.dumps(package.cwl))
    context = LoadingContext()
    context.construct_tool_object = default_make_tool

    tool = load_tool(f"{path.as_uri()}#{package.workflow_id}", context)

    assert [output["id"].rsplit("/", 1)[-1] for output in tool.tool["outputs"]] == ["first", "second"]


# $graph entries ---------------------------------------------------------------------------------------------------


def test_a_graph_entry_is_chosen_with_the_workflow_argument() -> None:
    package = parse_package(read("two-workflows.cwl"), "application/cwl+yaml", workflow="greet-twice")

    assert (package.id, package.workflow_id) == ("greet-twice", "greet-twice")
    assert package.description.title == "Greet someone twice"
    assert list(package.description.outputs) == ["first", "second"]


def test_an_unknown_workflow_is_refused_listing_the_graph_ids() -> None:
    with pytest.raises(WorkflowNotFound) as raised:
        parse_package(read("two-workflows.cwl"), "application/cwl+yaml", workflow="greet-thrice")

    assert raised.value.detail == (
        "Workflow 'greet-thrice' is not in the package's $graph, which holds: greet-tool, greet, greet-twice."
    )


def test_a_graph_with_several_workflows_and_no_main_asks_to_choose_one() -> None:
    with pytest.raises(WorkflowNotFound) as raised:
        parse_package(read("two-workflows.cwl"), "application/cwl+yaml")

    assert raised.value.detail == (
        "The package's $graph holds several processes (greet-tool, greet, greet-twice); "
        "choose one with the `w` query parameter."
    )


def test_a_graph_without_ids_is_refused() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(b"cwlVersion: v1.2\n$graph: []\n", "application/cwl+yaml")

    assert raised.value.detail == "The package's $graph holds no object with an `id`; give each process an `id`."


def test_a_graph_with_one_workflow_runs_that_workflow() -> None:
    document = cwl_of("two-workflows.cwl")
    document["$graph"] = [item for item in document["$graph"] if item["id"] != "greet-twice"]

    package = parse_package(json.dumps(document).encode(), "application/cwl+json")

    assert (package.id, package.workflow_id) == ("greet", "greet")


def test_a_workflow_argument_naming_another_process_of_a_single_document_is_refused() -> None:
    with pytest.raises(WorkflowNotFound) as raised:
        parse_package(read("wc.cwl"), "application/cwl+yaml", workflow="main")

    assert raised.value.detail == "Workflow 'main' is not in the package, whose only process is 'wc'."


def test_a_packed_workflow_runs_main_and_is_named_after_its_label(packed_count_words: bytes) -> None:
    package = parse_package(packed_count_words, "application/cwl+json")

    assert (package.id, package.workflow_id) == ("count-words", "main")
    assert package.description.title == "Count words"
    assert list(package.description.inputs) == ["text"]


def test_a_packed_workflow_is_named_after_its_top_level_id_when_it_has_one(packed_count_words: bytes) -> None:
    document = json.loads(packed_count_words)
    document["id"] = "word-counter"

    assert parse_package(json.dumps(document).encode(), "application/cwl+json").id == "word-counter"


# Process ids ------------------------------------------------------------------------------------------------------


def test_a_document_without_id_or_label_is_refused_asking_for_an_id() -> None:
    document = cwl_of("echo.cwl")
    del document["id"], document["label"]
    document["inputs"][5]["type"] = "#Window?"

    with pytest.raises(InvalidPackage) as raised:
        parse_package(json.dumps(document).encode(), "application/cwl+json")

    assert raised.value.detail == (
        "The CWL document has no id: give the Workflow or CommandLineTool an `id` (or a `label`), "
        "or deploy an ogcapppkg with processDescription.process.id."
    )


def test_a_document_without_id_is_named_after_its_label() -> None:
    document = cwl_of("wc.cwl")
    del document["id"]

    package = parse_package(json.dumps(document).encode(), "application/cwl+json")

    assert (package.id, package.workflow_id) == ("word-count", "main")


def test_a_process_id_with_a_slash_is_refused() -> None:
    body = read("wc.cwl").replace(b"id: wc", b"id: tools/wc")

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/cwl+yaml")

    assert raised.value.detail == (
        "Process id 'tools/wc' is not allowed; use up to 200 letters, digits, '.', '_' and '-', starting with a "
        "letter or digit (a ':' separates the id from a version)."
    )


def test_a_process_id_longer_than_200_characters_is_refused() -> None:
    body = read("wc.cwl").replace(b"id: wc", b"id: " + b"w" * 10_000)

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/cwl+yaml")

    assert raised.value.detail == (
        f"Process id '{'w' * 80}…' is not allowed; use up to 200 letters, digits, '.', '_' and '-', starting "
        "with a letter or digit (a ':' separates the id from a version)."
    )


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 9)]
    body = ("cwlVersion: v1.2\nclass: CommandLineTool\n" + "\n".join(levels) + "\n").encode()

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/cwl+yaml")

    assert raised.value.detail == (
        "The package stands for more than 1,000,000 nodes once its YAML aliases are expanded, the most a package may."
    )


def test_a_package_nested_past_the_depth_limit_is_refused() -> None:
    body = b"cwlVersion: v1.2\nclass: CommandLineTool\ndoc: " + b"[" * 150 + b"]" * 150 + b"\n"

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/cwl+yaml")

    assert raised.value.detail == "The package nests deeper than 100 levels, the most a package may."


def test_a_json_package_nested_past_the_depth_limit_is_refused() -> None:
    body = b'{"cwlVersion": "v1.2", "doc": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/cwl+json")

    assert raised.value.detail == "The package nests deeper than 100 levels, the most a package may."


def test_a_process_id_written_with_a_colon_is_split_there_and_the_stated_version_wins() -> None:
    body = apppkg({"value": cwl_of("wc.cwl")}, id="l1b-cwl:develop")

    package = parse_package(body, "application/ogcapppkg+json")

    assert (package.id, package.version) == ("l1b-cwl", "2.1.0")


# ogcapppkg --------------------------------------------------------------------------------------------------------


def test_an_ogcapppkg_process_description_overrides_the_cwl() -> None:
    body = apppkg(
        {"value": cwl_of("wc.cwl"), "mediaType": "application/cwl+json"},
        id="count",
        version="3.0",
        title="Count",
        description="Counts.",
        keywords=["wc"],
        jobControlOptions=["async-execute", "dismiss"],
        outputTransmission=["reference"],
    )

    package = parse_package(body, "application/ogcapppkg+json", fetch=never_fetch)

    assert (package.id, package.version, package.workflow_id) == ("count", "3.0", "wc")
    description = package.description
    assert (description.title, description.description, description.keywords) == ("Count", "Counts.", ["wc"])
    assert description.job_control_options == ["async-execute", "dismiss"]
    assert description.output_transmission == ["reference"]


def test_job_control_options_beside_the_process_are_kept() -> None:
    body = json.dumps(
        {
            "processDescription": {"process": {"id": "count"}, "jobControlOptions": ["async-execute"]},
            "executionUnit": [{"unit": cwl_of("wc.cwl")}],
        }
    ).encode()

    assert parse_package(body, "application/json").description.job_control_options == ["async-execute"]


def test_an_unknown_job_control_option_is_refused() -> None:
    body = apppkg({"value": cwl_of("wc.cwl")}, jobControlOptions=["async-execute", "later"])

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/ogcapppkg+json")

    assert raised.value.detail == (
        "processDescription.process.jobControlOptions holds 'later', which is not one of: "
        "async-execute, dismiss, sync-execute."
    )


def test_an_ogcapppkg_with_cwl_text_as_qualified_value_is_deployed() -> None:
    body = apppkg({"value": read("wc.cwl").decode(), "mediaType": "application/cwl+yaml"})

    assert parse_package(body, "application/ogcapppkg+json").id == "wc"


def test_an_error_in_ogcapppkg_cwl_text_names_its_line() -> None:
    body = apppkg({"value": read("typo.cwl").decode(), "mediaType": "application/cwl+yaml"})

    with pytest.raises(InvalidPackage) as raised:
        parse_package(body, "application/ogcapppkg+json")

    assert "package.cwl:4:1: invalid field 'baseComand'" in raised.value.detail


def test_an_ogcapppkg_link_is_read_with_the_given_fetch() -> None:
    fetched: list[str] = []

    def fetch(href: str) -> bytes:
        fetched.append(href)
        return read("two-workflows.cwl")

    body = apppkg({"href": "https://example.org/greet.cwl", "type": "application/cwl+yaml"})

    package = parse_package(body, "application/ogcapppkg+json", workflow="greet", fetch=fetch)

    assert (package.id, fetched) == ("greet", ["https://example.org/greet.cwl"])
    assert package.package == body


def test_an_ogcapppkg_list_takes_its_first_cwl_unit() -> None:
    units = [
        {"type": "docker", "image": "debian:stable-slim"},
        {"href": "https://example.org/notes.txt", "type": "text/plain"},
        {"value": cwl_of("echo.cwl")},
        {"value": cwl_of("wc.cwl")},
    ]

    assert parse_package(apppkg(units), "application/ogcapppkg+json", fetch=never_fetch).id == "echo"


def test_an_ogcapppkg_without_cwl_is_refused() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(apppkg({"type": "docker", "image": "debian"}), "application/ogcapppkg+json")

    assert raised.value.detail.startswith("The executionUnit holds no CWL; Swath runs CWL only: ")


def test_an_ogcapppkg_link_to_a_local_file_is_refused() -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(apppkg({"href": "file:///etc/passwd"}), "application/ogcapppkg+json", fetch=never_fetch)

    assert (
        raised.value.detail == "The executionUnit href 'file:///etc/passwd' is not allowed; use an http or https URL."
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on localhost serving `tmp_path`."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_the_default_fetch_reads_a_linked_execution_unit_over_http(web_server: str, tmp_path: Path) -> None:
    (tmp_path / "wc.cwl").write_bytes(read("wc.cwl"))

    package = parse_package(
        apppkg({"href": f"{web_server}/wc.cwl"}), "application/ogcapppkg+json", allowed_networks=["127.0.0.0/8"]
    )

    assert package.id == "wc"


def test_the_default_fetch_names_the_href_when_the_server_refuses(web_server: str) -> None:
    with pytest.raises(InvalidPackage) as raised:
        parse_package(
            apppkg({"href": f"{web_server}/missing.cwl"}),
            "application/ogcapppkg+json",
            allowed_networks=["127.0.0.0/8"],
        )

    assert raised.value.detail == (
        f"The execution unit at {web_server}/missing.cwl could not be fetched: the server answered 404."
    )


# Threads and speed ------------------------------------------------------------------------------------------------


def test_packages_can_be_parsed_from_several_threads_at_once() -> None:
    names = ["wc.cwl", "echo.cwl", "scatter-workflow.cwl", "typo.cwl"] * 4

    def outcome(name: str) -> str:
        try:
            return parse_package(read(name), "application/cwl+yaml").id
        except InvalidPackage:
            return "invalid"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(outcome, names))

    assert outcomes == ["wc", "echo", "shout-and-count", "invalid"] * 4


def test_a_linked_execution_unit_on_a_loopback_address_is_refused_without_allowed_networks(web_server: str) -> None:
    with pytest.raises(AddressRefused) as raised:
        parse_package(apppkg({"href": f"{web_server}/wc.cwl"}), "application/ogcapppkg+json")
    assert "leads to an address this server may not reach" in raised.value.detail


def test_a_run_reference_to_the_metadata_address_is_refused_without_connecting() -> None:
    tool = """cwlVersion: v1.2
class: Workflow
id: main
inputs: []
outputs: []
steps:
  s:
    run: http://169.254.169.254/latest/tool.cwl
    in: []
    out: []
"""
    with pytest.raises(InvalidPackage) as raised:
        parse_package(tool.encode(), "application/cwl+yaml")
    assert "leads to an address this server may not reach" in raised.value.detail
