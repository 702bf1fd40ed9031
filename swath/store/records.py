"""Typed records passed between layers: what the store holds about processes, jobs and collection items.

Records are plain data. Behaviour lives in service functions; the legal status moves live beside `JobStatus`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from swath.ogc import JobControlOption, ResponseType, TransmissionMode

JSON = dict[str, Any]


class JobStatus(enum.StrEnum):
    """The OGC status codes (statusCode.yaml), and Part 4's `created`: a job that waits to be started."""

    created = "created"
    accepted = "accepted"
    running = "running"
    successful = "successful"
    failed = "failed"
    dismissed = "dismissed"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({JobStatus.successful, JobStatus.failed, JobStatus.dismissed})

# Legal moves. running -> accepted is Swath's own: a job whose runner died goes back to the queue to run again
# (never visible as a separate OGC state; `message` says why).
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    # Part 4: a created job is queued only when started (POST /jobs/{id}/results); runners never pick it up.
    JobStatus.created: frozenset({JobStatus.accepted, JobStatus.dismissed}),
    JobStatus.accepted: frozenset({JobStatus.running, JobStatus.dismissed, JobStatus.failed}),
    JobStatus.running: frozenset({JobStatus.successful, JobStatus.failed, JobStatus.dismissed, JobStatus.accepted}),
    JobStatus.successful: frozenset(),
    JobStatus.failed: frozenset(),
    JobStatus.dismissed: frozenset(),
}


class ProcessKind(enum.StrEnum):
    cwl = "cwl"
    # Implemented in Python inside Swath (the OGC `echo` test process).
    builtin = "builtin"


@dataclass(frozen=True)
class ProcessDescription:
    """The OGC side of a process: what `GET /processes/{id}` shows, less links.

    `inputs` and `outputs` map an id to an OGC inputDescription / outputDescription (JSON schema inside), which is
    JSON by nature, so it stays a mapping.
    """

    title: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    inputs: dict[str, JSON] = field(default_factory=dict)
    outputs: dict[str, JSON] = field(default_factory=dict)
    job_control_options: list[str] = field(
        default_factory=lambda: [JobControlOption.async_execute, JobControlOption.sync_execute]
    )
    output_transmission: list[str] = field(default_factory=lambda: [TransmissionMode.value, TransmissionMode.reference])


@dataclass(frozen=True)
class ProcessRecord:
    """One deployed revision of a process. A replace makes a new revision; jobs keep the revision they ran."""

    pk: int
    id: str
    version: str
    kind: ProcessKind
    description: ProcessDescription
    # The CWL document (JSON form, $graph kept) and the id of the object inside it that runs.
    cwl: JSON | None
    workflow_id: str | None
    # Exactly what was deployed, for `GET /processes/{id}/package`.
    package: bytes
    package_media_type: str
    created_by: str
    created: datetime
    retired: datetime | None = None
    # The checksum of the package ("sha256:<hex>"): a catalog version's own when deployed from the catalog
    # (`application_name`, `application_version` name it), else that of the bytes deployed.
    package_checksum: str | None = None
    application_name: str | None = None
    application_version: str | None = None
    # The users and `group:` names this revision is restricted to; empty: every user (services/identity.py).
    visible_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutputRequest:
    """What the execute request asked of one output (OGC output.yaml)."""

    transmission_mode: str = TransmissionMode.value
    format: JSON | None = None


@dataclass(frozen=True)
class Subscriber:
    """Where a job's callbacks go (subscriber.yaml): any of the three may be absent."""

    success_uri: str | None = None
    in_progress_uri: str | None = None
    failed_uri: str | None = None

    def to_json(self) -> JSON:
        members = {"successUri": self.success_uri, "inProgressUri": self.in_progress_uri, "failedUri": self.failed_uri}
        return {name: uri for name, uri in members.items() if uri}

    @classmethod
    def from_json(cls, data: JSON) -> Subscriber:
        return cls(data.get("successUri"), data.get("inProgressUri"), data.get("failedUri"))


@dataclass(frozen=True)
class JobRecord:
    id: str
    process_pk: int
    # The process's id and the version this job runs (swath.process_ids); processID and its version member.
    process_id: str
    process_version: str
    status: JobStatus
    created: datetime
    updated: datetime
    created_by: str
    inputs: JSON
    outputs: dict[str, OutputRequest]
    response: str = ResponseType.document
    collection: str | None = None
    started: datetime | None = None
    finished: datetime | None = None
    heartbeat: datetime | None = None
    progress: int | None = None
    message: str | None = None
    attempts: int = 0
    runner: str | None = None
    results: JSON | None = None
    queue: str | None = None
    subscriber: Subscriber | None = None
    # The last callback event taken for delivery (swath.services.callbacks), None before the first.
    notified: str | None = None
    # The Slurm job id of the batch job that runs (or last ran) it, with the Slurm executor.
    batch_job_id: str | None = None
    # The exact package the job runs: its process revision's package_checksum when the job was created.
    package_checksum: str | None = None
    # When retention removed its outputs and log (their answers are then 410 result-purged).
    purged: datetime | None = None
    # Higher runs first (swath.services.scheduling).
    priority: int = 0
    # Where an accepted job stands in the queue and why it waits; filled in when the job is read for a caller,
    # never stored.
    waiting: JobWait | None = None
    # Queued again by a retry policy: not claimed before this time.
    not_before: datetime | None = None
    # The job this one re-runs; the job whose results it reused; what decides its results (services/reuse.py).
    rerun_of: str | None = None
    reused_from: str | None = None
    reuse_key: str | None = None
    # What the request said of result reuse: True, False, or None for the process's default (services/reuse.py).
    reuse: bool | None = None


@dataclass(frozen=True)
class JobWait:
    """An accepted job's place in the queue (1: next) and why it is not running yet (`waiting for a runner`)."""

    position: int
    reason: str


@dataclass(frozen=True)
class ProcessScheduling:
    """What an admin set for a process id; None leaves the settings' default."""

    process_id: str
    priority: int | None = None
    max_running: int | None = None
    max_queued: int | None = None


@dataclass(frozen=True)
class Caps:
    """Caps on the jobs at once of one user or one process; 0 is no cap. A process's own caps replace the
    per-process defaults."""

    running_per_user: int = 0
    queued_per_user: int = 0
    running_per_process: int = 0
    queued_per_process: int = 0
    processes: dict[str, ProcessScheduling] = field(default_factory=dict)

    def process_running(self, process_id: str) -> int:
        own = self.processes.get(process_id)
        return self.running_per_process if own is None or own.max_running is None else own.max_running

    def process_queued(self, process_id: str) -> int:
        own = self.processes.get(process_id)
        return self.queued_per_process if own is None or own.max_queued is None else own.max_queued


@dataclass(frozen=True)
class AttemptRecord:
    """One run of a job (services/retries.py): who ran it, how it ended, and where its part of the log starts."""

    job_id: str
    attempt: int
    runner: str | None
    started: datetime
    status: str
    log_offset: int = 0
    finished: datetime | None = None
    reason: str | None = None
    exit_code: int | None = None
    message: str | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class StoredFile:
    """One file kept in storage: where it is, how big, and its checksum."""

    key: str
    href: str
    size: int
    checksum: str  # "sha256:<hex>"
    media_type: str


@dataclass(frozen=True)
class OutputValue:
    """One output of a finished job: a literal value, or files kept in storage."""

    value: Any = None
    files: list[StoredFile] = field(default_factory=list)
    # "File" or "Directory" for outputs that are files; None for literals.
    cwl_class: str | None = None


@dataclass(frozen=True)
class JobResults:
    """What a successful run leaves behind, recorded on the job."""

    outputs: dict[str, OutputValue]
    catalog: StoredFile | None = None
    # STAC items (JSON) to file into the job's collection, when it named one.
    items: list[JSON] = field(default_factory=list)
    # The job's final message, when not the plain "Finished." (results reused from another job say so).
    message: str | None = None


@dataclass(frozen=True)
class WorkerRecord:
    """A worker process as it last reported itself."""

    id: str
    hostname: str
    queues: list[str]
    concurrency: int
    started: datetime
    last_seen: datetime


@dataclass(frozen=True)
class ApplicationVersionRecord:
    """A registered version of a catalog application: the whole package, and what registration found in it.

    `files` maps a path inside the package to its bytes; `entry_path` is the one cwltool loads (its `#entry_id`
    for a `$graph`). `metadata` holds the schema.org fields found (title, description, keywords, author, license,
    codeRepository, softwareVersion, containers, and `source` for a package the catalog fetched); `warnings` the
    departures from the OGC best practice. `packed` is a multi-file package as one document (None for one file).
    An empty `visible_to` means every user sees the version; else its registrant and those named do.
    """

    name: str
    version: str
    checksum: str
    entry_path: str
    entry_id: str | None
    files: dict[str, bytes]
    metadata: JSON
    warnings: list[str]
    registered_by: str
    registered: datetime
    pk: int = 0
    packed: bytes | None = None
    visible_to: tuple[str, ...] = ()
