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
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from swath.api.html import render_html, wants_html
from swath.api.render import base_url
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
    limit = _detail_limit(request)
    detail = _shortened(detail, limit)
    members = {
        key: _shortened(value, 200) if isinstance(value, str) else [_shortened(item, limit) for item in value]
        for key, value in (members or {}).items()
    }
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


def _detail_limit(request: Request) -> int:
    context = getattr(request.app.state, "context", None) if "app" in request.scope else None
    return context.settings.max_error_detail if context is not None else 2000


def _shortened(text: str, limit: int) -> str:
    """`text` cut in the middle past `limit` characters: a detail that echoes a request's value (62 MB of it once)
    keeps its start (the thing) and its end (what is allowed)."""
    if len(text) <= limit:
        return text
    half = (limit - 20) // 2
    return f"{text[:half]} …[{len(text) - 2 * half:,} characters left out]… {text[-half:]}"


def _swath_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, SwathError)
    headers = None
    if isinstance(error, Unauthorized) and request.method == "GET" and wants_html(request):
        # A person at a browser is sent to sign in, and brought back to the page afterwards.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{base_url(request)}/signin?{urlencode({'next': target})}", status_code=303)
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
    headers = dict(error.headers or {})
    if error.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return exception_response(error.status_code, _GENERIC + "http-error", title, detail, request, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (RFC 9110: a 405 lists them all in `Allow`); Starlette names
    only those of the first route that matched the path, and FastAPI makes one route per method."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, APIRoute) and route.matches({**request.scope, "method": "GET"})[0] is not Match.NONE:
            methods.update(route.methods or ())
    return sorted(methods)


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
