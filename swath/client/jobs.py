"""A job on the server, as the client sees it: status, waiting, results, the STAC catalog, files and logs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, overload
from urllib.parse import urljoin, urlsplit

import pystac

from swath.client.display import DownloadDisplay, open_display, open_download_display
from swath.client.errors import JobTimeout
from swath.client.transport import Transport
from swath.layout import CATALOG_NAME, job_path, output_path, parse_output_path

__all__ = ["FINAL_STATUSES", "Job"]

FINAL_STATUSES = frozenset({"successful", "failed", "dismissed"})
_CHUNK = 1 << 16


class Job:
    """One job. Attributes reflect the status document as last read; `refresh()` reads it again."""

    def __init__(self, transport: Transport, document: dict[str, Any]) -> None:
        self._transport = transport
        self.document = document

    def __repr__(self) -> str:
        return f"Job(id={self.id!r}, process={self.process_id!r}, status={self.status!r})"

    @property
    def transport(self) -> Transport:
        return self._transport

    @property
    def id(self) -> str:
        return str(self.document["jobID"])

    @property
    def status(self) -> str:
        return str(self.document["status"])

    @property
    def process_id(self) -> str | None:
        return self.document.get("processID")

    @property
    def progress(self) -> int | None:
        return self.document.get("progress")

    @property
    def message(self) -> str | None:
        return self.document.get("message")

    @property
    def priority(self) -> int | None:
        return self.document.get("priority")

    @property
    def queue_position(self) -> int | None:
        """Where the job stands in the queue while it waits (1: next); None once it has started."""
        return self.document.get("queuePosition")

    @property
    def wait_reason(self) -> str | None:
        """Why the job waits (`waiting for a runner`, `user cap 4 reached`); None once it has started."""
        return self.document.get("waitReason")

    def set_priority(self, priority: int) -> Job:
        """Give the job another priority: its owner while it is created (Part 4), an admin while it is queued."""
        self.document = self._transport.json("PATCH", job_path(self.id), json={"priority": priority})
        return self

    @property
    def is_finished(self) -> bool:
        return self.status in FINAL_STATUSES

    def refresh(self) -> Job:
        self.document = self._transport.json("GET", job_path(self.id))
        return self

    def wait(self, timeout: float | None = None, show: bool | None = None) -> Job:
        """Wait until the job ends, showing its status, progress and elapsed time; JobTimeout past `timeout` s.

        `show` False keeps quiet; by default a terminal or a notebook shows progress and a pipe shows nothing.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        display = open_display(show)
        pause = 0.05
        try:
            while True:
                display.show(self.id, self.status, self.progress, self.message)
                if self.is_finished:
                    return self
                if deadline is not None and time.monotonic() >= deadline:
                    raise JobTimeout(f"Job {self.id} is still {self.status} after {timeout:g} s.")
                remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                time.sleep(pause if remaining is None else min(pause, remaining))
                pause = min(pause * 1.5, 1.0)
                self.refresh()
        finally:
            display.close()

    def results(self) -> dict[str, Any]:
        """The results document: each output's value or link (the STAC catalog is `catalog()`, no output)."""
        document: dict[str, Any] = self._transport.json("GET", job_path(self.id) + "/results")
        return document

    def catalog(self) -> pystac.Catalog:
        """The STAC catalog of every file the job produced."""
        href = self.catalog_href()
        return pystac.Catalog.from_dict(self._transport.json("GET", href), href=href)

    def catalog_href(self) -> str:
        """Where the job's STAC catalog is: the `catalog` link of its status document (read again if the document
        at hand predates the job's success)."""
        href = _catalog_link(self.document) or _catalog_link(self.refresh().document)
        return href or self._transport.absolute(output_path(self.id, CATALOG_NAME))

    def dismiss(self) -> Job:
        """Stop the job (queued: never starts; running: its processes are stopped)."""
        self.document = self._transport.json("DELETE", job_path(self.id))
        return self

    def rerun(self) -> Job:
        """Run this job again as a new job of yours: the same process version, inputs and execute options."""
        return Job(self._transport, self._transport.json("POST", job_path(self.id) + "/rerun"))

    def attempts(self) -> list[dict[str, Any]]:
        """Every run of the job, first first: status, runner, timings, and for a failed one its reason and exit code."""
        attempts: list[dict[str, Any]] = self._transport.json("GET", job_path(self.id) + "/attempts")["attempts"]
        return attempts

    def attempt_log(self, attempt: int) -> str:
        """The part of the job's log that one attempt (1 for the first) wrote."""
        return self._transport.request("GET", f"{job_path(self.id)}/attempts/{attempt}/logs").text

    @overload
    def logs(self, follow: Literal[False] = False) -> str: ...

    @overload
    def logs(self, follow: Literal[True]) -> Iterator[str]: ...

    def logs(self, follow: bool = False) -> str | Iterator[str]:
        """The job's log so far (its current attempt's; `attempt_log` for earlier ones); with `follow`, an iterator
        of the whole log's text until the job ends."""
        if follow:
            return self._follow_logs()
        return self._transport.request("GET", job_path(self.id) + "/logs").text

    def _follow_logs(self) -> Iterator[str]:
        offset = 0
        while True:
            finished = self.refresh().is_finished
            response = self._transport.request("GET", job_path(self.id) + "/logs", params={"since": offset})
            offset = int(response.headers.get("X-Log-Offset", offset + len(response.content)))
            if response.text:
                yield response.text
            if finished:
                return
            time.sleep(0.5)

    def download(self, directory: str | Path, show: bool | None = None) -> list[Path]:
        """Save every output file and the STAC catalog under `directory`, keeping their relative paths.

        A progress bar shows in a terminal, one updating line in a notebook; `show` False keeps quiet.
        """
        target = Path(directory)
        hrefs = self._output_hrefs()
        display = open_download_display(show)
        try:
            return [self._fetch(href, target / self._relative_path(href), display) for href in hrefs]
        finally:
            display.close()

    def _fetch(self, href: str, path: Path, display: DownloadDisplay) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._transport.stream(href) as response:
            display.start(path.name, int(response.headers.get("Content-Length", 0)) or None)
            with path.open("wb") as stream:
                for chunk in response.iter_bytes(_CHUNK):
                    stream.write(chunk)
                    display.advance(len(chunk))
        return path

    def _relative_path(self, href: str) -> str:
        output = parse_output_path(href, urlsplit(self._transport.url).path)
        if output is not None and output.job_id == self.id:
            return output.relative_path
        return urlsplit(href).path.rsplit("/", 1)[-1]

    def _output_hrefs(self) -> list[str]:
        """Every file of the results document, and every STAC document and asset the catalogs reach."""
        catalog = self.catalog_href()
        found: dict[str, None] = {catalog: None}
        pending: list[str] = [catalog]
        for link in _links(self.results()):
            found[link["href"]] = None
            if link.get("rel") == "catalog":
                pending.append(link["href"])
        seen: set[str] = set()
        while pending:
            href = pending.pop()
            if href in seen:
                continue
            seen.add(href)
            stac = self._transport.json("GET", href)
            for link in stac.get("links", []):
                if link.get("rel") in ("child", "item") and isinstance(link.get("href"), str):
                    child = urljoin(href, link["href"])
                    found[child] = None
                    pending.append(child)
            for asset in (stac.get("assets") or {}).values():
                if isinstance(asset, dict) and isinstance(asset.get("href"), str):
                    found[urljoin(href, asset["href"])] = None
        return list(found)


def _catalog_link(status: dict[str, Any]) -> str | None:
    for link in status.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "catalog" and isinstance(link.get("href"), str):
            return str(link["href"])
    return None


def _links(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("href"), str):
            yield node
        for value in node.values():
            if isinstance(value, dict | list):
                yield from _links(value)
    elif isinstance(node, list):
        for item in node:
            yield from _links(item)
