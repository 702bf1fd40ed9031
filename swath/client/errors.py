"""Errors the client raises, one class per OGC exception type, each carrying the server's exception document.

Every error from the server is also a `requests.exceptions.HTTPError` (with a `requests.Response` in `response`
and a readable `reason`), because notebooks written for Unity catch exactly that.

    requests.exceptions.RequestException
    ├── HTTPError
    │   └── APIError (any error document; status, type, title, detail, document)
    │       ├── InvalidRequest (400) ── InvalidInput, InvalidParameter, InvalidPackage
    │       ├── NotFound (404) ── ProcessNotFound, JobNotFound, OutputNotFound, FileNotFound
    │       ├── ResultNotReady, ResultNotAvailable (404)
    │       ├── Conflict (409) ── DuplicatedProcess, JobNotDismissable
    │       ├── ImmutableProcess (403), UnsupportedMediaType (415)
    │       └── ServerError (5xx)
    └── ConnectionError
        └── ServerUnavailable (no answer at the address)
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import requests
from requests.structures import CaseInsensitiveDict

__all__ = [
    "APIError",
    "Conflict",
    "DuplicatedProcess",
    "FileNotFound",
    "ImmutableProcess",
    "InvalidInput",
    "InvalidPackage",
    "InvalidParameter",
    "InvalidRequest",
    "JobNotDismissable",
    "JobNotFound",
    "JobTimeout",
    "NotFound",
    "OutputNotFound",
    "ProcessNotFound",
    "ResultNotAvailable",
    "ResultNotReady",
    "ServerError",
    "ServerUnavailable",
    "UnsupportedMediaType",
]


class APIError(requests.exceptions.HTTPError):
    """The server refused a request; `document` is its OGC exception document (RFC 7807)."""

    def __init__(self, document: dict[str, Any], response: requests.Response) -> None:
        self.document = document
        self.status: int = int(document.get("status") or response.status_code)
        self.type: str = str(document.get("type", ""))
        self.title: str = str(document.get("title") or response.reason)
        self.detail: str = str(document.get("detail") or self.title)
        # The structured members that name what the error is about (swath.errors.SwathError.members); read these,
        # never the detail, to decide what to do.
        self.process_id: str | None = _member(document, "processID")
        self.job_id: str | None = _member(document, "jobID")
        self.input_id: str | None = _member(document, "input")
        self.output_id: str | None = _member(document, "output")
        self.reason_code: str | None = _member(document, "reason")
        super().__init__(f"{self.title}: {self.detail}", response=response)

    @property
    def reason(self) -> str:
        """What was wrong, in one sentence (the document's `detail`)."""
        return self.detail


def _member(document: dict[str, Any], name: str) -> str | None:
    value = document.get(name)
    return value if isinstance(value, str) else None


class InvalidRequest(APIError):
    pass


class InvalidInput(InvalidRequest):
    pass


class InvalidParameter(InvalidRequest):
    pass


class InvalidPackage(InvalidRequest):
    pass


class NotFound(APIError):
    pass


class ProcessNotFound(NotFound):
    pass


class JobNotFound(NotFound):
    pass


class OutputNotFound(NotFound):
    pass


class FileNotFound(NotFound):
    pass


class ResultNotReady(APIError):
    pass


class ResultNotAvailable(APIError):
    pass


class Conflict(APIError):
    pass


class DuplicatedProcess(Conflict):
    pass


class JobNotDismissable(Conflict):
    pass


class ImmutableProcess(APIError):
    pass


class UnsupportedMediaType(APIError):
    pass


class ServerError(APIError):
    pass


class ServerUnavailable(requests.exceptions.ConnectionError):
    """Nothing answered at the server's address; the message says where and why, in one line."""


class JobTimeout(TimeoutError):
    """`Job.wait(timeout=...)` ran out before the job ended."""


# The last segment of the OGC exception type URI (Part 1, Part 2 and Swath's own) names the class.
_BY_TYPE: dict[str, type[APIError]] = {
    "invalid-input": InvalidInput,
    "invalid-query-parameter-value": InvalidParameter,
    "invalid-package": InvalidPackage,
    "workflow-not-found": InvalidPackage,
    "invalid-request": InvalidRequest,
    "no-such-process": ProcessNotFound,
    "no-such-job": JobNotFound,
    "no-such-output": OutputNotFound,
    "no-such-file": FileNotFound,
    "result-not-ready": ResultNotReady,
    "result-not-available": ResultNotAvailable,
    "duplicated-process": DuplicatedProcess,
    "job-not-dismissable": JobNotDismissable,
    "immutable-process": ImmutableProcess,
    "unsupported-media-type": UnsupportedMediaType,
}
_BY_STATUS: dict[int, type[APIError]] = {400: InvalidRequest, 404: NotFound, 409: Conflict}


def error_from_response(response: httpx.Response) -> APIError:
    """The typed error for a refused request, with a `requests.Response` copy for `requests`-style handlers."""
    try:
        document = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict):
        text = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
        document = {"status": response.status_code, "title": response.reason_phrase, "detail": text}
    kind = str(document.get("type", "")).rstrip("/").rsplit("/", 1)[-1]
    status = response.status_code
    cls = _BY_TYPE.get(kind) or _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    return cls(document, _requests_response(response, str(document.get("title") or response.reason_phrase)))


def _requests_response(response: httpx.Response, reason: str) -> requests.Response:
    copy = requests.Response()
    copy.status_code = response.status_code
    copy.reason = reason
    copy.url = str(response.url)
    copy.headers = CaseInsensitiveDict(dict(response.headers))
    copy._content = response.content
    copy.encoding = response.encoding
    return copy
