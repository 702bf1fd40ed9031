"""The client's errors read the exception document's structured members, never its prose."""

from __future__ import annotations

import httpx

from swath.client.errors import DuplicatedProcess, InvalidInput, error_from_response


def _refusal(status: int, document: dict[str, object]) -> httpx.Response:
    request = httpx.Request("POST", "http://127.0.0.1:1/processes")
    return httpx.Response(status, json=document, request=request)


def test_a_conflict_names_the_process_that_holds_the_id() -> None:
    document = {
        "type": "http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/duplicated-process",
        "title": "Duplicated process",
        "status": 409,
        "detail": "Any sentence at all.",
        "processID": "greet:2.1",
    }

    error = error_from_response(_refusal(409, document))

    assert isinstance(error, DuplicatedProcess)
    assert error.process_id == "greet:2.1"
    assert error.job_id is None


def test_an_invalid_input_carries_its_input_and_reason() -> None:
    document = {
        "type": "https://swath.dev/exceptions/invalid-input",
        "status": 400,
        "detail": "Input 'text' refers to /etc/passwd, which is outside the allowed input roots (none).",
        "input": "text",
        "reason": "path-not-readable",
    }

    error = error_from_response(_refusal(400, document))

    assert isinstance(error, InvalidInput)
    assert (error.input_id, error.reason_code) == ("text", "path-not-readable")
