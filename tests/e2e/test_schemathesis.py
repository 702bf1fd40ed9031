"""The live server against its own OpenAPI document, fuzzed by schemathesis: no 5xx, and every answer as the
document says (status codes, media types, bodies, headers, `Allow` on a 405).

Bounded: a fixed number of examples per operation in schemathesis' deterministic mode, so a run takes about a
minute and finds the same cases each time. The server may not reach beyond this machine: the examples are not
deployed, tools run without containers (nothing is pulled), and its HTTP proxy is a closed loopback port, so an
input href that fuzzing makes up is never fetched.

Not checked: that every request the document allows is accepted (schemathesis' "schema-valid request rejected").
The document says an execute request's `inputs` is an object and a package is a YAML or JSON object; which ones a
process takes is the process description's, which no OpenAPI schema of the route can hold.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, make_server

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "allow_header_conformance",
]
CLOSED_PORT = "http://127.0.0.1:9"


@pytest.fixture
def fuzzed(tmp_path: Path) -> Iterator[Server]:
    server = make_server(tmp_path, deploy_examples="false", container_runtime="none")
    server.environment.update({"HTTP_PROXY": CLOSED_PORT, "HTTPS_PROXY": CLOSED_PORT, "NO_PROXY": "127.0.0.1"})
    running = server.start()
    yield running
    running.stop()


@pytest.mark.timeout(600)
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(fuzzed: Server, tmp_path: Path) -> None:
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),  # schemathesis' command, installed beside this Python
            "run",
            f"{fuzzed.url}/api",
            "--checks",
            ",".join(CHECKS),
            "--max-examples",
            "15",
            "--generation-deterministic",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--no-color",
            "--report-dir",
            str(tmp_path / "schemathesis"),
        ],
        capture_output=True,
        text=True,
        timeout=540,
        cwd=tmp_path,
    )

    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
