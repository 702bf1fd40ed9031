"""Deploy and run load CWL with one configuration: no remote schemas, no JavaScript validation, no outside files."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from swath.errors import InvalidPackage, JobFailed
from swath.runner.cwl import load_process_tool
from swath.services.cwl_loading import describe_cwl_error, load_document, loading_context
from swath.services.packages import parse_package
from tests.runner.harness import load_cwl, make_process


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def schema_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server that records every request made to it; the URL of a schema it would serve."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/schema.rdf", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _with_schemas(url: str) -> dict[str, Any]:
    return {**load_cwl("wc.cwl"), "$namespaces": {"s": "https://schema.org/"}, "$schemas": [url]}


def test_the_loading_configuration_skips_schemas_and_javascript_validation_and_confines_files(
    tmp_path: Path,
) -> None:
    context = loading_context(tmp_path)

    assert context.skip_schemas is True
    assert context.disable_js_validation is True
    assert context.fetcher_constructor is not None


def test_a_package_with_schemas_fetches_nothing_when_it_runs(
    schema_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, requests = schema_server
    process = make_process(_with_schemas(url), "wc", {"text": {"x-cwl-class": "File"}})

    loaded = load_process_tool(process, "none", tmp_path)

    assert loaded.tool.tool["id"].endswith("wc")
    assert requests == []


def test_a_package_with_schemas_fetches_nothing_when_it_deploys(schema_server: tuple[str, list[str]]) -> None:
    url, requests = schema_server

    package = parse_package(yaml.safe_dump(_with_schemas(url)).encode(), "application/cwl+yaml")

    assert package.id == "wc"
    assert requests == []


def test_a_document_that_reads_a_file_outside_its_folder_is_refused_with_the_callers_error(tmp_path: Path) -> None:
    outside = tmp_path / "outside.cwl"
    outside.write_text(yaml.safe_dump(load_cwl("wc.cwl")), encoding="utf-8")
    folder = tmp_path / "package"
    folder.mkdir()
    path = folder / "process.cwl"
    workflow = {
        "cwlVersion": "v1.2",
        "class": "Workflow",
        "id": "main",
        "inputs": {"text": "File"},
        "outputs": {"count": {"type": "string", "outputSource": "counting/count"}},
        "steps": {"counting": {"run": outside.as_uri(), "in": {"text": "text"}, "out": ["count"]}},
    }
    path.write_text(yaml.safe_dump(workflow), encoding="utf-8")

    with pytest.raises(JobFailed) as raised:
        load_document(path, None, JobFailed, "The document does not load")

    assert str(raised.value).startswith("The document does not load: ")
    assert "contains undefined reference to" in str(raised.value)


def test_an_error_description_leaves_the_folder_out_and_keeps_to_its_limit(tmp_path: Path) -> None:
    error = InvalidPackage(f"file://{tmp_path}/package.cwl:3:1: field   `inputs`\n  is required " + "x" * 50)

    described = describe_cwl_error(error, tmp_path, limit=60)

    assert described.startswith("package.cwl:3:1: field `inputs` is required ")
    assert len(described) == 60
    assert described.endswith("…")
