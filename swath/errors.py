"""Every error Swath reports to a user, in one tree.

Each class carries the OGC exception type URI, the HTTP status and a title; each instance carries a one-sentence
detail that names the object and the bad value. Services raise these; the API's single handler renders them as OGC
exception documents (RFC 7807). Nothing below the API picks a status code.

    SwathError (500)
    ├── InvalidRequest (400)
    │   ├── InvalidParameterValue (400, invalid-query-parameter-value)
    │   ├── InvalidInput (400, invalid-input)
    │   ├── InvalidPackage (400, invalid-package)
    │   │   └── InvalidApplication (400, invalid-package; every problem in `errors`)
    │   ├── WorkflowNotFound (400, workflow-not-found)
    │   └── AddressRefused (400, address-refused)
    ├── Unauthorized (401, unauthorized)
    ├── Forbidden (403, forbidden)
    ├── HostNotAllowed (421, host-not-allowed)
    ├── UnsupportedMediaType (415, unsupported-media-type)
    ├── ContentTooLarge (413, content-too-large)
    ├── NotFound (404)
    │   ├── NoSuchProcess (404, no-such-process)
    │   ├── NoSuchJob (404, no-such-job)
    │   ├── NoSuchAttempt (404, no-such-attempt)
    │   ├── NoSuchOutput (404, no-such-output)
    │   ├── NoSuchFile (404, no-such-file)
    │   ├── NoSuchCollection (404, no-such-collection)
    │   └── NoSuchApplication (404, no-such-application)
    ├── ResultNotReady (404, result-not-ready)
    ├── ResultNotAvailable (404, result-not-available)
    ├── ResultPurged (410, result-purged)
    ├── Conflict (409)
    │   ├── DuplicatedProcess (409, duplicated-process)
    │   ├── JobNotDismissable (409, job-not-dismissable)
    │   ├── ApplicationVersionExists (409, application-version-exists)
    │   └── ApplicationInUse (409, application-in-use)
    ├── JobLocked (423, Part 4 locked)
    ├── QueueCapReached (429, queue-cap-reached; `reason` names the user's or the process's cap)
    ├── ImmutableProcess (403, immutable-process)
    ├── StoreUnavailable (503, store-unavailable)
    ├── StorageUnavailable (503, storage-unavailable)
    ├── StorageFull (503, storage-full)
    ├── BrokerUnavailable (503, broker-unavailable)
    └── RunnersUnavailable (503, runners-unavailable)

    JobFailed: a running job's failure (its `FailureKind`); recorded on the job, never rendered as an HTTP error.
    ApplicationBuildFailed: a local `swath app build` that could not make a package; never sent over HTTP.

Beside its detail, an error names the objects it is about (`processID`, `jobID`, `input`, `output`) and, where a
client must act on it, a `reason` from `Reason`; the handler renders these as extra members of the exception
document, and clients read them instead of the prose.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

_PART1 = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
_PART2 = "http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/"
_PART4 = "http://www.opengis.net/def/exceptions/ogcapi-processes-4/1.0/"
# Swath's own types, for errors the standard does not name.
_SWATH = "https://swath.dev/exceptions/"


class Reason(StrEnum):
    """Why a request was refused, where a client decides what to do next by it (the `reason` member)."""

    # A local path the server may not read: a client on the same machine uploads the file instead.
    path_not_readable = "path-not-readable"
    # The job has already ended, so it can no longer be dismissed.
    job_finished = "job-finished"
    # A submission over a queued cap: the user's own, or the process's (swath.services.scheduling).
    user_cap_reached = "user-cap-reached"
    process_cap_reached = "process-cap-reached"


class SwathError(Exception):
    """Base of every error that reaches a user; never raised itself."""

    type: ClassVar[str] = _SWATH + "internal-error"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str,
        *,
        process_id: str | None = None,
        job_id: str | None = None,
        input_id: str | None = None,
        output_id: str | None = None,
        reason: Reason | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.process_id = process_id
        self.job_id = job_id
        self.input_id = input_id
        self.output_id = output_id
        self.reason = reason

    @property
    def members(self) -> dict[str, str | list[str]]:
        """The exception document's structured members, named as OGC names them (`processID`, `jobID`)."""
        named = {
            "processID": self.process_id,
            "jobID": self.job_id,
            "input": self.input_id,
            "output": self.output_id,
            "reason": self.reason,
        }
        return {key: str(value) for key, value in named.items() if value is not None}


class InvalidRequest(SwathError):
    type = _SWATH + "invalid-request"
    status = 400
    title = "Invalid request"


class InvalidParameterValue(InvalidRequest):
    type = _PART1 + "invalid-query-parameter-value"
    title = "Invalid query parameter value"


class InvalidInput(InvalidRequest):
    """An execute request's input does not fit the process description; `input_id` names it when one is at fault."""

    type = _SWATH + "invalid-input"
    title = "Invalid input"


class InvalidPackage(InvalidRequest):
    """A deploy body that is not a valid CWL application package."""

    type = _SWATH + "invalid-package"
    title = "Invalid application package"


class InvalidApplication(InvalidPackage):
    """A package the catalog refuses, with every problem found (cwltool's, with file and line where it gives them)
    in the `errors` member, so that an author fixes them all in one round."""

    def __init__(self, detail: str, errors: list[str]) -> None:
        super().__init__(detail)
        self.errors = errors

    @property
    def members(self) -> dict[str, str | list[str]]:
        return {**super().members, "errors": self.errors}


class WorkflowNotFound(InvalidRequest):
    type = _PART2 + "workflow-not-found"
    title = "Workflow not found"


class AddressRefused(InvalidRequest):
    """A URL Swath would fetch (an input, a package, a redirect) leads to an address it may not reach (SSRF).

    One sentence for every refusal, whatever the reason, so that the answer tells nothing about the network.
    """

    type = _SWATH + "address-refused"
    title = "Address refused"


class Unauthorized(SwathError):
    """No credentials, or credentials that are expired or not valid; answered with `WWW-Authenticate: Bearer`."""

    type = _SWATH + "unauthorized"
    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str, bearer_error: str = "invalid_token") -> None:
        super().__init__(detail)
        # RFC 6750 error code for the WWW-Authenticate header: invalid_request (no token) or invalid_token.
        self.bearer_error = bearer_error


class Forbidden(SwathError):
    """The caller is known, but its role does not allow the request."""

    type = _SWATH + "forbidden"
    status = 403
    title = "Forbidden"


class HostNotAllowed(SwathError):
    """The request's `Host` is neither the public URL's nor an allowed host (DNS rebinding, RFC 9110 421)."""

    type = _SWATH + "host-not-allowed"
    status = 421
    title = "Misdirected request"


class UnsupportedMediaType(SwathError):
    type = _PART2 + "unsupported-media-type"
    status = 415
    title = "Unsupported media type"


class ContentTooLarge(SwathError):
    """A request body larger than the server accepts (an upload over `max_upload_size`)."""

    type = _SWATH + "content-too-large"
    status = 413
    title = "Content too large"


class NotFound(SwathError):
    type = _SWATH + "not-found"
    status = 404
    title = "Not found"


class NoSuchProcess(NotFound):
    type = _PART1 + "no-such-process"
    title = "No such process"


class NoSuchJob(NotFound):
    type = _PART1 + "no-such-job"
    title = "No such job"


class NoSuchAttempt(NotFound):
    type = _SWATH + "no-such-attempt"
    title = "No such attempt"


class NoSuchOutput(NotFound):
    type = _PART1 + "no-such-output"
    title = "No such output"


class NoSuchFile(NotFound):
    type = _SWATH + "no-such-file"
    title = "No such file"


class NoSuchCollection(NotFound):
    type = _SWATH + "no-such-collection"
    title = "No such collection"


class NoSuchApplication(NotFound):
    """No application, or no version of one, of the name asked for in the catalog."""

    type = _SWATH + "no-such-application"
    title = "No such application"


class ResultNotReady(SwathError):
    type = _PART1 + "result-not-ready"
    status = 404
    title = "Result not ready"


class ResultNotAvailable(SwathError):
    """The job ended without results (failed or dismissed); the detail says why."""

    type = _PART1 + "result-not-available"
    status = 404
    title = "Result not available"


class ResultPurged(SwathError):
    """The job's outputs or log were removed by the venue's retention rules: gone for good, not missing."""

    type = _SWATH + "result-purged"
    status = 410
    title = "Result purged"


class Conflict(SwathError):
    type = _SWATH + "conflict"
    status = 409
    title = "Conflict"


class DuplicatedProcess(Conflict):
    type = _PART2 + "duplicated-process"
    title = "Duplicated process"


class JobNotDismissable(Conflict):
    type = _SWATH + "job-not-dismissable"
    title = "Job not dismissable"


class JobLocked(SwathError):
    """A job that can no longer be changed or started: it has left `created` (Part 4,
    /req/job-management/update-response-locked)."""

    type = _PART4 + "locked"
    status = 423
    title = "Job locked"
class ApplicationVersionExists(Conflict):
    """A registered version is immutable: the same name and version with other content is refused."""

    type = _SWATH + "application-version-exists"
    title = "Application version exists"


class ApplicationInUse(Conflict):
    """A version that a live process was deployed from is kept unless its deletion is forced."""

    type = _SWATH + "application-in-use"
    title = "Application in use"


class QueueCapReached(SwathError):
    """A submission that would put more jobs in the queue than a user, or a process, may have waiting at once.

    429 (RFC 6585) rather than 503: the service is well, this caller is over a share of it, and the same request
    succeeds once some of the waiting jobs have started.
    """

    type = _SWATH + "queue-cap-reached"
    status = 429
    title = "Queue cap reached"


class ImmutableProcess(SwathError):
    type = _PART2 + "immutable-process"
    status = 403
    title = "Immutable process"


class StoreUnavailable(SwathError):
    type = _SWATH + "store-unavailable"
    status = 503
    title = "Store unavailable"


class StorageUnavailable(SwathError):
    """The object store (S3) did not answer, or refused Swath's credentials."""

    type = _SWATH + "storage-unavailable"
    status = 503
    title = "Storage unavailable"


class StorageFull(SwathError):
    """The data directory has less free space than `min_free_space`: new jobs and uploads are refused until it
    has, rather than accepted and failed."""

    type = _SWATH + "storage-full"
    status = 503
    title = "Storage full"


class BrokerUnavailable(SwathError):
    """The message broker (RabbitMQ, Redis) of the Celery executor did not answer."""

    type = _SWATH + "broker-unavailable"
    status = 503
    title = "Broker unavailable"


class RunnersUnavailable(SwathError):
    """The local runner pool is not running (it died and is being started again)."""

    type = _SWATH + "runners-unavailable"
    status = 503
    title = "Runners unavailable"


class FailureKind(StrEnum):
    """What ended an attempt of a job: the words a retry policy's `on` lists, and an attempt's `reason`.

    Only the first five may be retried (`services.retries`); a user's input, a full disk, a dismissal and an
    error of any other kind end the job at once, whatever a policy says.
    """

    # A tool exited with a non-zero code (the attempt's `exitCode`).
    exit_code = "exitCode"
    # A tool went over its memory limit, or the job's process was killed by SIGKILL (the kernel's OOM killer).
    out_of_memory = "outOfMemory"
    # The process supervising the job stopped or went silent (a worker killed, a node lost).
    runner_lost = "runnerLost"
    # An input could not be fetched for a reason that may pass (unreachable, HTTP 5xx or 429, storage away).
    staging = "staging"
    # The job ran past the time limit.
    time_limit = "timeLimit"
    # An input the user gave cannot be used (not found, refused, HTTP 4xx).
    input = "input"
    disk_full = "diskFull"
    dismissed = "dismissed"
    error = "error"

    @property
    def is_retryable(self) -> bool:
        return self in _RETRYABLE


_RETRYABLE = frozenset(
    {
        FailureKind.exit_code,
        FailureKind.out_of_memory,
        FailureKind.runner_lost,
        FailureKind.staging,
        FailureKind.time_limit,
    }
)


class JobFailed(Exception):
    """A job's run failed for a reason the user must read (tool exit code, unreachable input, bad output).

    Not a `SwathError`: once a job is accepted its failure is data (status `failed` and this message), never an
    HTTP error. The runner records `str(error)` as the job's message, and `kind` and `exit_code` on the attempt,
    where a retry policy reads them.
    """

    def __init__(self, message: str, kind: FailureKind = FailureKind.error, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.exit_code = exit_code


class ApplicationBuildFailed(ValueError):
    """`swath app build` could not make an application package from a notebook or repository (a bad parameters
    cell, no notebook, an image that did not build); the message says what to change.

    Not a `SwathError`: the build runs on the author's machine, before any request, and the CLI reports it as a
    usage error. A ValueError, so that callers that read local input (the CLI) report it as they report others.
    """
