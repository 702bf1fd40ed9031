"""`Client`: processes and jobs of one Swath server, from Python and notebooks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from swath.client.catalog import CatalogMethods
from swath.client.credentials import load_token
from swath.client.errors import InvalidInput
from swath.client.inputs import has_local_files, link_local_files
from swath.client.jobs import Job
from swath.client.settings import ClientSettings
from swath.client.transport import Transport
from swath.errors import Reason
from swath.layout import job_path
from swath.ogc import Preference
from swath.process_ids import quote_process_ref

__all__ = ["Client"]

_CWL_YAML = "application/cwl+yaml"
_CWL_JSON = "application/cwl+json"
_APP_PACKAGE = "application/ogcapppkg+json"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_PAGE = 100

Package = str | Path | Mapping[str, Any] | bytes


class Client(CatalogMethods):
    """A Swath server. `url` defaults to `SWATH_URL`; `token` to `SWATH_TOKEN`, then to the token `swath login`
    kept for this URL."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 60.0) -> None:
        settings = ClientSettings()
        self.url = (url or settings.url).rstrip("/")
        if token is None:
            token = settings.token or load_token(self.url, settings)
        self._transport = Transport(self.url, token, timeout)

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    @property
    def transport(self) -> Transport:
        return self._transport

    # Processes

    def processes(self) -> list[dict[str, Any]]:
        """Every deployed process (summaries), across all pages."""
        found: list[dict[str, Any]] = []
        url: str | None = f"/processes?limit={_PAGE}"
        while url:
            page = self._transport.json("GET", url)
            found.extend(page["processes"])
            url = _next_link(page)
        return found

    def process(self, process_id: str) -> dict[str, Any]:
        """A process description, with its inputs and outputs."""
        document: dict[str, Any] = self._transport.json("GET", _process_path(process_id))
        return document

    def package(self, process_id: str) -> bytes:
        """The application package exactly as it was deployed."""
        return self._transport.request("GET", _process_path(process_id) + "/package").content

    def deploy(
        self, cwl: Package, workflow: str | None = None, visible_to: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Deploy a CWL application package (a path, URL, YAML/JSON text, dict, or an ogcapppkg); its summary.

        `visible_to` restricts the process to those users and `group:<name>`s (besides its deployer and admins).
        """
        body, media_type = package_body(cwl)
        params = {
            **({"w": workflow} if workflow else {}),
            **({"visibleTo": ",".join(visible_to)} if visible_to else {}),
        } or None
        response = self._transport.request(
            "POST", "/processes", content=body, headers={"Content-Type": media_type}, params=params
        )
        summary: dict[str, Any] = response.json()
        return summary

    def replace(self, process_id: str, cwl: Package, workflow: str | None = None) -> dict[str, Any]:
        """Replace a process with a new package; jobs already created keep their version. Its new description."""
        body, media_type = package_body(cwl)
        params = {"w": workflow} if workflow else None
        response = self._transport.request(
            "PUT", _process_path(process_id), content=body, headers={"Content-Type": media_type}, params=params
        )
        return self.process(unquote(urlsplit(response.headers.get("Location", process_id)).path.rsplit("/", 1)[-1]))

    def undeploy(self, process_id: str) -> None:
        self._transport.request("DELETE", _process_path(process_id))

    # Jobs

    def execute(
        self,
        process: str,
        inputs: Mapping[str, Any] | None = None,
        outputs: Mapping[str, Any] | None = None,
        collection: str | None = None,
        wait: bool = False,
        priority: int | None = None,
    ) -> Job:
        """Start a job (asynchronously) and return it; with `wait`, return it once it has ended.

        File and Directory inputs may be local paths: a server on this machine is given the path when it may read
        it, any other server gets an uploaded copy (files only). `priority` (higher runs first) defaults to the
        process's; only an admin may ask for more than that.
        """
        inputs = dict(inputs or {})
        description = self.process(process)
        job = None
        if has_local_files(inputs, description):
            job = self._submit_with_local_paths(process, inputs, description, outputs, collection, priority)
            if job is None:
                inputs = link_local_files(inputs, description, self._upload_input)
        job = job or self._submit(process, inputs, outputs, collection, priority)
        return job.wait() if wait else job

    def _submit_with_local_paths(
        self,
        process: str,
        inputs: dict[str, Any],
        description: Mapping[str, Any],
        outputs: Mapping[str, Any] | None,
        collection: str | None,
        priority: int | None,
    ) -> Job | None:
        """The job, when the server is on this machine and may read the paths; None when they must be uploaded."""
        if urlsplit(self.url).hostname not in _LOOPBACK:
            return None
        referenced = link_local_files(inputs, description, lambda _, path: path.as_uri())
        try:
            return self._submit(process, referenced, outputs, collection, priority)
        except InvalidInput as error:
            # The server may not read a local path: upload the files instead.
            if error.reason_code != Reason.path_not_readable:
                raise
        return None

    def _upload_input(self, name: str, path: Path) -> str:
        if path.is_dir():
            raise ValueError(
                f"Input '{name}' is the local directory {path}, which the server cannot read; "
                "only files are uploaded, so give a URL the server can reach."
            )
        return self.upload(path)

    def _submit(
        self,
        process: str,
        inputs: Mapping[str, Any],
        outputs: Mapping[str, Any] | None,
        collection: str | None,
        priority: int | None = None,
    ) -> Job:
        body: dict[str, Any] = {"inputs": dict(inputs)}
        if outputs:
            body["outputs"] = dict(outputs)
        if collection:
            body["collection"] = collection
        if priority is not None:
            body["priority"] = priority
        headers = {"Prefer": str(Preference.respond_async)}
        document = self._transport.json("POST", _process_path(process) + "/execution", json=body, headers=headers)
        return Job(self._transport, document)

    def upload(self, path: str | Path) -> str:
        """Upload a local file for jobs to read; returns the URL to give as the input's `href`."""
        file = Path(path).expanduser()
        name = re.sub(r"[^A-Za-z0-9._-]", "_", file.name).lstrip("._-")[:200] or "file"
        with file.open("rb") as stream:
            response = self._transport.request(
                "POST",
                "/files",
                params={"name": name},
                content=stream,
                headers={"Content-Type": "application/octet-stream"},
            )
        return str(response.json()["href"])

    def job(self, job_id: str) -> Job:
        return Job(self._transport, self._transport.json("GET", job_path(job_id)))

    def rerun(self, job_id: str) -> Job:
        """A new job of yours running what job `job_id` ran (same process version, inputs and options)."""
        return Job(self._transport, self._transport.json("POST", job_path(job_id) + "/rerun"))

    def jobs(
        self,
        process: str | None = None,
        status: str | None = None,
        since: datetime | str | None = None,
        page_size: int = _PAGE,
    ) -> Iterator[Job]:
        """Jobs, newest first, read `page_size` at a time as the iteration goes (following `next` links)."""
        params: dict[str, Any] = {"limit": page_size}
        if process:
            params["processID"] = process
        if status:
            params["status"] = status
        if since:
            params["datetime"] = f"{since.isoformat() if isinstance(since, datetime) else since}/.."
        url: str | None = str(httpx.URL("/jobs", params=params))
        while url:
            page = self._transport.json("GET", url)
            for document in page["jobs"]:
                yield Job(self._transport, document)
            url = _next_link(page)


def _process_path(process_id: str) -> str:
    return f"/processes/{quote_process_ref(process_id)}"


def _next_link(document: Mapping[str, Any]) -> str | None:
    for link in document.get("links", []):
        if link.get("rel") == "next":
            return str(link["href"])
    return None


def package_body(cwl: Package) -> tuple[bytes, str]:
    """The bytes and media type of a package given as a dict, a path, a URL, or the text itself.

    ValueError when a URL cannot be fetched; OSError when a file cannot be read.
    """
    if isinstance(cwl, Mapping):
        return json.dumps(cwl).encode(), _APP_PACKAGE if "executionUnit" in cwl else _CWL_JSON
    if isinstance(cwl, str) and re.match(r"^https?://\S+$", cwl):
        return _typed(_fetch_package(cwl), urlsplit(cwl).path)
    if isinstance(cwl, Path) or (isinstance(cwl, str) and "\n" not in cwl and Path(cwl).is_file()):
        path = Path(cwl)
        return _typed(path.read_bytes(), path.name)
    return _typed(cwl.encode() if isinstance(cwl, str) else bytes(cwl), "")


def _fetch_package(url: str) -> bytes:
    """A package from a URL, read by the client (the server may not reach the same addresses)."""
    try:
        response = httpx.get(url, follow_redirects=True, timeout=60)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise ValueError(f"Cannot fetch the package at {url}: {error}.") from error
    return response.content


def _typed(body: bytes, name: str) -> tuple[bytes, str]:
    if name.endswith(".json") or body.lstrip().startswith(b"{"):
        try:
            document = json.loads(body)
        except ValueError:
            return body, _CWL_YAML  # YAML flow style also starts with "{"
        return body, _APP_PACKAGE if isinstance(document, dict) and "executionUnit" in document else _CWL_JSON
    return body, _CWL_YAML
