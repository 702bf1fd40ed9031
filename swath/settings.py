"""Swath's configuration: one typed object, read from `SWATH_*` environment variables.

Each entry point (the app factory, the CLI, a runner process) builds one `Settings` and passes it down; nothing
else reads the environment.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field, FieldSerializationInfo, SecretStr, field_serializer, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from swath.errors import FailureKind
from swath.examples import EXAMPLES_DIR


class QueueClass(BaseModel):
    """A class of workers: a job goes to the first class (in the configured order) that offers what it needs.

    A limit left out means "no limit". Workers subscribe to the classes they can serve (`swath worker --queues`).
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=64)
    cores: int | None = Field(default=None, ge=1)
    ram_mb: int | None = Field(default=None, ge=1)
    disk_mb: int | None = Field(default=None, ge=1)


DEFAULT_QUEUES = [QueueClass(name="default")]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWATH_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # The address clients reach the service at; stored STAC catalogs carry absolute hrefs built from it.
    public_url: str = ""
    data_dir: Path = Path("swath-data")
    # Empty means SQLite in data_dir.
    database_url: str = ""
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    # Deploy the bundled example applications at start-up (skipped for ones already deployed).
    deploy_examples: bool = True
    # Local paths a `file://` input may point into; outside them an input is refused.
    allowed_input_roots: list[Path] = Field(default_factory=list)
    # How long a synchronous execute waits before it answers asynchronously instead (seconds).
    sync_wait_limit: float = Field(default=60.0, gt=0)
    # The retry policy of a process that declares none (a package's `swath:Retry` hint replaces it; docs/jobs.md):
    # how many attempts a job gets in all, on which failures it is tried again (FailureKind words: runnerLost,
    # exitCode, outOfMemory, staging, timeLimit), and the back-off before the second attempt (seconds), multiplied
    # by the factor before each further one, up to the longest.
    max_attempts: int = Field(default=3, ge=1)
    retry_on: list[str] = Field(default_factory=lambda: ["runnerLost"])
    retry_backoff: float = Field(default=0.0, ge=0)
    retry_backoff_factor: float = Field(default=2.0, ge=1)
    retry_max_backoff: float = Field(default=300.0, ge=0)
    # Runner heartbeat, and how old one may grow before the reaper takes the job back.
    heartbeat_interval: float = Field(default=2.0, gt=0)
    heartbeat_timeout: float = Field(default=30.0, gt=0)
    # How often a Celery worker copies a running job's grown log to storage, where an API elsewhere reads it.
    log_copy_interval: float = Field(default=10.0, gt=0)
    # Kill a job that runs longer than this (seconds); 0 means no limit.
    job_time_limit: float = Field(default=0.0, ge=0)
    # "auto": docker or podman, the first that runs a container, else tools run on the host; "docker"/"podman": that
    # engine, and the service refuses to start if it cannot run a container; "none": tools run on the host.
    container_runtime: str = Field(default="auto", pattern="^(auto|none|docker|podman)$")
    # Whether tools may run on the host (no runtime, or a tool without a DockerRequirement); None: only while the
    # service listens on loopback alone (a laptop). Where they may not, such packages are refused at deploy.
    allow_host_tools: bool | None = None
    # When the engine pulls a package's image: only when it is not on the worker, before every run, or never.
    container_pull_policy: Literal["if-not-present", "always", "never"] = "if-not-present"
    # The uid:gid tools run as in their container when Swath runs as root (cwltool would pass 0:0); otherwise
    # Swath's own uid:gid, as cwltool does. 65534 is "nobody".
    container_user: str = Field(default="65534:65534", pattern=r"^[0-9]+:[0-9]+$")
    # The network a tool that declares NetworkAccess joins (the engine's --net value); empty: the engine's default.
    # Every other tool runs with no network at all.
    container_network: str = Field(default="", pattern=r"^[A-Za-z0-9_.:-]*$")
    # Images packages may name, by prefix (a registry "ghcr.io/", a path "localhost/team/", or a whole name);
    # empty: any. Checked at deploy.
    allowed_images: list[str] = Field(default_factory=list)
    keep_work_dirs: bool = False
    # The most steps of one workflow job that run at once (a scatter's too), counted in cores: 1 runs steps one
    # after another; N runs ready steps side by side within N cores (cwltool's --parallel with that limit).
    max_parallel_steps: int = Field(default=1, ge=1)
    # The largest file a client may upload for jobs to read (`POST /files`), in bytes.
    max_upload_size: int = Field(default=10 * 1024**3, gt=0)
    # What one user's uploads may hold together, in bytes (the caller's identity, or the one anonymous user).
    upload_quota: int = Field(default=50 * 1024**3, gt=0)
    # Limits on what one request may hold; each refusal (413 or 400) names the limit, and comes before the rest of
    # a body that is too large is read. A deploy's package and an execute request, in bytes:
    max_package_size: int = Field(default=10 * 1024**2, gt=0)
    max_execute_size: int = Field(default=10 * 1024**2, gt=0)
    # A multi-file package registered in the catalog (a zip, a fetched zip or a git repository): how many files it
    # may hold and how many bytes they may unpack to together, counted as they inflate (413 past either).
    max_package_files: int = Field(default=500, gt=0)
    max_package_unpacked_size: int = Field(default=50 * 1024**2, gt=0)
    # Whether a registration may name a git repository on this machine (`file://` or a path). Off: the service's
    # disk is not its users' to read; tests and single-user installations turn it on.
    allow_local_package_sources: bool = False
    # The nodes a package may stand for once its YAML aliases are expanded, and how deep it may nest.
    max_package_nodes: int = Field(default=1_000_000, gt=0)
    max_nesting_depth: int = Field(default=100, gt=0)
    # cwltool validates each deploy in a child process bound by these (services/package_check.py): CPU seconds, and
    # bytes of address space. A package that needs more is refused, naming the setting.
    deploy_cpu_limit: int = Field(default=60, ge=1)
    deploy_memory_limit: int = Field(default=2 * 1024**3, ge=256 * 1024**2)
    # The longest error detail the API sends: a longer one (it echoes a value of the request) is cut in the middle.
    max_error_detail: int = Field(default=2000, ge=200)
    # Free space the data directory must keep: below it new jobs and uploads are refused (503 storage-full), and
    # /health says so. In bytes.
    min_free_space: int = Field(default=64 * 1024**2, ge=0)
    # Base map of the job page's map of STAC items: a tile URL template (`https://tiles.example/{z}/{x}/{y}.png`).
    # Empty draws the footprints on a blank base, which needs no network. A tile server on another origin must
    # also be allowed by the pages' Content-Security-Policy (`img-src`).
    map_tiles_url: str = Field(default="", pattern=r"^(https?://\S+)?$")
    map_tiles_attribution: str = ""
    log_level: str = "info"
    # The Unity SPS face (unity-sds-client): the OGC paths also answer under this prefix, each `{name}` one path
    # segment, so `{unity_href}{project}/{venue}/wps/` of a Unity venue reaches Swath. Empty turns the face off.
    unity_sps_prefix: str = Field(default="/{project}/{venue}/wps", pattern=r"^(/[A-Za-z0-9_.{}-]+)*/?$")

    # Scale-out mode (docs/deployment.md). "local": runner processes started by the server; "celery": `swath worker`
    # processes on any machine that reaches the broker, the database and the storage; "slurm": one batch job per
    # job on an HPC cluster (docs/slurm.md).
    executor: Literal["local", "celery", "slurm"] = "local"
    broker_url: str = ""
    # Queue names on the broker are `<queue_prefix>.<class name>`: deployments (or test runs) sharing one broker
    # never take each other's jobs.
    queue_prefix: str = Field(default="swath", pattern=r"^[A-Za-z0-9_.-]+$", max_length=64)
    queues: list[QueueClass] = Field(default_factory=lambda: list(DEFAULT_QUEUES), min_length=1)
    # Redis redelivers an unacknowledged job only after this many seconds (DESIGN.md); must exceed the time limit.
    broker_visibility_timeout: float = Field(default=43200.0, gt=0)
    # RabbitMQ's consumer_timeout for Swath's queues (seconds, set as the x-consumer-timeout queue argument, which
    # RabbitMQ 3.12 and newer honour); None leaves the server's setting (default 30 min) alone.
    broker_consumer_timeout: float | None = Field(default=None, gt=0)
    # Where outputs live: empty for data_dir/outputs, a directory every machine mounts ("file:///shared/swath" or
    # "/shared/swath"), or "s3://bucket/prefix".
    storage: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    # Empty means boto3's own lookup (environment, ~/.aws, instance role).
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    # When set, output downloads are redirected to presigned S3 URLs valid this many seconds, not streamed by the API.
    s3_presigned_url_expiry: int | None = Field(default=None, ge=1, le=604800)
    # A worker not seen for this long is left out of /health's "workers seen recently".
    worker_seen_window: float = Field(default=60.0, gt=0)

    # Authentication (docs/security.md). "off" is allowed only while the service listens on loopback: every request
    # then acts as one local admin. "on": every request but /health, the landing page and the API document needs a
    # bearer token, a Swath API token (`swath token create`) or an access token of the OIDC provider below.
    auth_mode: Literal["off", "on"] = "off"
    # The OIDC provider whose access tokens are accepted (its `iss`); empty accepts Swath API tokens only.
    auth_oidc_issuer: str = ""
    # Where its discovery document is; empty means <issuer>/.well-known/openid-configuration.
    auth_oidc_discovery_url: str = ""
    # Accepted audiences: a token's `aud`, or its `client_id` (Cognito access tokens carry no `aud`).
    auth_oidc_audiences: list[str] = Field(default_factory=list)
    # The claim naming the caller, and the claim (a dotted path: `realm_access.roles`) holding its roles or groups.
    auth_oidc_user_claim: str = "sub"
    auth_oidc_roles_claim: str = "cognito:groups"
    # Group or role names of the provider mapped to Swath roles; a name that is itself a role maps to it.
    auth_oidc_role_map: dict[str, Literal["user", "deployer", "admin"]] = Field(default_factory=dict)
    # How far a token's exp/nbf/iat may be off the server's clock (seconds).
    auth_clock_skew: float = Field(default=30.0, ge=0, le=600)
    # How long a verified token is remembered, so that most requests cost no database read or signature check;
    # a revoked Swath token stops working within this many seconds.
    auth_cache_seconds: float = Field(default=10.0, ge=0, le=300)
    # Key of the signed download URLs (HMAC-SHA256); empty means a random key kept in data_dir, which every API
    # process on a shared data directory reads. Set it when API processes do not share one.
    auth_signing_key: SecretStr = SecretStr("")
    # How long a signed download URL stays valid (seconds).
    auth_signed_url_expiry: int = Field(default=3600, ge=10, le=7 * 86400)
    # Host names (beside the public URL's) that requests may name in `Host`; ["*"] accepts any.
    allowed_hosts: list[str] = Field(default_factory=list)
    # CIDR blocks that input hrefs, deploy-time fetches and job callbacks may reach although they are loopback,
    # private or link-local (JSON list, e.g. ["10.0.0.0/8"]). Empty refuses them all.
    allowed_networks: list[str] = Field(default_factory=list)
    # Job callbacks (OGC `callback`): how often the server looks for callbacks to send (seconds), how many times it
    # tries each one, the wait before the first retry, doubled after each failed attempt, and how long one attempt
    # may wait for the receiver's answer (seconds).
    callback_interval: float = Field(default=0.5, gt=0)
    callback_attempts: int = Field(default=5, ge=1, le=20)
    callback_backoff: float = Field(default=1.0, gt=0)
    callback_timeout: float = Field(default=10.0, gt=0, le=300)
    # The Slurm executor (docs/slurm.md). Partition and account of every batch job; empty leaves Slurm's default.
    slurm_partition: str = Field(default="", pattern=r"^[A-Za-z0-9_.,-]*$", max_length=255)
    slurm_account: str = Field(default="", pattern=r"^[A-Za-z0-9_.-]*$", max_length=255)
    # The data directory of a batch job on its compute node (work directories, its own copy of the log): a
    # node-local disk. Empty means data_dir.
    slurm_node_data_dir: Path | None = None
    # The Python with Swath installed on the compute nodes; empty means the one this server runs.
    slurm_python: str = ""
    # Memory a batch job asks for beyond its tools' ramMin: the runner itself (Python, cwltool) lives in the job.
    slurm_runner_memory_mb: int = Field(default=512, ge=0)
    # How often the server compares its jobs with what Slurm says of their batch jobs (seconds).
    slurm_poll_interval: float = Field(default=2.0, gt=0)
    # At most this many jobs of one user are handed to Slurm at once (queued there or running); 0 means no cap.
    # Further jobs wait, accepted, in Swath's table, so that one user's batch cannot take the whole cluster.
    max_jobs_per_user: int = Field(default=0, ge=0)
    # Quality of service (swath.services.scheduling), every executor. Caps on the jobs of one user, or of one
    # process id, at once; 0 means no cap. Over a running cap a job waits, accepted, and says why; a submission over
    # a queued cap (accepted jobs not yet running) is refused with 429. An admin may give a process its own caps.
    max_running_per_user: int = Field(default=0, ge=0)
    max_queued_per_user: int = Field(default=0, ge=0)
    max_running_per_process: int = Field(default=0, ge=0)
    max_queued_per_process: int = Field(default=0, ge=0)
    # Job priorities run from -max_priority to max_priority; higher runs first, equal ones in submission order. A
    # job gets its process's default priority (an admin's rule), else default_priority; a user may ask for less,
    # only an admin for more.
    max_priority: int = Field(default=100, ge=0, le=1_000_000)
    default_priority: int = 0

    @model_validator(mode="after")
    def _check_priority(self) -> Settings:
        if abs(self.default_priority) > self.max_priority:
            raise ValueError(
                f"default_priority ({self.default_priority}) must lie within -max_priority..max_priority "
                f"({self.max_priority})"
            )
        return self

    # Retention (services/retention.py; docs/retention.md). Ages are seconds after a job ended (an upload was made,
    # a cached object was last read); 0 keeps for good, which is every default: nothing expires unless asked.
    # A purged job's results, output files and log answer 410 result-purged.
    retention_successful: float = Field(default=0.0, ge=0)
    retention_failed: float = Field(default=0.0, ge=0)
    retention_dismissed: float = Field(default=0.0, ge=0)
    # The most the results of unpurged finished jobs may hold together (bytes); over it, the longest ended go first.
    retention_max_results_size: int = Field(default=0, ge=0)
    # Seconds after a job's purge before its row goes too (with its callback deliveries and collection items).
    retention_job_rows: float = Field(default=0.0, ge=0)
    retention_uploads: float = Field(default=0.0, ge=0)
    # Work directories kept by SWATH_KEEP_WORK_DIRS (or left by a crash), after their job ended.
    retention_work_dirs: float = Field(default=0.0, ge=0)
    # The local cache of S3 objects the API serves (data_dir/cache): an age since last use, and a total size.
    retention_cache: float = Field(default=0.0, ge=0)
    retention_cache_size: int = Field(default=0, ge=0)
    # How often the sweeper runs; one server of the venue at a time does (a lease in the database).
    retention_interval: float = Field(default=300.0, gt=0)

    # API processes `swath serve` starts (uvicorn workers) in front of one runner pool. More than one needs a
    # database that several processes can write at once: PostgreSQL.
    api_workers: int = Field(default=1, ge=1, le=64)

    @model_validator(mode="after")
    def _check_heartbeat(self) -> Settings:
        if self.heartbeat_timeout <= 2 * self.heartbeat_interval:
            raise ValueError(
                f"heartbeat_timeout ({self.heartbeat_timeout}s) must exceed twice heartbeat_interval "
                f"({self.heartbeat_interval}s), or live jobs would be reaped"
            )
        return self

    @model_validator(mode="after")
    def _check_api_workers(self) -> Settings:
        if self.api_workers > 1 and self.executor == "slurm":
            raise ValueError(
                "SWATH_API_WORKERS (--api-workers) above 1 works with the local and celery executors, not slurm"
            )
        if self.api_workers > 1 and not self.resolved_database_url.startswith("postgresql"):
            raise ValueError(
                f"SWATH_API_WORKERS (--api-workers) {self.api_workers} needs a PostgreSQL database "
                "(SWATH_DATABASE_URL=postgresql+psycopg://...): SQLite takes one writer at a time, and its writes "
                "are ordered within one process only"
            )
        return self

    @model_validator(mode="after")
    def _check_retry_on(self) -> Settings:
        retryable = [kind.value for kind in FailureKind if kind.is_retryable]
        unknown = [word for word in self.retry_on if word not in retryable]
        if unknown:
            raise ValueError(f"retry_on names {unknown}, which cannot be retried; allowed: {', '.join(retryable)}")
        return self

    @model_validator(mode="after")
    def _check_scale_out(self) -> Settings:
        if self.executor == "celery":
            if not self.broker_url.startswith(("amqp://", "amqps://", "pyamqp://", "redis://", "rediss://")):
                raise ValueError(
                    f"executor 'celery' needs broker_url to be an amqp:// or redis:// URL, not {self.broker_url!r}"
                )
            if self.resolved_database_url.startswith("sqlite"):
                raise ValueError(
                    "executor 'celery' needs a database that every worker reaches: set database_url to PostgreSQL"
                )
        return self

    @model_validator(mode="after")
    def _check_broker_timeouts(self) -> Settings:
        if self.is_redis_broker:
            limit = self.job_time_limit
            if limit == 0 or self.broker_visibility_timeout <= limit:
                shown = "no limit" if limit == 0 else f"{limit:g}s"
                raise ValueError(
                    f"with a Redis broker, broker_visibility_timeout ({self.broker_visibility_timeout:g}s) must exceed "
                    f"job_time_limit ({shown}), or a job still running is delivered again"
                )
        if self.broker_consumer_timeout is not None and self.job_time_limit == 0:
            raise ValueError("broker_consumer_timeout needs a job_time_limit below it, or long jobs are cut off")
        if self.broker_consumer_timeout is not None and self.broker_consumer_timeout <= self.job_time_limit:
            raise ValueError(
                f"broker_consumer_timeout ({self.broker_consumer_timeout:g}s) must exceed job_time_limit "
                f"({self.job_time_limit:g}s), or the broker drops a worker in the middle of a job"
            )
        return self

    @model_validator(mode="after")
    def _check_queues_and_storage(self) -> Settings:
        names = [queue.name for queue in self.queues]
        if len(set(names)) != len(names):
            raise ValueError(f"queue class names must be unique, not {names}")
        if self.storage and not self.is_s3_storage and self.shared_storage_dir is None:
            raise ValueError(
                "storage must be empty (a local directory), an absolute path or file:/// URL of a shared directory, "
                f"or s3://bucket/prefix, not {self.storage!r}"
            )
        if self.storage.startswith("s3://") and not self.storage.removeprefix("s3://").split("/")[0]:
            raise ValueError(f"storage {self.storage!r} names no bucket; use s3://bucket/prefix")
        return self

    @model_validator(mode="after")
    def _check_exposure(self) -> Settings:
        if self.auth_mode == "off" and not is_loopback_host(self.host):
            raise ValueError(
                f"listening on {self.host} needs authentication: set SWATH_AUTH_MODE=on (and create a token with "
                "`swath token create`, or set SWATH_AUTH_OIDC_ISSUER), or listen on 127.0.0.1"
            )
        if not self.public_url and is_unspecified_host(self.host):
            raise ValueError(
                f"listening on {self.host} leaves the service's address unknown: set SWATH_PUBLIC_URL to the URL "
                "clients reach it at"
            )
        for block in self.allowed_networks:
            try:
                ipaddress.ip_network(block, strict=False)
            except ValueError as error:
                raise ValueError(f"allowed_networks entry {block!r} is not a CIDR block such as 10.0.0.0/8") from error
        if self.auth_oidc_issuer and not self.auth_oidc_audiences:
            raise ValueError("auth_oidc_issuer needs auth_oidc_audiences: the audiences or client ids to accept")
        return self

    @property
    def is_auth_on(self) -> bool:
        return self.auth_mode == "on"

    @property
    def resolved_discovery_url(self) -> str:
        issuer = self.auth_oidc_issuer.rstrip("/")
        return self.auth_oidc_discovery_url or f"{issuer}/.well-known/openid-configuration"

    @model_validator(mode="after")
    def _check_slurm(self) -> Settings:
        if self.executor == "slurm" and self.shared_storage_dir is None and not self.is_s3_storage:
            raise ValueError(
                "executor 'slurm' needs storage that every compute node reaches: set storage to a shared directory "
                "(file:///shared/swath) or s3://bucket/prefix"
            )
        return self

    @field_serializer("s3_secret_access_key", when_used="json")
    def _reveal_for_handover(self, secret: SecretStr, info: FieldSerializationInfo) -> str:
        # Shown as asterisks everywhere, except in the settings a server hands to the runner pool it starts.
        return secret.get_secret_value() if (info.context or {}).get("handover") else str(secret)

    def to_handover(self) -> bytes:
        """These settings, secrets included, for a process this one starts (`from_handover` reads them)."""
        return self.model_dump_json(context={"handover": True}).encode()

    @classmethod
    def from_handover(cls, document: bytes) -> Settings:
        return cls.model_validate_json(document)

    @property
    def host_tools_allowed(self) -> bool:
        if self.allow_host_tools is not None:
            return self.allow_host_tools
        return is_loopback_host(self.host)

    @property
    def is_redis_broker(self) -> bool:
        return self.broker_url.startswith(("redis://", "rediss://"))

    @property
    def is_s3_storage(self) -> bool:
        return self.storage.startswith("s3://")

    def queue_name(self, queue_class: str) -> str:
        """The broker's name for a queue class."""
        return f"{self.queue_prefix}.{queue_class}"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'swath.db').resolve()}"

    @property
    def readable_input_roots(self) -> list[Path]:
        """Local folders inputs may be read from: the configured ones, and the bundled example data."""
        return [*self.allowed_input_roots, EXAMPLES_DIR]

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def shared_storage_dir(self) -> Path | None:
        """The shared directory the storage setting names (`file:///dir` or `/dir`), or None when it names none."""
        if self.storage.startswith("file://"):
            parts = urlsplit(self.storage)
            path = unquote(parts.path)
            return Path(path) if parts.netloc in ("", "localhost") and path.startswith("/") else None
        return Path(self.storage) if self.storage.startswith("/") else None

    @property
    def storage_dir(self) -> Path:
        """Where a directory storage keeps its files: the shared directory, else data_dir/outputs."""
        return (self.shared_storage_dir or self.data_dir / "outputs").resolve()

    @property
    def work_dir(self) -> Path:
        return (self.data_dir / "work").resolve()

    @property
    def process_dir(self) -> Path:
        """Where runners keep the documents of the process revisions they have loaded."""
        return (self.data_dir / "processes").resolve()

    @property
    def log_dir(self) -> Path:
        return (self.data_dir / "logs").resolve()

    def job_log(self, job_id: str) -> Path:
        """Where a job's log lives: the runner appends to it, the API reads it."""
        return self.log_dir / f"{job_id}.log"


# How `swath serve --api-workers N` hands its settings (its options included) to the API processes uvicorn starts.
_API_WORKER_SETTINGS = "SWATH_API_WORKER_SETTINGS"


def hand_to_api_workers(settings: Settings) -> None:
    """Put `settings` where `api_worker_settings` finds them, in the environment the API processes inherit."""
    os.environ[_API_WORKER_SETTINGS] = settings.to_handover().decode()


def api_worker_settings() -> Settings:
    return Settings.from_handover(os.environ[_API_WORKER_SETTINGS].encode())


def is_loopback_host(host: str) -> bool:
    """Whether a bind address reaches this machine only: a loopback address, or `localhost`."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_unspecified_host(host: str) -> bool:
    """Whether a bind address means every interface (0.0.0.0, ::), which names no address clients could use."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False
