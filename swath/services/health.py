"""Is the service able to run jobs now: the database (read and written), the broker, the storage, the disk's free
space, the container runtime, and workers seen recently.

`refuse_new_work` is the same judgement, made cheaply on every submission and upload: a service that cannot keep
a job answers 503 (`storage-full`, `store-unavailable`) rather than accepting a job it will fail.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from swath.errors import StorageFull, StoreUnavailable, SwathError
from swath.services.containers import choose_container_runtime, probe_engine
from swath.services.context import ServiceContext
from swath.settings import Settings
from swath.store.database import check_writable, database_file, reading
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
        # The local executor's runners are on this machine: the pool process runs and beats.
        _check("broker" if context.settings.executor == "celery" else "runners", context.executor.check),
        _check("storage", context.storage.check),
        _check_containers(context.settings),
        _check("disk", lambda: check_free_space(context.settings)),
        _check("database-writes", lambda: check_writable(context.sessions)),
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


def check_free_space(settings: Settings) -> None:
    """StorageFull when the data directory, or the work directory (often a file system of its own), has less free
    space than `min_free_space`."""
    wanted = settings.min_free_space
    for what, folder in (("data directory", settings.data_dir), ("work directory", settings.work_dir)):
        if not folder.exists():
            continue
        free = shutil.disk_usage(folder).free
        if free < wanted:
            raise StorageFull(
                f"The {what} has {_megabytes(free)} free, less than the {_megabytes(wanted)} it must keep "
                "(setting min_free_space); new jobs wait until space is freed."
            )


def refuse_new_work(context: ServiceContext) -> None:
    """Raise StorageFull or StoreUnavailable when a job or upload accepted now could not be kept; a few
    microseconds (two stat calls), unlike the write probe of /health."""
    check_free_space(context.settings)
    path = database_file(context.sessions)
    if path is not None and not path.exists():
        raise StoreUnavailable("The database file has been removed; jobs accepted now would be lost at restart.")


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:,.1f} MB"
