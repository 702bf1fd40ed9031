"""Results as HTTP responses: the results document, or one output as the whole body (`response=raw`)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import Request, Response
from fastapi.responses import FileResponse, JSONResponse

from swath.layout import output_path
from swath.services import jobs
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.services.results import RawOutput, TextReader, catalog_link, raw_output, results_document
from swath.services.signed_urls import sign_hrefs
from swath.store.records import JSON, JobRecord, JobResults, StoredFile


def _reader(context: ServiceContext) -> TextReader:
    def read_text(stored: StoredFile) -> str:
        return context.storage.local_path(stored.key).read_text(encoding="utf-8", errors="replace")

    return read_text


def results_response(
    request: Request, context: ServiceContext, job_id: str, viewer: Identity, raw: bool = False
) -> Response:
    """The results of a finished job; raw only when exactly one output is wanted, else the document."""
    job, results = jobs.get_results(context, job_id, viewer)
    wanted = list(job.outputs or results.outputs)
    if raw and len(wanted) == 1 and wanted[0] in results.outputs:
        return raw_response(context, raw_output(results.outputs[wanted[0]]))
    document = _signed(request, context, job, results_document(job, results, _reader(context)))
    catalog = _signed_catalog_link(request, context, job, results)
    headers = {"Link": _link_header(catalog)} if catalog else None
    return JSONResponse(document, headers=headers)


def job_results_document(request: Request, context: ServiceContext, job_id: str, viewer: Identity) -> JSON:
    """The results document of a finished job, as `results_response` sends it (the HTML page shows it too)."""
    job, results = jobs.get_results(context, job_id, viewer)
    document: JSON = _signed(request, context, job, results_document(job, results, _reader(context)))
    return document


def job_catalog_link(request: Request, context: ServiceContext, job_id: str, viewer: Identity) -> JSON | None:
    """The link to a finished job's STAC catalog (signed like its outputs), or None when it wrote none."""
    job, results = jobs.get_results(context, job_id, viewer)
    return _signed_catalog_link(request, context, job, results)


def _signed_catalog_link(request: Request, context: ServiceContext, job: JobRecord, results: JobResults) -> JSON | None:
    link = catalog_link(results)
    if link is None:
        return None
    signed: JSON = _signed(request, context, job, {"catalog": link})["catalog"]
    return signed


def _link_header(link: JSON) -> str:
    """One RFC 8288 `Link` header value: `<href>; rel="catalog"; type="..."; title="..."`."""
    parameters = "".join(f'; {name}="{link[name]}"' for name in ("rel", "type", "title") if link.get(name))
    return f"<{link['href']}>{parameters}"


def _signed(
    request: Request, context: ServiceContext, job: JobRecord, document: JSON, served_at: str | None = None
) -> JSON:
    """With authentication on, output hrefs carry a signature, so tools that send no headers can follow them."""
    if not request.app.state.auth_on:
        return document
    settings = context.settings
    base = settings.resolved_public_url + output_path(job.id)
    signed: JSON = sign_hrefs(
        document, request.app.state.signing_key, base, job.created_by, settings.auth_signed_url_expiry, served_at
    )
    return signed


def signed_stac_response(
    request: Request, context: ServiceContext, job_id: str, relative_path: str, viewer: Identity
) -> Response | None:
    """A STAC document among a job's outputs with its hrefs to the job's files signed, or None for any other file.

    A tool given the signed URL of a job's `catalog.json` follows the catalog's links to items and assets; those
    are stored unsigned and often relative (a signature expires, the catalog does not; and a relative href resolved
    against a signed URL loses its query), so they are made absolute and signed as the catalog is served.
    """
    if not request.app.state.auth_on or not relative_path.endswith(".json"):
        return None
    job = jobs.get_job(context, job_id, viewer)
    document = _stac_document(jobs.output_file(context, job_id, relative_path, viewer))
    if document is None:
        return None
    url = context.settings.resolved_public_url + output_path(job_id, relative_path)
    return JSONResponse(_signed(request, context, job, document, served_at=url), media_type="application/json")


# Catalogs and items are small; a larger .json output is served as the file it is.
_STAC_LIMIT = 8 * 1024 * 1024
_STAC_TYPES = ("Catalog", "Collection", "Feature")


def _stac_document(path: Path) -> JSON | None:
    if not path.is_file() or path.stat().st_size > _STAC_LIMIT:
        return None
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(document, dict) and "stac_version" in document and document.get("type") in _STAC_TYPES:
        return document
    return None


def output_response(context: ServiceContext, job_id: str, output_id: str, viewer: Identity) -> Response:
    _, output = jobs.get_output(context, job_id, output_id, viewer)
    return raw_response(context, raw_output(output))


def raw_response(context: ServiceContext, output: RawOutput) -> Response:
    if output.file is not None:
        path = context.storage.local_path(output.file.key)
        return FileResponse(path, media_type=output.file.media_type, filename=path.name)
    if output.links is not None:
        return JSONResponse(output.links)
    if isinstance(output.value, str):
        return Response(output.value, media_type="text/plain; charset=utf-8")
    return JSONResponse(output.value)
