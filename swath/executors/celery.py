"""The Celery executor: jobs go through a broker (RabbitMQ, or Redis) to `swath worker` processes on any machine.

One task per job, carrying only the job id; the job table does the claiming (DESIGN.md: delivery is at least once
everywhere). Acknowledged late, and rejected (so redelivered) when the worker process dies, with one message taken
at a time: a message is only off the broker once its job has ended. Each queue class is one broker queue named
`<queue_prefix>.<class>`.

RabbitMQ cancels a consumer that holds a message longer than its `consumer_timeout` (default 30 min), so long jobs
need it raised: `broker_consumer_timeout` sets the x-consumer-timeout queue argument (RabbitMQ 3.12 and newer);
on older servers set `consumer_timeout` in rabbitmq.conf (docs/deployment.md).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery import Celery, Task
from kombu.entity import Queue
from kombu.exceptions import OperationalError

from swath.errors import BrokerUnavailable, StoreUnavailable
from swath.runner.delivery import run_delivered_job
from swath.runner.supervision import Supervisor
from swath.services.recovery import RunnerId, RunnerKind
from swath.services.scheduling import MustWait
from swath.settings import Settings
from swath.storage import Storage, open_storage
from swath.store import jobs as job_store
from swath.store.database import create_database_engine, create_session_factory, reading

log = logging.getLogger("swath.executor")

TASK_NAME = "swath.run_job"
# How many queued jobs one start-up hands over again at most (those the broker may have lost, see `start`).
_RESUBMIT_LIMIT = 10000
# How long a worker waits before taking again a job it could not start because the database did not answer.
_RETRY_DELAY = 5.0
# How long a worker leaves a job that is over its user's or process's running cap before it is delivered again.
_CAP_RETRY_DELAY = 2.0
# How often the API tries again to send jobs that the broker did not take when they were submitted.
_RESEND_INTERVAL = 5.0


def create_celery_app(settings: Settings) -> Celery:
    """A Celery app for these settings; the task it registers runs a delivered job in the worker's pool process."""
    app = Celery("swath", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_queues=[_queue(settings, queue.name) for queue in settings.queues],
        task_default_queue=settings.queue_name(settings.queues[0].name),
        task_create_missing_queues=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        worker_hijack_root_logger=False,
        # A lost broker connection leaves running jobs alone: the job table, not the message, says who runs a job,
        # and a redelivery finds the job running and beating.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_redirect_stdouts=False,
    )
    runners = _PoolProcessState(settings)

    # Not shared: the task closes over these settings, and must not be lent to other apps in the process.
    @app.task(name=TASK_NAME, bind=True, shared=False)  # type: ignore[untyped-decorator]
    def run_job(task: Task, job_id: str) -> str:
        redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
        try:
            return run_delivered_job(runners.supervisor(), runners.storage(), job_id, redelivered)
        except StoreUnavailable as error:
            # The database is away for a moment: send this job's message again rather than lose it (a failed task
            # is acknowledged). A job this process claimed meanwhile is taken back by its stale heartbeat.
            log.warning("Job %s: %s Delivering it again in %g s.", job_id, error.detail, _RETRY_DELAY)
            raise task.retry(exc=error, countdown=_RETRY_DELAY, max_retries=None) from error
        except MustWait as wait:
            # The job stays accepted (its status says why); its message goes back to the broker, behind the others.
            log.info("%s Delivering it again in %g s.", wait, _CAP_RETRY_DELAY)
            raise task.retry(countdown=_CAP_RETRY_DELAY, max_retries=None) from wait

    return app


def _queue(settings: Settings, name: str) -> Queue:
    arguments: dict[str, Any] = {}
    if settings.broker_consumer_timeout is not None and not settings.is_redis_broker:
        arguments["x-consumer-timeout"] = int(settings.broker_consumer_timeout * 1000)
    full_name = settings.queue_name(name)
    return Queue(full_name, routing_key=full_name, queue_arguments=arguments or None)  # type: ignore[no-untyped-call]


def _transport_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"max_retries": 3}
    if settings.is_redis_broker:
        # Redis redelivers an unacknowledged job after this; the settings check that it exceeds the time limit.
        options["visibility_timeout"] = settings.broker_visibility_timeout
    return options


class _PoolProcessState:
    """The supervisor (with its database sessions) and storage client of one pool process, made on first use after
    the fork."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pid = 0
        self._supervisor: Supervisor | None = None
        self._storage: Storage | None = None

    def supervisor(self) -> Supervisor:
        self._after_fork()
        if self._supervisor is None:
            sessions = create_session_factory(create_database_engine(self.settings.resolved_database_url))
            runner = RunnerId.here(RunnerKind.celery)
            self._supervisor = Supervisor(self.settings, sessions, runner, check_caps=True)
        return self._supervisor

    def storage(self) -> Storage:
        self._after_fork()
        if self._storage is None:
            self._storage = open_storage(self.settings)
        return self._storage

    def _after_fork(self) -> None:
        # Connections and clients made by the process this one was forked from are not this process's to use.
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._supervisor, self._storage = None, None


class CeleryExecutor:
    """The API's side: sends a message per job. Workers run the jobs; dismissal reaches them through the table.

    A job the broker does not take at submission stays `accepted` in the table and is sent again every few seconds
    until the broker takes it, so a broker outage delays jobs but loses none.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_celery_app(settings)
        self._unsent: dict[str, str | None] = {}
        self._unsent_lock = threading.Lock()
        self._stopping = threading.Event()
        self._resender = threading.Thread(target=self._resend_unsent, name="swath-resend", daemon=True)

    def start(self) -> None:
        """Hand over queued jobs again: a server killed between committing a job and sending it leaves it queued
        with no message. A duplicate message is harmless (the table claims once)."""
        engine = create_database_engine(self.settings.resolved_database_url)
        try:
            with reading(create_session_factory(engine)) as session:
                queued = job_store.list_queued_jobs(session, _RESUBMIT_LIMIT)
        finally:
            engine.dispose()
        for job_id, queue in queued:
            self.submit(job_id, queue)
        if queued:
            log.info("Handed %d queued job(s) to the broker again.", len(queued))
        self._resender.start()

    def submit(self, job_id: str, queue: str | None = None) -> None:
        try:
            self._send(job_id, queue)
        except (OperationalError, OSError) as error:
            log.error("Could not send job %s to the broker (%r); it stays queued and is sent again.", job_id, error)
            with self._unsent_lock:
                self._unsent[job_id] = queue

    def _send(self, job_id: str, queue: str | None) -> None:
        self.app.send_task(
            TASK_NAME,
            args=[job_id],
            queue=self.settings.queue_name(queue or self.settings.queues[0].name),
            retry=True,
            retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
        )

    def _resend_unsent(self) -> None:
        while not self._stopping.wait(_RESEND_INTERVAL):
            with self._unsent_lock:
                unsent = list(self._unsent.items())
            for job_id, queue in unsent:
                try:
                    self._send(job_id, queue)
                except (OperationalError, OSError):
                    break  # the broker is still away; the next round tries again
                with self._unsent_lock:
                    self._unsent.pop(job_id, None)
                log.info("Sent job %s to the broker after an earlier attempt failed.", job_id)

    def cancel(self, job_id: str) -> None:
        # The worker running the job polls its status at every heartbeat and stops it (within one interval).
        return None

    def check(self) -> None:
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=3)
        except (OperationalError, OSError) as error:
            raise BrokerUnavailable(f"The broker at {_safe_url(self.settings.broker_url)} did not answer.") from error

    def stop(self) -> None:
        # Jobs run on the workers, not here: they go on while the API restarts. Unsent jobs stay queued in the
        # table, and the next start sends them.
        self._stopping.set()
        if self._resender.is_alive():
            self._resender.join()
        self.app.close()


def _safe_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
