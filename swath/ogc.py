"""The option values of OGC API - Processes, spelled once.

The API, the services, the store and the client agree on these words; a `StrEnum` member compares equal to its
string, so a value read from JSON or the database needs no conversion to be checked, and a typo is a NameError
instead of a silently different string. Part 1 defines them in its schemas (`jobControlOptions.yaml`,
`transmissionMode.yaml`, `execute.yaml`) and in its requirements on `Prefer` (/req/core/process-execute-sync-...).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "HELD_STATUS",
    "ExecutionMode",
    "JobControlOption",
    "Preference",
    "ResponseType",
    "TransmissionMode",
    "allowed",
]


class JobControlOption(StrEnum):
    """How a process may be run and controlled (jobControlOptions.yaml)."""

    async_execute = "async-execute"
    dismiss = "dismiss"
    sync_execute = "sync-execute"


class TransmissionMode(StrEnum):
    """How an output is returned: inline, or as a link (transmissionMode.yaml)."""

    value = "value"
    reference = "reference"


class ResponseType(StrEnum):
    """The execute request's `response`: a results document, or the one output's bytes (execute.yaml)."""

    document = "document"
    raw = "raw"


class ExecutionMode(StrEnum):
    """The 1.0 draft's `mode` member of an execute request, still sent by Unity clients."""

    async_ = "async"
    sync = "sync"
    auto = "auto"


class Preference(StrEnum):
    """The RFC 7240 `Prefer` tokens that Part 1 gives a meaning to."""

    respond_async = "respond-async"
    wait = "wait"
    # Part 4 (/req/job-management/create-execution-pending): `Prefer: status="created"` holds a new job.
    status = "status"
    # Swath's own: ask for (or, `=false`, refuse) the results of an earlier identical job (services/reuse.py).
    swath_reuse = "swath-reuse"


# The `Prefer: status=...` value that asks for a job that waits to be started (Part 4).
HELD_STATUS = "created"


def allowed(vocabulary: type[StrEnum]) -> str:
    """The values of a vocabulary as a message lists them: `value, reference`."""
    return ", ".join(member.value for member in vocabulary)
