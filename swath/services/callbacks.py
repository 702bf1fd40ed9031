"""Job callbacks (OGC API - Processes, conformance class `callback`): a job's `subscriber` URIs are sent the job's
documents as it moves: `inProgressUri` the status (statusInfo) once it runs, `successUri` the results document when
it succeeds (the callback `jobCompleted` of the execute operation), `failedUri` an exception document when it fails.

Every executor writes status the same way (store.jobs.move_job), so the server notices the moves itself, whoever
ran the job: it polls for jobs whose status has passed the last one notified, takes them by compare-and-set under
a lease (two servers never send the same callback), and sends each document once, retried with a doubling
back-off. Every attempt is recorded on the job (`GET /jobs/{id}/callbacks`). The lease is renewed before each
attempt and each pause; a server that stops mid-delivery lets it run out, and the next server to poll resumes the
job's callbacks, skipping those a receiver already accepted. Each URI is checked against the address rules of
`services.network` when the job is submitted and again before every attempt, so a callback never reaches a loopback,
private or link-local address unless `SWATH_ALLOWED_NETWORKS` holds it; redirects are not followed.

A job that went from `accepted` to its end between two polls still gets its in-progress callback first: the status
document then shows the job as it was while it ran (status `running`, no end time).
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx

from swath.errors import AddressRefused
from swath.services.context import ServiceContext
from swath.services.network import check_url, parse_networks
from swath.store import callbacks as store
from swath.store.callbacks import Delivery
from swath.store.database import reading, transaction
from swath.store.records import JSON, JobRecord, JobStatus, Subscriber

_BATCH = 50


class CallbackEvent(enum.StrEnum):
    in_progress = "inProgress"
    success = "success"
    failed = "failed"


@dataclass(frozen=True)
class CallbackDocuments:
    """How each callback's body is written; the API supplies these (they are its documents, with its links)."""

    status: Callable[[JobRecord], JSON]
    results: Callable[[JobRecord], JSON]
    failure: Callable[[JobRecord], JSON]


def check_subscriber(context: ServiceContext, subscriber: Subscriber) -> None:
    """Refuse a subscriber URI that is not http(s) or leads to an address callbacks may not reach (AddressRefused)."""
    allowed = parse_networks(context.settings.allowed_networks)
    for uri in (subscriber.success_uri, subscriber.in_progress_uri, subscriber.failed_uri):
        if uri:
            check_url(uri, allowed)


def take_due_callbacks(context: ServiceContext) -> list[tuple[JobRecord, list[CallbackEvent]]]:
    """The callbacks now due, each job's in order, taken by this server; the caller sends them (`send_callbacks`)."""
    now = datetime.now(UTC)
    with reading(context.sessions) as session:
        candidates = store.list_jobs_to_notify(session, now, _BATCH)
    taken: list[tuple[JobRecord, list[CallbackEvent]]] = []
    for job in candidates:
        with transaction(context.sessions) as session:
            won = store.take_notification(session, job, now, _lease_end(context, pause=0))
        if won:
            taken.append((job, _events(job)))
    return taken


def _lease_end(context: ServiceContext, pause: float) -> datetime:
    # Long enough for a pause and one attempt, with as much again to spare; renewed before each.
    return datetime.now(UTC) + timedelta(seconds=pause + 2 * context.settings.callback_timeout)


def _events(job: JobRecord) -> list[CallbackEvent]:
    events = []
    if job.notified == JobStatus.accepted and job.started is not None:
        events.append(CallbackEvent.in_progress)
    if job.status is JobStatus.successful:
        events.append(CallbackEvent.success)
    elif job.status is JobStatus.failed:
        events.append(CallbackEvent.failed)
    return events


def send_callbacks(
    context: ServiceContext, job: JobRecord, events: list[CallbackEvent], documents: CallbackDocuments
) -> None:
    """Send `job`'s callbacks for `events`, in order, each to its URI if the subscriber named one, then release
    them. A callback a receiver accepted before (its sender stopped before releasing it) is not sent again."""
    subscriber = job.subscriber or Subscriber()
    for event in events:
        if event is CallbackEvent.in_progress and subscriber.in_progress_uri:
            running = dataclasses.replace(job, status=JobStatus.running, finished=None)
            _deliver(context, job, event, subscriber.in_progress_uri, partial(documents.status, running))
        elif event is CallbackEvent.success and subscriber.success_uri:
            _deliver(context, job, event, subscriber.success_uri, partial(documents.results, job))
        elif event is CallbackEvent.failed and subscriber.failed_uri:
            _deliver(context, job, event, subscriber.failed_uri, partial(documents.failure, job))
    with transaction(context.sessions) as session:
        store.finish_notification(session, job)


def _deliver(
    context: ServiceContext, job: JobRecord, event: CallbackEvent, uri: str, document: Callable[[], JSON]
) -> None:
    """POST the document to `uri` until it answers 2xx, at most `callback_attempts` times, recording each attempt."""
    with reading(context.sessions) as session:
        if store.was_delivered(session, job.id, event, uri):
            return
    settings = context.settings
    allowed = parse_networks(settings.allowed_networks)
    body = document()
    pause = settings.callback_backoff
    for attempt in range(1, settings.callback_attempts + 1):
        _hold(context, job, pause=0)
        status_code: int | None = None
        error: str | None = None
        refused = False
        try:
            check_url(uri, allowed)
            with httpx.Client(follow_redirects=False, timeout=settings.callback_timeout) as client:
                status_code = client.post(uri, json=body).status_code
        except AddressRefused as refusal:
            error, refused = str(refusal), True
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        with transaction(context.sessions) as session:
            store.record_delivery(session, job.id, Delivery(event, uri, attempt, datetime.now(UTC), status_code, error))
        if refused or (status_code is not None and 200 <= status_code < 300):
            return
        if attempt < settings.callback_attempts:
            _hold(context, job, pause)
            time.sleep(pause)
            pause *= 2


def _hold(context: ServiceContext, job: JobRecord, pause: float) -> None:
    with transaction(context.sessions) as session:
        store.extend_notification(session, job, _lease_end(context, pause))


def list_deliveries(context: ServiceContext, job_id: str) -> list[Delivery]:
    with reading(context.sessions) as session:
        return store.list_deliveries(session, job_id)
