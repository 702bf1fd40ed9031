"""Where a job's files live in storage, and the URL paths the API serves them at: one grammar, spelled once.

The runner writes keys, the storage turns keys into hrefs, the API and the client parse those hrefs back into a
job id and a relative path, and a later job reads an earlier one's outputs by href. All of them call these
functions, so a change of layout is made here once.

    jobs/<job id>/<relative path>          an output file (and the job's STAC documents)
    jobs/<job id>/catalog.json             the job's STAC catalog
    logs/<job id>.log                      a job's log, copied to storage by a worker on another machine
    uploads/<upload id>/<name>             a file a client uploaded for jobs to read

    /jobs/<job id>                         the job's status
    /jobs/<job id>/outputs/<relative path> an output file, served by the API
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from swath.paths import UnsafePath, safe_relative_path

__all__ = [
    "CATALOG_MEMBER",
    "CATALOG_NAME",
    "OutputKey",
    "is_job_key",
    "job_catalog_key",
    "job_log_key",
    "job_path",
    "job_prefix",
    "output_key",
    "output_path",
    "parse_output_key",
    "parse_output_path",
    "upload_key",
]

CATALOG_NAME = "catalog.json"
# The member of a results document (OGC and Unity forms) that links the job's STAC catalog of all output files.
CATALOG_MEMBER = "stac_catalog"
_JOBS = "jobs"
_LOGS = "logs"
_UPLOADS = "uploads"
_OUTPUTS = "outputs"


@dataclass(frozen=True)
class OutputKey:
    """An output file's place: the job that made it and its path among that job's outputs."""

    job_id: str
    relative_path: str


def output_key(job_id: str, relative_path: str) -> str:
    """The storage key of a file among a job's outputs; `relative_path` is `/`-separated, already normalised."""
    return f"{_JOBS}/{job_id}/{relative_path.strip('/')}"


def job_prefix(job_id: str) -> str:
    """The storage key under which every file of a job's outputs lies (what retention removes at once)."""
    return f"{_JOBS}/{job_id}"


def job_catalog_key(job_id: str) -> str:
    return output_key(job_id, CATALOG_NAME)


def job_log_key(job_id: str) -> str:
    """Where a worker keeps a job's log for the API, which may run on another machine: copied while the job runs
    and once more when it ends."""
    return f"{_LOGS}/{job_id}.log"


def upload_key(upload_id: str, name: str) -> str:
    return f"{_UPLOADS}/{upload_id}/{name}"


def is_job_key(key: str, job_id: str) -> bool:
    """Whether `key` is a file among `job_id`'s outputs: under that job's prefix, with no segment (`..`, empty, a
    NUL byte) that could reach another job's files or the storage root. Stage-out writes nothing else."""
    prefix = f"{_JOBS}/{job_id}/"
    if not key.startswith(prefix) or "//" in key:
        return False
    try:
        return safe_relative_path(key.removeprefix(prefix)) == key.removeprefix(prefix)
    except UnsafePath:
        return False


def parse_output_key(key: str) -> OutputKey | None:
    """The job and relative path of an output key, or None for any other key (a log, an upload)."""
    parts = key.split("/", 2)
    if len(parts) < 3 or parts[0] != _JOBS or not parts[1] or not parts[2]:
        return None
    return OutputKey(parts[1], parts[2])


def job_path(job_id: str) -> str:
    """The URL path of a job, below the API's base URL."""
    return f"/{_JOBS}/{job_id}"


def output_path(job_id: str, relative_path: str = "") -> str:
    """The URL path the API serves an output file at (the outputs folder itself when `relative_path` is empty)."""
    return f"{job_path(job_id)}/{_OUTPUTS}/{relative_path.lstrip('/')}"


def parse_output_path(url: str, base_path: str = "") -> OutputKey | None:
    """The job and relative path that an output URL (or URL path) names, or None when it names no output.

    `base_path` is the path part of the API's public URL, when the API is served below a prefix.
    """
    path = unquote(urlsplit(url).path).removeprefix(base_path.rstrip("/"))
    parts = path.split("/", 4)
    if len(parts) < 5 or parts[0] or parts[1] != _JOBS or not parts[2] or parts[3] != _OUTPUTS:
        return None
    relative = parts[4].strip("/")
    return OutputKey(parts[2], relative) if relative else None
