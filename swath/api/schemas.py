"""Wire schemas, each named after the OGC API - Processes schema it implements (../shared/ogc/part1-1.0/schemas).

Responses are rendered with `exclude_none`, so optional members appear only when they have a value, as the
schemas expect.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from swath.ogc import ExecutionMode, ResponseType, TransmissionMode


class Link(BaseModel):
    """link.yaml"""

    href: str
    rel: str | None = None
    type: str | None = None
    hreflang: str | None = None
    title: str | None = None


class LandingPage(BaseModel):
    """landingPage.yaml"""

    title: str | None = None
    description: str | None = None
    links: list[Link]


class ConfClasses(BaseModel):
    """confClasses.yaml"""

    conformsTo: list[str]


class ProcessSummary(BaseModel):
    """processSummary.yaml"""

    id: str
    version: str
    title: str | None = None
    description: str | None = None
    keywords: list[str] | None = None
    jobControlOptions: list[str] | None = None
    outputTransmission: list[str] | None = None
    links: list[Link] | None = None
    # Swath's member: the users and `group:` names a restricted process is shown to (absent: every user).
    visibleTo: list[str] | None = None


class ContainerUseMember(BaseModel):
    """Swath's own: `x-swath-containers` of a process description."""

    # "docker", "podman", or "none": tools run on the host.
    engine: str
    images: list[str]
    runsToolsOnHost: bool


class Process(ProcessSummary):
    """process.yaml: the summary plus inputs and outputs (inputDescription / outputDescription)."""

    inputs: dict[str, dict[str, Any]] | None = None
    outputs: dict[str, dict[str, Any]] | None = None
    # Swath's own extension member: how the tools run here (engine, images, whether any runs on the host).
    containers: ContainerUseMember | None = Field(default=None, serialization_alias="x-swath-containers")
    # Swath's own: the retry policy its jobs get (the package's `swath:Retry` hint, else the server's), and whether
    # its results may be reused (`swath:Reuse`; docs/jobs.md).
    retry: dict[str, Any] | None = Field(default=None, serialization_alias="x-swath-retry")
    reuse: dict[str, Any] | None = Field(default=None, serialization_alias="x-swath-reuse")


class ProcessList(BaseModel):
    """processList.yaml"""

    processes: list[ProcessSummary]
    links: list[Link]


class StatusInfo(BaseModel):
    """statusInfo.yaml"""

    jobID: str
    # `created` is Part 4's: a job that waits to be started.
    status: Literal["created", "accepted", "running", "successful", "failed", "dismissed"]
    type: Literal["process"] = "process"
    processID: str | None = None
    # The version of the process the job runs (Swath's member; `processID` is the bare id, as the package says).
    processVersion: str | None = None
    # The checksum of the exact package the job runs (Swath's member), a catalog version's when deployed from one.
    packageChecksum: str | None = None
    message: str | None = None
    created: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    updated: datetime | None = None
    progress: int | None = Field(default=None, ge=0, le=100)
    # Swath's own: the Slurm job id of the batch job running the job (Slurm executor), for `scontrol show job`.
    batchJobID: str | None = None
    # Swath's own (swath.services.scheduling): the job's priority, and while it is queued its place in the queue
    # (1: next) and why it waits (`waiting for a runner`, `user cap 4 reached`).
    priority: int | None = None
    queuePosition: int | None = Field(default=None, ge=1)
    waitReason: str | None = None
    # Swath's own: the attempt the job is on, or last made (1 for the first run); absent before it first starts.
    attempt: int | None = None
    links: list[Link] | None = None


class AttemptInfo(BaseModel):
    """One run of a job (Swath's own resource): who ran it, when, how it ended and why."""

    attempt: int
    # `running`, or how it ended: `successful`, `failed` (also when it was tried again), `dismissed`.
    status: str
    runner: str | None = None
    started: datetime
    finished: datetime | None = None
    # What ended it, for a failed or dismissed attempt: exitCode, outOfMemory, runnerLost, staging, timeLimit,
    # input, diskFull, dismissed, error.
    reason: str | None = None
    exitCode: int | None = None
    message: str | None = None
    # When the next attempt may start, for an attempt that the retry policy retried.
    retryAt: datetime | None = None
    links: list[Link]


class AttemptList(BaseModel):
    jobID: str
    attempts: list[AttemptInfo]
    links: list[Link]


class JobList(BaseModel):
    """jobList.yaml"""

    jobs: list[StatusInfo]
    links: list[Link]


class OutputSpec(BaseModel):
    """output.yaml, plus the `id` that Unity clients send when they give outputs as a list."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    transmissionMode: str = TransmissionMode.value
    format: dict[str, Any] | None = None


class Execute(BaseModel):
    """execute.yaml, accepting the forms that Unity notebooks send too.

    `inputs` may be the OGC mapping or Unity's list of `{"id": ..., "data": ...}`; `outputs` a mapping or a list of
    output specs with ids; `mode` is the 1.0 draft's way of asking for async; `collection` names the output
    collection the job's STAC items are filed into.
    """

    model_config = ConfigDict(extra="allow")

    inputs: dict[str, Any] | list[Any] = Field(default_factory=dict)
    outputs: dict[str, OutputSpec] | list[OutputSpec] = Field(default_factory=dict)
    response: str = ResponseType.document
    mode: ExecutionMode | None = None
    subscriber: dict[str, Any] | None = None
    collection: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._:-]+$")
    # Swath's extension: what the job needs (coresMin, ramMin, outdirMin), which picks its queue class.
    resources: dict[str, Any] | None = None
    # Swath's extension: the job's priority, higher first (default: its process's); above the default admins only.
    priority: int | None = None


class JobCreate(Execute):
    """A Part 4 `POST /jobs` body: an execute request (execute-workflows.yaml) that names its `process` by URI
    (`.../processes/{id}`, or `id`/`id:version` alone)."""

    process: str = Field(min_length=1)


class JobPatch(BaseModel):
    """A Part 4 `PATCH /jobs/{id}` body: the members to change of a job that waits to be started."""

    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, Any] | None = None
    outputs: dict[str, OutputSpec] | None = None
    response: str | None = None
    collection: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._:-]+$")
    # Swath's extension: a new priority; the only member an admin may change once the job is queued.
    priority: int | None = None


class Collection(BaseModel):
    """A STAC Collection of a job output collection (STAC collection spec, minimal members)."""

    type: Literal["Collection"] = "Collection"
    stac_version: str = "1.0.0"
    id: str
    description: str
    license: str = "other"
    extent: dict[str, Any]
    links: list[Link]
    numberMatched: int | None = None


class Collections(BaseModel):
    collections: list[Collection]
    links: list[Link]


class ItemCollection(BaseModel):
    """A page of STAC items (GeoJSON FeatureCollection)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
    numberMatched: int
    numberReturned: int
    links: list[Link]


class HealthCheck(BaseModel):
    """Swath's own: one dependency of `/health` (the database, the broker or runners, the storage, the workers)."""

    healthy: bool
    detail: str


class HealthWorker(BaseModel):
    """Swath's own: a worker that reported recently."""

    id: str
    hostname: str
    queues: list[str]
    concurrency: int
    started: datetime
    lastSeen: datetime


class HealthReport(BaseModel):
    """Swath's own: the `/health` document."""

    status: Literal["healthy", "unhealthy"]
    checks: dict[str, HealthCheck]
    workers: list[HealthWorker]
