"""The database schema. Alembic migrations (store/migrations) create and upgrade it; nothing calls create_all.

Indexes follow the queries: job lists are keyset-paged newest first, optionally filtered by status or process,
so each filter has an index ending in (created, id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    # SQLAlchemy reads this as a class attribute.
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}  # noqa: RUF012


class ProcessAccessRow(Base):
    """One user (`alice`) or group (`group:team`) a restricted process revision is visible to."""

    __tablename__ = "process_access"

    process_pk: Mapped[int] = mapped_column(ForeignKey("processes.pk"), primary_key=True)
    principal: Mapped[str] = mapped_column(String(255), primary_key=True)


class ProcessRow(Base):
    __tablename__ = "processes"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The package's own id, without a version (swath.process_ids); `version` beside it.
    id: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[dict[str, Any]]
    cwl: Mapped[dict[str, Any] | None]
    workflow_id: Mapped[str | None] = mapped_column(String(255))
    package: Mapped[bytes] = mapped_column(LargeBinary)
    package_media_type: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime]
    # Set when a revision is replaced or undeployed; its jobs stay readable.
    retired: Mapped[datetime | None]
    package_checksum: Mapped[str | None] = mapped_column(String(80))
    # The catalog version deployed, when the package came from the catalog.
    application_name: Mapped[str | None] = mapped_column(String(255))
    application_version: Mapped[str | None] = mapped_column(String(255))
    # Who may see and run this revision besides admins and its deployer; none: everyone.
    access: Mapped[list[ProcessAccessRow]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (
        # One live revision per id and version: a second deploy of the same pair fails on this index, not on a
        # prior SELECT. Other versions of the id stay live beside it.
        Index(
            "ix_processes_live_id_version",
            "id",
            "version",
            unique=True,
            sqlite_where=text("retired IS NULL"),
            postgresql_where=text("retired IS NULL"),
        ),
    )


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_pk: Mapped[int] = mapped_column(ForeignKey("processes.pk"))
    process_id: Mapped[str] = mapped_column(String(255))
    # The version of the process the job ran (its revision is `process_pk`).
    process_version: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime]
    updated: Mapped[datetime]
    started: Mapped[datetime | None]
    finished: Mapped[datetime | None]
    heartbeat: Mapped[datetime | None]
    progress: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    runner: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(255))
    inputs: Mapped[dict[str, Any]]
    outputs: Mapped[dict[str, Any]]
    response: Mapped[str] = mapped_column(String(16))
    collection: Mapped[str | None] = mapped_column(String(255))
    results: Mapped[dict[str, Any] | None]
    # The queue class the job was sent to (scale-out mode), chosen from its resource needs.
    queue: Mapped[str | None] = mapped_column(String(64))
    # OGC callbacks: the execute request's `subscriber`, and the last status whose callbacks were taken for
    # delivery while more remain (NULL when none remain, or none were asked for; swath.services.callbacks).
    subscriber: Mapped[dict[str, Any] | None]
    notified: Mapped[str | None] = mapped_column(String(16))
    # Until when the server that took those callbacks holds them; past it (that server stopped) another resumes them.
    notify_lease: Mapped[datetime | None]
    # The Slurm job id of the batch job that runs (or last ran) the job (Slurm executor).
    batch_job_id: Mapped[str | None] = mapped_column(String(64))
    package_checksum: Mapped[str | None] = mapped_column(String(80))
    # Retention (swath.services.retention): when the job's outputs and log were removed, and the bytes its results
    # hold (counted once, for the total-size rule).
    purged: Mapped[datetime | None]
    stored_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # Higher runs first; equal priorities run in the order they were submitted (swath.services.scheduling).
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A job queued again by its retry policy is claimed no earlier than this (its back-off); NULL: at once.
    not_before: Mapped[datetime | None]
    # The job this one re-runs (POST /jobs/{id}/rerun), and the job whose results this one reused.
    rerun_of: Mapped[str | None] = mapped_column(String(36))
    reused_from: Mapped[str | None] = mapped_column(String(36))
    # "sha256:<hex>" over what decides the results of a process that allows reuse (services/reuse.py).
    reuse_key: Mapped[str | None] = mapped_column(String(80))
    # What the request said of result reuse (`Prefer: swath-reuse`): True, False, or NULL for the process's default.
    reuse: Mapped[bool | None]

    __table_args__ = (
        Index("ix_jobs_created", "created", "id"),
        # The scheduler's walk of the queue: accepted jobs, highest priority first, then oldest first.
        Index("ix_jobs_queue_order", "status", text("priority DESC"), "created", "id"),
        # The caps' counts: a user's, or a process's, jobs in one status.
        Index("ix_jobs_owner_status", "created_by", "status"),
        Index("ix_jobs_process_status", "process_id", "status"),
        Index("ix_jobs_rerun_of", "rerun_of"),
        # Reuse looks for a successful job of the same owner with the same key.
        Index("ix_jobs_reuse_key", "reuse_key", "created_by"),
        Index("ix_jobs_status_created", "status", "created", "id"),
        Index("ix_jobs_process_created", "process_id", "created", "id"),
        # GET /jobs of a user (not an admin) walks this one.
        Index("ix_jobs_owner_created", "created_by", "created", "id"),
        # The callback sender's query: jobs with callbacks still to send.
        Index("ix_jobs_notified", "notified"),
        # The retention sweeper's query: finished jobs not yet purged, oldest first.
        Index("ix_jobs_purge", "purged", "status", "finished"),
    )


class ProcessSchedulingRow(Base):
    """What an admin set for every version of a process id: its jobs' default priority and its caps on running and
    queued jobs (None: the settings' default). Kept apart from the revisions, so a replace keeps them."""

    __tablename__ = "process_scheduling"

    process_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    priority: Mapped[int | None] = mapped_column(Integer)
    max_running: Mapped[int | None] = mapped_column(Integer)
    max_queued: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(255))
    updated: Mapped[datetime]


class JobAttemptRow(Base):
    """One attempt at running a job: opened when a runner claims it, closed when that run ends, however it ends.

    `log_offset` is where this attempt's part of the job's one log file starts; it runs to the next attempt's.
    """

    __tablename__ = "job_attempts"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner: Mapped[str | None] = mapped_column(String(255))
    started: Mapped[datetime]
    finished: Mapped[datetime | None]
    # `running` while it runs, then the status it ended the job with (`failed` also for one retried).
    status: Mapped[str] = mapped_column(String(16))
    # A FailureKind (swath.errors) for an attempt that failed.
    reason: Mapped[str | None] = mapped_column(String(32))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    log_offset: Mapped[int] = mapped_column(BigInteger, default=0)
    # When the next attempt may start, for an attempt its retry policy retried.
    retry_at: Mapped[datetime | None]


class JobDeliveryRow(Base):
    """One attempt to deliver a callback of a job (successful or not), in the order they were made."""

    __tablename__ = "job_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))
    event: Mapped[str] = mapped_column(String(16))
    uri: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_job_deliveries_job", "job_id", "id"),)


class CollectionItemRow(Base):
    __tablename__ = "collection_items"

    collection_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))
    item: Mapped[dict[str, Any]]
    created: Mapped[datetime]
    # Who filed the item: the owner of the job that made it. Collections show a user their own items only.
    filed_by: Mapped[str] = mapped_column(String(255), server_default="anonymous")

    __table_args__ = (Index("ix_collection_items_created", "collection_id", "created", "item_id"),)


class WorkerRow(Base):
    """A `swath worker` process, beating while it lives; `/health` lists the ones seen recently."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    queues: Mapped[str] = mapped_column(Text)
    concurrency: Mapped[int] = mapped_column(Integer)
    started: Mapped[datetime]
    last_seen: Mapped[datetime]

    __table_args__ = (Index("ix_workers_last_seen", "last_seen"),)


class ApiTokenRow(Base):
    """A Swath API token. Only its SHA-256 digest is kept: the token itself is shown once, when it is made."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(255), default="")
    created: Mapped[datetime]
    expires: Mapped[datetime | None]
    revoked: Mapped[datetime | None]


class UploadRow(Base):
    """An uploaded file (`POST /files`): the bytes live in storage under `uploads/<id>/<name>`; here its owner, and
    its size, which the per-user upload quota sums."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    owner: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    created: Mapped[datetime]

    __table_args__ = (Index("ix_uploads_owner", "owner"), Index("ix_uploads_created", "created"))


class LeaseRow(Base):
    """A task that one server of a venue does at a time (the retention sweeper): whoever holds an unexpired lease."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    expires: Mapped[datetime]


class ApplicationAccessRow(Base):
    """One user (`alice`) or group (`group:team`) a restricted catalog version is visible to."""

    __tablename__ = "application_access"

    version_pk: Mapped[int] = mapped_column(ForeignKey("application_versions.pk", ondelete="CASCADE"), primary_key=True)
    principal: Mapped[str] = mapped_column(String(255), primary_key=True)


class ApplicationVersionRow(Base):
    """One registered version of a catalog application. Immutable once written: only deletion removes it."""

    __tablename__ = "application_versions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(255))
    # "sha256:<hex>" over every file's path and bytes (services/catalog_packages.py computes it).
    checksum: Mapped[str] = mapped_column(String(80))
    # The file cwltool loads first, a path among the version's files; `entry_id` the object of a $graph it runs.
    entry_path: Mapped[str] = mapped_column(String(1024))
    entry_id: Mapped[str | None] = mapped_column(String(255))
    # schema.org metadata (title, keywords, author, ...) and the best-practice warnings found at registration.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    warnings: Mapped[list[str]] = mapped_column(JSON)
    registered_by: Mapped[str] = mapped_column(String(255))
    registered: Mapped[datetime]
    # A multi-file package as one document (`cwltool --pack`, JSON): what a process deployed from it holds.
    packed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # No rows: every user sees the version. Rows: its registrant and the users and groups named see it.
    access: Mapped[list[ApplicationAccessRow]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (
        # Immutability rests on this index: a second registration of a pair fails here, never on a prior SELECT.
        Index("ix_application_versions_name_version", "name", "version", unique=True),
    )


class ApplicationFileRow(Base):
    """One file of a registered version (a multi-file package has several)."""

    __tablename__ = "application_files"

    version_pk: Mapped[int] = mapped_column(ForeignKey("application_versions.pk", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
