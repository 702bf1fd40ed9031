"""Swath's configuration: one typed object, read from `SWATH_*` environment variables.

Each entry point (the app factory, the CLI, a runner process) builds one `Settings` and passes it down; nothing
else reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from swath.examples import EXAMPLES_DIR


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
    # How often a job is started again after its runner died, before it is failed.
    max_attempts: int = Field(default=3, ge=1)
    # Runner heartbeat, and how old one may grow before the reaper takes the job back.
    heartbeat_interval: float = Field(default=2.0, gt=0)
    heartbeat_timeout: float = Field(default=30.0, gt=0)
    # Kill a job that runs longer than this (seconds); 0 means no limit.
    job_time_limit: float = Field(default=0.0, ge=0)
    # "auto": use docker or podman when present, else run tools on the host; "none": always on the host.
    container_runtime: str = Field(default="auto", pattern="^(auto|none|docker|podman)$")
    keep_work_dirs: bool = False
    log_level: str = "info"

    @model_validator(mode="after")
    def _check_heartbeat(self) -> Settings:
        if self.heartbeat_timeout <= 2 * self.heartbeat_interval:
            raise ValueError(
                f"heartbeat_timeout ({self.heartbeat_timeout}s) must exceed twice heartbeat_interval "
                f"({self.heartbeat_interval}s), or live jobs would be reaped"
            )
        return self

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
    def storage_dir(self) -> Path:
        return (self.data_dir / "outputs").resolve()

    @property
    def work_dir(self) -> Path:
        return (self.data_dir / "work").resolve()

    @property
    def log_dir(self) -> Path:
        return (self.data_dir / "logs").resolve()

    def job_log(self, job_id: str) -> Path:
        """Where a job's log lives: the runner appends to it, the API reads it."""
        return self.log_dir / f"{job_id}.log"
