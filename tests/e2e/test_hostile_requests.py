"""Hostile requests get a clear OGC exception document, never a 500, and no internal detail leaks out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATA, Server, make_server
from tests.e2e.helpers import ensure_deployed, submit, wait_for_status
from tests.ogc_schemas import validate

LIMIT = 100_000


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with small body limits, so that a test need not send megabytes."""
    running = make_server(
        tmp_path_factory.mktemp("limited"), max_execute_size=str(LIMIT), max_package_size=str(LIMIT)
    ).start()
    yield running
    running.stop()


@pytest.fixture
def small(limited: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limited.url, timeout=60) as http:
        yield http


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    document: dict[str, object] = response.json()
    validate(document, "exception.yaml")
    return document


def test_a_log_offset_past_any_file_size_answers_an_empty_log(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "x"}})
    wait_for_status(client, job_id)

    response = client.get(f"/jobs/{job_id}/logs", params={"since": 17592186040321})

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["X-Log-Offset"] == "17592186040321"


def test_a_nul_byte_in_an_output_path_is_not_found(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "x"}})
    wait_for_status(client, job_id)

    document = _problem(client.get(f"/jobs/{job_id}/outputs/a%00b"), 404)

    assert "holds '\\x00', which a file name may not" in str(document["detail"])


def test_an_output_path_climbing_out_of_the_job_is_not_found(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "greet"), {"inputs": {"name": "x"}})
    wait_for_status(client, job_id)

    _problem(client.get(f"/jobs/{job_id}/outputs/greeting/..%2F..%2F..%2Fswath.db"), 404)


def test_a_text_plain_execute_request_is_unsupported_media_type(client: httpx.Client) -> None:
    process_id = ensure_deployed(client, "greet")
    response = client.post(
        f"/processes/{process_id}/execution",
        content=b'{"inputs": {"name": "x"}}',
        headers={"Content-Type": "text/plain"},
    )

    document = _problem(response, 415)
    assert (
        document["detail"] == "Media type 'text/plain' is not supported for an execute request; send application/json."
    )


def test_a_process_id_of_ten_thousand_characters_is_refused(client: httpx.Client) -> None:
    body = (DATA / "e2e" / "greet.cwl").read_bytes().replace(b"id: greet", b"id: " + b"g" * 10_000)
    response = client.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})

    assert "up to 200 letters" in str(_problem(response, 400)["detail"])


def test_an_execute_body_over_the_limit_is_refused_naming_the_setting(small: httpx.Client) -> None:
    body = b'{"inputs": {"name": "' + b"x" * (LIMIT + 1) + b'"}}'
    response = small.post("/processes/echo/execution", content=body, headers={"Content-Type": "application/json"})

    document = _problem(response, 413)
    assert document["detail"] == (
        f"The request body is larger than the {LIMIT:,} bytes this server accepts (setting max_execute_size)."
    )


def test_a_chunked_execute_body_over_the_limit_is_refused_before_it_ends(small: httpx.Client) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"inputs": {"name": "'
        for _ in range(1000):  # 64 MB in all, were it read to the end
            sent += 1
            yield b"x" * 65536

    response = small.post("/processes/echo/execution", content=chunks(), headers={"Content-Type": "application/json"})

    assert _problem(response, 413)["detail"] == (
        f"The request body is larger than the {LIMIT:,} bytes this server accepts (setting max_execute_size)."
    )
    assert sent < 1000


def test_a_package_over_the_limit_is_refused_naming_the_setting(small: httpx.Client) -> None:
    body = (DATA / "e2e" / "greet.cwl").read_bytes() + b"\n# " + b"x" * LIMIT + b"\n"
    response = small.post("/processes", content=body, headers={"Content-Type": "application/cwl+yaml"})

    assert _problem(response, 413)["detail"] == (
        f"The application package is larger than the {LIMIT:,} bytes this server accepts (setting max_package_size)."
    )


def test_a_huge_value_is_not_echoed_whole_in_the_error(client: httpx.Client) -> None:
    process_id = ensure_deployed(client, "greet")
    body = {"inputs": {"name": "x", "times": "y" * 1_000_000}}

    document = _problem(client.post(f"/processes/{process_id}/execution", json=body), 400)

    assert len(str(document["detail"])) < 2100
    assert "characters left out" in str(document["detail"])


def test_a_failed_jobs_log_and_message_do_not_show_the_data_directory(client: httpx.Client, server: Server) -> None:
    job_id = submit(client, ensure_deployed(client, "failing"), {})
    status = wait_for_status(client, job_id)
    log = client.get(f"/jobs/{job_id}/logs").text

    data_dir = str(Path(server.data_dir).resolve())
    assert status["status"] == "failed"
    assert data_dir not in log and data_dir not in str(status.get("message"))
    assert "<data>" in log  # cwltool names its work folders; they are shown under the placeholder
