"""Helpers for runner tests: build records directly and run jobs the way the supervisor's child does."""

from __future__ import annotations

import http.server
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from swath.runner.execute import RunContext, execute_job
from swath.settings import Settings
from swath.storage import LocalStorage
from swath.store.records import (
    JobRecord,
    JobResults,
    JobStatus,
    ProcessDescription,
    ProcessKind,
    ProcessRecord,
)

DATA = Path(__file__).parents[1] / "data" / "runner"
PUBLIC_URL = "http://testserver"


def load_cwl(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return document


def make_process(
    cwl: dict[str, Any] | None,
    workflow_id: str | None,
    inputs: dict[str, dict[str, Any]] | None = None,
    kind: ProcessKind = ProcessKind.cwl,
    process_id: str = "test-process",
) -> ProcessRecord:
    return ProcessRecord(
        pk=1,
        id=process_id,
        version="1.0.0",
        kind=kind,
        description=ProcessDescription(inputs=inputs or {}),
        cwl=cwl,
        workflow_id=workflow_id,
        package=b"",
        package_media_type="application/cwl+json",
        created_by="tester",
        created=datetime.now(UTC),
    )


def make_job(process: ProcessRecord, inputs: dict[str, Any], collection: str | None = None) -> JobRecord:
    now = datetime.now(UTC)
    return JobRecord(
        id=str(uuid.uuid4()),
        process_pk=process.pk,
        process_id=process.id,
        process_version=process.version,
        status=JobStatus.running,
        created=now,
        updated=now,
        created_by="tester",
        inputs=inputs,
        outputs={},
        collection=collection,
        started=now,
    )


@dataclass
class Run:
    results: JobResults
    progress: list[tuple[int, str | None]]
    log: str


@dataclass
class Runner:
    """Runs jobs in this process the way the supervisor's child does, one work dir and log per job."""

    root: Path
    settings: Settings
    storage: LocalStorage
    progress: list[tuple[int, str | None]] = field(default_factory=list)

    def log_path(self, job: JobRecord) -> Path:
        return self.root / "logs" / f"{job.id}.log"

    def run(self, job: JobRecord, process: ProcessRecord) -> Run:
        work_dir = self.root / "work" / job.id
        work_dir.mkdir(parents=True)
        self.progress = []
        context = RunContext(
            settings=self.settings,
            storage=self.storage,
            work_dir=work_dir,
            log_path=self.log_path(job),
            report_progress=lambda percent, message: self.progress.append((percent, message)),
        )
        results = execute_job(job, process, context)
        return Run(results, self.progress, self.log_path(job).read_text(encoding="utf-8"))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class FileServer:
    root: Path
    url: str

    def add(self, path: str, content: str) -> str:
        """Serve `content` at `path`; returns its URL."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        return f"{self.url}/{path}"


def serve_catalog(file_server: FileServer) -> str:
    """A two-item STAC catalog over HTTP: one asset by relative href, one by absolute href elsewhere."""
    file_server.add("granules/a/a.txt", "1\n2\n3\n")
    b_url = file_server.add("elsewhere/b.txt", "1\n2\n")
    for name, href in (("a", "./a.txt"), ("b", b_url)):
        item = {
            "type": "Feature",
            "stac_version": "1.0.0",
            "id": f"granule-{name}",
            "geometry": None,
            "properties": {"datetime": "2024-01-01T00:00:00Z"},
            "links": [{"rel": "root", "href": "../catalog.json"}, {"rel": "parent", "href": "../catalog.json"}],
            "assets": {"data": {"href": href, "type": "text/plain", "roles": ["data"]}},
        }
        file_server.add(f"granules/{name}/{name}.json", json.dumps(item))
    catalog = {
        "type": "Catalog",
        "stac_version": "1.0.0",
        "id": "granules",
        "description": "Two text granules.",
        "links": [
            {"rel": "root", "href": "./catalog.json"},
            {"rel": "item", "href": "./a/a.json"},
            {"rel": "item", "href": "./b/b.json"},
        ],
    }
    return file_server.add("granules/catalog.json", json.dumps(catalog))
