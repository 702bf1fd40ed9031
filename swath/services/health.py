"""Is the service able to run jobs now: the database, the broker, the storage, the container runtime, and workers
seen recently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from swath.errors import SwathError
from swath.services.containers import choose_container_runtime, probe_engine
from swath.services.context import ServiceContext
from swath.settings import Settings
from swath.store.database import reading
from swath.store.records import WorkerRecord
from swath.store.workers import list_workers


@dataclass(frozen=True)
class Check:
    name: str
    healthy: bool
    detail: str


@dataclass(frozen=True)
class Health:
    checks: list[Check]
    # Celery workers that beat within `worker_seen_window`; empty with the local executor.
    workers: list[WorkerRecord]

    @property
    def healthy(self) -> bool:
        return all(check.healthy for check in self.checks)


def check_health(context: ServiceContext) -> Health:
    checks = [
        _check("database", lambda: _ping_database(context)),
        # The local executor's runners are on this machine: nothing to reach, but it answers all the same.
        # The local executor's runners are on this machine: the pool process runs and beats.
        _check("broker" if context.settings.executor == "celery" else "runners", context.executor.check),
        _check("storage", context.storage.check),
        _check_containers(context.settings),
    ]
    workers: list[WorkerRecord] = []
    if context.settings.executor == "celery" and checks[0].healthy:
        window = context.settings.worker_seen_window
        with reading(context.sessions) as session:
            workers = list_workers(session, datetime.now(UTC) - timedelta(seconds=window))
        detail = f"{len(workers)} seen in the last {window:g} s" if workers else f"none seen in the last {window:g} s"
        checks.append(Check("workers", bool(workers), detail))
    return Health(checks, workers)


def _check(name: str, probe: Callable[[], None]) -> Check:
    try:
        probe()
    except SwathError as error:
        return Check(name, False, error.detail)
    return Check(name, True, "ok")


def _ping_database(context: ServiceContext) -> None:
    with reading(context.sessions) as session:
        session.execute(text("SELECT 1"))


def _check_containers(settings: Settings) -> Check:
    """The runtime chosen at start-up, probed again (a container run) when it is an engine; and whether tools run on
    the host. With the Celery executor, workers choose their own runtime; this is the API's."""
    runtime = choose_container_runtime(settings.container_runtime)
    host = "allowed" if settings.host_tools_allowed else "not allowed (SWATH_ALLOW_HOST_TOOLS)"
    if runtime.engine is not None:
        reason = probe_engine(runtime.engine)
        if reason is not None:
            return Check("containers", False, f"{runtime.engine} was chosen at start-up, but {reason}.")
    return Check("containers", True, f"{runtime.detail} Tools on the host: {host}.")
