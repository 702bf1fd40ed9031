"""Records rendered as OGC documents, with links built from the address the client used."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from fastapi import Request

from swath.api.schemas import (
    AttemptInfo,
    AttemptList,
    ContainerUseMember,
    Link,
    Process,
    ProcessSummary,
    StatusInfo,
)
from swath.layout import CATALOG_NAME, job_path, output_path
from swath.process_ids import format_process_ref, quote_process_ref
from swath.services.containers import ContainerUse
from swath.services.retries import RetryPolicy
from swath.services.scheduling import waiting_message
from swath.store.records import JSON, AttemptRecord, JobRecord, JobStatus, ProcessRecord

REL = "http://www.opengis.net/def/rel/ogc/1.0/"
# Swath's own link relations (RFC 8288 extension relation types are URIs).
SWATH_REL = "https://swath.dev/rel/"
JSON_TYPE = "application/json"


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def process_url(request: Request, process_id: str, version: str | None = None) -> str:
    """The address of a process: of one version when it is named, else of the newest."""
    return _process_href(base_url(request), process_id, version)


def _process_href(base: str, process_id: str, version: str | None) -> str:
    return f"{base}/processes/{quote_process_ref(format_process_ref(process_id, version))}"


def application_url(request: Request, name: str) -> str:
    return f"{base_url(request)}/applications/{quote(name, safe='')}"


def application_version_url(request: Request, name: str, version: str) -> str:
    return f"{application_url(request, name)}/versions/{quote(version, safe='')}"


def job_url(request: Request, job_id: str) -> str:
    return base_url(request) + job_path(job_id)


def _process_links(request: Request, process: ProcessRecord) -> list[Link]:
    # Links name the version, so they reach this one even after a newer version is deployed.
    url = process_url(request, process.id, process.version)
    reference = quote_process_ref(format_process_ref(process.id, process.version))
    links = [
        Link(href=url, rel="self", type=JSON_TYPE, title="Process description"),
        Link(href=f"{url}/execution", rel=REL + "execute", title="Execute endpoint"),
        Link(
            href=f"{url}/package",
            rel="http://www.opengis.net/def/rel/ogc/1.0/application-package",
            title="Application package",
        ),
        Link(
            href=f"{base_url(request)}/jobs?processID={reference}",
            rel=REL + "job-list",
            type=JSON_TYPE,
            title="Jobs of this process",
        ),
    ]
    if process.application_name and process.application_version:
        links.append(
            Link(
                href=application_version_url(request, process.application_name, process.application_version),
                rel="via",
                type=JSON_TYPE,
                title="The catalog version it was deployed from",
            )
        )
    return links


def process_summary(request: Request, process: ProcessRecord) -> ProcessSummary:
    description = process.description
    return ProcessSummary(
        id=process.id,
        version=process.version,
        title=description.title,
        description=description.description,
        keywords=description.keywords or None,
        jobControlOptions=description.job_control_options,
        outputTransmission=description.output_transmission,
        links=_process_links(request, process),
        visibleTo=list(process.visible_to) or None,
    )


def process_document(
    request: Request,
    process: ProcessRecord,
    use: ContainerUse | None = None,
    retry: RetryPolicy | None = None,
    reuse: JSON | None = None,
) -> Process:
    summary = process_summary(request, process)
    return Process(
        **summary.model_dump(),
        # `x-cwl-class` notes in them mark file inputs and outputs: an extension member, as OpenAPI spells them.
        inputs=process.description.inputs,
        outputs=process.description.outputs,
        containers=None
        if use is None
        else ContainerUseMember(engine=use.engine or "none", images=use.images, runsToolsOnHost=use.runs_tools_on_host),
        retry=retry.to_json() if retry is not None else None,
        reuse=reuse,
    )


def status_info(request: Request, job: JobRecord, reruns: Sequence[str] = ()) -> StatusInfo:
    return status_document(base_url(request), job, reruns)


def status_document(base: str, job: JobRecord, reruns: Sequence[str] = ()) -> StatusInfo:
    """statusInfo with links under `base`: the address the client used, or the public URL (callbacks).

    `reruns` are the jobs that re-run this one, linked when given (the single job's status reads them)."""
    url = base + job_path(job.id)
    links = [
        Link(href=url, rel="self", type=JSON_TYPE, title="Job status"),
        Link(
            href=f"{url}/logs",
            rel="http://www.opengis.net/def/rel/iana/1.0/describedby",
            type="text/plain",
            title="Job log",
        ),
        Link(
            href=_process_href(base, job.process_id, job.process_version),
            rel="process",
            type=JSON_TYPE,
            title="Process",
        ),
    ]
    links += _history_links(base, url, job, reruns)
    if job.status is JobStatus.successful:
        links.append(Link(href=f"{url}/results", rel=REL + "results", type=JSON_TYPE, title="Job results"))
        links.append(
            Link(
                href=base + output_path(job.id, CATALOG_NAME),
                rel="catalog",
                type=JSON_TYPE,
                title="STAC catalog",
            )
        )
    return StatusInfo(
        jobID=job.id,
        status=job.status.value,
        processID=job.process_id,
        processVersion=job.process_version,
        packageChecksum=job.package_checksum,
        message=waiting_message(job),
        created=job.created,
        started=job.started,
        finished=job.finished,
        updated=job.updated,
        progress=job.progress,
        batchJobID=job.batch_job_id,
        priority=job.priority,
        queuePosition=job.waiting.position if job.waiting else None,
        waitReason=job.waiting.reason if job.waiting else None,
        attempt=job.attempts or None,
        links=links,
    )


def _history_links(base: str, url: str, job: JobRecord, reruns: Sequence[str]) -> list[Link]:
    """The job's attempts, the job it re-runs and those re-running it, and the job whose results it reused."""
    links = [Link(href=f"{url}/attempts", rel=SWATH_REL + "attempts", type=JSON_TYPE, title="Attempts")]
    if job.rerun_of:
        links.append(
            Link(href=base + job_path(job.rerun_of), rel=SWATH_REL + "rerun-of", type=JSON_TYPE, title="Job re-run")
        )
    links += [
        Link(href=base + job_path(rerun), rel=SWATH_REL + "rerun", type=JSON_TYPE, title="Re-run of this job")
        for rerun in reruns
    ]
    if job.reused_from:
        links.append(
            Link(
                href=base + job_path(job.reused_from),
                rel=SWATH_REL + "reused-from",
                type=JSON_TYPE,
                title="Job whose results were reused",
            )
        )
    return links


def attempt_list(request: Request, job_id: str, attempts: Sequence[AttemptRecord]) -> AttemptList:
    url = base_url(request) + job_path(job_id)
    return AttemptList(
        jobID=job_id,
        attempts=[
            AttemptInfo(
                attempt=attempt.attempt,
                status=attempt.status,
                runner=attempt.runner,
                started=attempt.started,
                finished=attempt.finished,
                reason=attempt.reason,
                exitCode=attempt.exit_code,
                message=attempt.message,
                retryAt=attempt.retry_at,
                links=[
                    Link(
                        href=f"{url}/attempts/{attempt.attempt}/logs",
                        rel="http://www.opengis.net/def/rel/iana/1.0/describedby",
                        type="text/plain",
                        title=f"Log of attempt {attempt.attempt}",
                    )
                ],
            )
            for attempt in attempts
        ],
        links=[
            Link(href=f"{url}/attempts", rel="self", type=JSON_TYPE, title="Attempts"),
            Link(href=url, rel="up", type=JSON_TYPE, title="Job status"),
        ],
    )


def execute_document(job: JobRecord) -> JSON:
    """The execute request a job runs with: its inputs (file inputs as the links the job reads, after their checks),
    the outputs it asked for and its response type. Posted again, it runs the job again (Part 4 job inputs)."""
    outputs: JSON = {}
    for output_id, wanted in job.outputs.items():
        outputs[output_id] = {"transmissionMode": wanted.transmission_mode}
        if wanted.format:
            outputs[output_id]["format"] = wanted.format
    return {"inputs": job.inputs, "outputs": outputs}
