"""The Swath client: `Client` for Python and notebooks, and `swath.client.api`, the Unity tutorial's functions.

from swath.client import Client
job = Client("http://127.0.0.1:8000").execute("word-count", {"text": "notes.txt"}, wait=True)
job.results(); job.catalog(); job.download("out")
"""

from __future__ import annotations

from swath.client.client import Client
from swath.client.errors import (
    APIError,
    Conflict,
    DuplicatedProcess,
    FileNotFound,
    ImmutableProcess,
    InvalidInput,
    InvalidPackage,
    InvalidParameter,
    InvalidRequest,
    JobNotDismissable,
    JobNotFound,
    JobTimeout,
    NotFound,
    OutputNotFound,
    ProcessNotFound,
    ResultNotAvailable,
    ResultNotReady,
    ServerError,
    ServerUnavailable,
    UnsupportedMediaType,
)
from swath.client.jobs import Job

__all__ = [
    "APIError",
    "Client",
    "Conflict",
    "DuplicatedProcess",
    "FileNotFound",
    "ImmutableProcess",
    "InvalidInput",
    "InvalidPackage",
    "InvalidParameter",
    "InvalidRequest",
    "Job",
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
