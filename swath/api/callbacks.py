"""The server's callback sender: the documents each callback carries (the API's own, linked under the public URL),
and the loop that sends the callbacks that come due (swath.services.callbacks holds the rules)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from swath.api.render import status_document
from swath.services import jobs
from swath.services.callbacks import CallbackDocuments, send_callbacks, take_due_callbacks
from swath.services.context import ServiceContext
from swath.services.results import results_document
from swath.store.records import JSON, JobRecord, StoredFile

log = logging.getLogger("swath.callbacks")

# Deliveries wait on other servers (and on their back-off); a few threads keep a slow receiver from holding others.
_SENDERS = 4


def callback_documents(context: ServiceContext) -> CallbackDocuments:
    base = context.settings.resolved_public_url.rstrip("/")

    def read_text(stored: StoredFile) -> str:
        return context.storage.local_path(stored.key).read_text(encoding="utf-8", errors="replace")

    def status(job: JobRecord) -> JSON:
        document: JSON = status_document(base, job).model_dump(mode="json", exclude_none=True)
        return document

    def results(job: JobRecord) -> JSON:
        finished, stored = jobs.get_results_of(context, job.id)
        return results_document(finished, stored, read_text)

    def failure(job: JobRecord) -> JSON:
        # An exception document (exception.yaml) about the job, with its id as a member, as errors carry theirs.
        return {
            "type": "https://swath.dev/exceptions/job-failed",
            "title": "Job failed",
            "status": 500,
            "detail": job.message or "The job failed.",
            "jobID": job.id,
            "processID": job.process_id,
        }

    return CallbackDocuments(status=status, results=results, failure=failure)


async def send_callbacks_forever(context: ServiceContext) -> None:
    documents = callback_documents(context)
    with ThreadPoolExecutor(_SENDERS, thread_name_prefix="swath-callback") as senders:
        while True:
            await asyncio.sleep(context.settings.callback_interval)
            try:
                due = await asyncio.to_thread(take_due_callbacks, context)
            except Exception:  # the sender must outlive a passing database error; the next round retries
                log.exception("Looking for callbacks to send failed")
                continue
            for job, events in due:
                senders.submit(_send_logged, context, job, events, documents)


def _send_logged(context: ServiceContext, job: JobRecord, events: list, documents: CallbackDocuments) -> None:  # type: ignore[type-arg]
    try:
        send_callbacks(context, job, events, documents)
    except Exception:  # one job's callback must not end the sender thread
        log.exception("Sending the callbacks of job %s failed", job.id)
