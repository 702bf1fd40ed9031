"""The one place errors become HTTP responses: OGC exception documents (exception.yaml, RFC 7807).

A client that asked for HTML (api/html.py decides) gets the same title and detail as an HTML page, with the same
status code.

Swath's own errors carry their type, status and title. Request validation errors become 400 with the location of
the bad value. Anything unexpected becomes a 500 whose body says only that, with the request id; the traceback is
logged once, never sent.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from swath.api.html import render_html, wants_html
from swath.errors import InvalidRequest, NotFound, SwathError, Unauthorized

log = logging.getLogger("swath.api")

EXCEPTION_MEDIA_TYPE = "application/problem+json"
_GENERIC = "https://swath.dev/exceptions/"


def exception_response(
    status: int,
    type_: str,
    title: str,
    detail: str,
    request: Request,
    headers: dict[str, str] | None = None,
    members: dict[str, str | list[str]] | None = None,
) -> Response:
    body: dict[str, object] = {
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": str(request.url),
        **(members or {}),
    }
    if wants_html(request):
        page = render_html(request, "error.html", status_code=status, **body)
        page.headers.update(headers or {})
        return page
    return JSONResponse(
        {**(members or {}), **body}, status_code=status, media_type=EXCEPTION_MEDIA_TYPE, headers=headers
    )


def _swath_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, SwathError)
    headers = None
    if isinstance(error, Unauthorized):
        # RFC 6750 section 3; the description repeats the detail, which never holds the token itself.
        challenge = 'Bearer realm="swath"'
        if error.bearer_error:  # a request without any token gets the bare challenge (RFC 6750 section 3.1)
            description = error.detail.replace('"', "'")
            challenge += f', error="{error.bearer_error}", error_description="{description}"'
        headers = {"WWW-Authenticate": challenge}
    return exception_response(
        error.status, error.type, error.title, error.detail, request, headers=headers, members=error.members or None
    )


def _location(parts: tuple[Any, ...]) -> str:
    # FastAPI reports ("body", "inputs", "x") / ("query", "limit"); say it the way a user would read it. Parts
    # like "dict[str,any]" name which branch of a union was tried: pydantic's, not the user's.
    where = [str(part) for part in parts if "[" not in str(part)]
    if not where:
        return "the request"
    source, *path = where
    if source == "body":
        return "the request body" + ("" if not path else " at '" + "/".join(path) + "'")
    return f"{source} parameter '{'/'.join(path)}'" if path else source


def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems: list[str] = []
    for problem in error.errors()[:5]:
        message = str(problem.get("msg", "invalid value"))
        if problem.get("type") == "json_invalid":
            context = problem.get("ctx", {}).get("error", "")
            message = f"the body is not valid JSON ({context})" if context else "the body is not valid JSON"
            problems.append(message)
            continue
        problems.append(f"{_location(tuple(problem.get('loc', ())))}: {message}")
    problems = list(dict.fromkeys(problems))
    detail = "Invalid request: " + "; ".join(problems) + "."
    return exception_response(400, InvalidRequest.type, InvalidRequest.title, detail, request)


def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        detail = f"There is no resource at {request.url.path}."
        return exception_response(404, NotFound.type, NotFound.title, detail, request)
    title = str(error.detail) if error.detail else "HTTP error"
    detail = str(error.detail)
    if error.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    return exception_response(
        error.status_code, _GENERIC + "http-error", title, detail, request, headers=dict(error.headers or {})
    )


def _unexpected_error(request: Request, error: Exception) -> Response:
    request_id = str(uuid.uuid4())
    log.error("Unexpected error on %s %s (request %s)", request.method, request.url.path, request_id, exc_info=error)
    detail = f"The server failed to answer this request; it was logged as request {request_id}."
    return exception_response(500, SwathError.type, SwathError.title, detail, request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SwathError, _swath_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
