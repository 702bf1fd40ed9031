"""`swath worker`: a Celery worker that runs jobs of the queue classes it serves, on any machine that reaches the
broker, the database and the storage.

The worker's main process warms cwltool up before its pool processes are forked (each then starts a job's child
in ~40 ms, DESIGN.md), and records itself in the workers table, beating while it lives, for `/health`. Each pool
process runs one job at a time (`swath.runner.delivery`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import signals

from swath.errors import StorageUnavailable, StoreUnavailable
from swath.executors.celery import create_celery_app
from swath.runner.execute import warm_up
from swath.settings import Settings
from swath.storage import open_storage
from swath.store import workers as worker_store
from swath.store.database import create_database_engine, create_session_factory, transaction
from swath.store.records import WorkerRecord

log = logging.getLogger("swath.worker")

# Rows of workers silent this long are deleted when a worker starts.
_FORGET_AFTER = timedelta(days=7)


def served_queues(settings: Settings, names: list[str]) -> list[str]:
    """The queue classes a worker asked for `names` serves (all configured ones when empty); ValueError for a name
    that is not configured."""
    known = [queue.name for queue in settings.queues]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"queue class '{unknown[0]}' is not configured; configured: {', '.join(known)}")
    return names or known


def run_worker(settings: Settings, served: list[str], concurrency: int) -> None:
    """Serve the queue classes `served` with `concurrency` jobs at once; blocks until the worker is stopped."""
    for folder in (settings.work_dir, settings.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
    app = create_celery_app(settings)
    warm_up(settings.container_runtime)
    try:
        # Also loads the S3 client's models once, before the pool processes are forked.
        open_storage(settings).check()
    except StorageUnavailable as error:
        log.warning("Storage: %s Jobs will fail to store outputs until it answers.", error.detail)
    beat = _WorkerBeat(settings, served, concurrency)
    signals.worker_ready.connect(beat.start, weak=False)
    signals.worker_shutdown.connect(beat.stop, weak=False)
    worker = app.Worker(
        queues=[settings.queue_name(name) for name in served],
        concurrency=concurrency,
        pool="prefork",
        loglevel=settings.log_level.upper(),
        hostname=f"swath-{os.getpid()}@{socket.gethostname()}",
        without_gossip=True,
        without_mingle=True,
    )
    worker.start()


class _WorkerBeat:
    """Keeps this worker's row in the workers table fresh, from a thread of the main process."""

    def __init__(self, settings: Settings, queues: list[str], concurrency: int) -> None:
        self.settings = settings
        self.record = WorkerRecord(
            id=f"{socket.gethostname()}:{os.getpid()}",
            hostname=socket.gethostname(),
            queues=queues,
            concurrency=concurrency,
            started=datetime.now(UTC),
            last_seen=datetime.now(UTC),
        )
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="swath-worker-beat", daemon=True)

    def start(self, **_: Any) -> None:
        self._thread.start()

    def stop(self, **_: Any) -> None:
        self._stopped.set()

    def _run(self) -> None:
        engine = create_database_engine(self.settings.resolved_database_url)
        sessions = create_session_factory(engine)
        registered = False
        while not self._stopped.is_set():
            try:
                with transaction(sessions) as session:
                    if not registered or not worker_store.beat_worker(session, self.record.id, datetime.now(UTC)):
                        forget_before = datetime.now(UTC) - _FORGET_AFTER
                        worker_store.register_worker(session, self.record, forget_before)
                        registered = True
            except StoreUnavailable as error:
                log.warning("Worker beat: %s", error.detail)
            self._stopped.wait(self.settings.heartbeat_interval)
        engine.dispose()
