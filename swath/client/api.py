"""The functions of the Unity tutorial's `api` module ("Working with Processes and Jobs"), against Swath.

A notebook written for Unity runs with `from swath.client import api` in place of its own import. Same names,
arguments and return shapes; errors are `requests.exceptions.HTTPError`s with a readable `reason`, as the
tutorial expects. The server is `SWATH_URL` (default http://127.0.0.1:8000) with `SWATH_TOKEN`, or whatever
`configure()` was last given. App names may carry Unity's `job-` prefix (`job-l1b-cwl:develop`): the server
drops it when no process has the full name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from swath.client.client import Client
from swath.process_ids import format_process_ref, quote_process_ref

__all__ = [
    "configure",
    "dismiss_job",
    "get_apps",
    "get_job_by_id",
    "get_job_status",
    "get_jobs_for_app",
    "submit_job",
]


class _Connection:
    """The client every function uses, built from the environment on first use unless `configure()` set one."""

    client: Client | None = None


def configure(url: str | None = None, token: str | None = None) -> None:
    """Point the functions at a server (unset arguments come from SWATH_URL / SWATH_TOKEN)."""
    if _Connection.client is not None:
        _Connection.client.close()
    _Connection.client = Client(url, token)


def _client() -> Client:
    if _Connection.client is None:
        _Connection.client = Client()
    return _Connection.client


def _jobs_path(app_name: str, job_id: str | None = None) -> str:
    path = f"/processes/{quote_process_ref(app_name)}/jobs"
    return f"{path}/{quote(job_id)}" if job_id else path


def get_apps() -> list[dict[str, Any]]:
    """The deployed processes as the Unity ADES lists them: `id` is `id:version`, beside `processVersion` and
    `abstract` (and the OGC members besides)."""
    return [
        {
            **process,
            "id": format_process_ref(process["id"], process.get("version")),
            "processVersion": process.get("version", ""),
            "abstract": process.get("description", ""),
        }
        for process in _client().processes()
    ]


def submit_job(app_name: str, data: dict[str, Any]) -> str:
    """Start a job of `app_name` with the tutorial's body (`inputs` as a list of {id, data}); its job id."""
    response = _client().transport.request("POST", _jobs_path(app_name), json=data)
    location = str(response.headers.get("Location") or response.json()["jobID"])
    return urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]


def get_job_status(app_name: str, job_id: str) -> str:
    """`accepted` or `running` until the job ends, then `successful`, `failed` or `dismissed`."""
    return str(_client().transport.json("GET", _jobs_path(app_name, job_id))["status"])


def get_job_by_id(app_name: str, job_id: str) -> dict[str, Any]:
    """The job's document, whatever its state (`jobID`, `status`, `message`...), as Unity's `api.py` returns it;
    once the job has succeeded also its results: `outputs` (a list of `{id, data}` or `{id, href}`) and
    `stac_catalog` (the link to its STAC catalog). Never raises for a job still running."""
    client = _client()
    document: dict[str, Any] = client.transport.json("GET", _jobs_path(app_name, job_id))
    if document.get("status") == "successful":
        document.update(client.transport.json("GET", _jobs_path(app_name, job_id) + "/result"))
    return document


def get_jobs_for_app(app_name: str) -> list[dict[str, Any]]:
    """The jobs of a process, newest first; each has at least `jobID` and `status`."""
    jobs: list[dict[str, Any]] = _client().transport.json("GET", _jobs_path(app_name))["jobs"]
    return jobs


def dismiss_job(app_name: str, job_id: str) -> dict[str, Any]:
    """Dismiss a queued or running job; its status document."""
    status: dict[str, Any] = _client().transport.json("DELETE", _jobs_path(app_name, job_id))["statusInfo"]
    return status
