"""Records rendered as OGC documents, with links built from the address the client used."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request

from swath.api.schemas import Link, Process, ProcessSummary, StatusInfo
from swath.layout import CATALOG_NAME, job_path, output_path
from swath.process_ids import format_process_ref, quote_process_ref
from swath.store.records import JobRecord, JobStatus, ProcessRecord

REL = "http://www.opengis.net/def/rel/ogc/1.0/"
JSON_TYPE = "application/json"


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def process_url(request: Request, process_id: str, version: str | None = None) -> str:
    """The address of a process: of one version when it is named, else of the newest."""
    return f"{base_url(request)}/processes/{quote_process_ref(format_process_ref(process_id, version))}"


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
    )


def process_document(request: Request, process: ProcessRecord) -> Process:
    summary = process_summary(request, process)
    return Process(
        **summary.model_dump(),
        # `x-cwl-class` notes in them mark file inputs and outputs: an extension member, as OpenAPI spells them.
        inputs=process.description.inputs,
        outputs=process.description.outputs,
    )


def status_info(request: Request, job: JobRecord) -> StatusInfo:
    url = job_url(request, job.id)
    links = [
        Link(href=url, rel="self", type=JSON_TYPE, title="Job status"),
        Link(
            href=f"{url}/logs",
            rel="http://www.opengis.net/def/rel/iana/1.0/describedby",
            type="text/plain",
            title="Job log",
        ),
        Link(
            href=process_url(request, job.process_id, job.process_version),
            rel="process",
            type=JSON_TYPE,
            title="Process",
        ),
    ]
    if job.status is JobStatus.successful:
        links.append(Link(href=f"{url}/results", rel=REL + "results", type=JSON_TYPE, title="Job results"))
        links.append(
            Link(
                href=base_url(request) + output_path(job.id, CATALOG_NAME),
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
        message=job.message,
        created=job.created,
        started=job.started,
        finished=job.finished,
        updated=job.updated,
        progress=job.progress,
        links=links,
    )
