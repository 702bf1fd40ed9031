"""Results as HTTP responses: the results document, or one output as the whole body (`response=raw`)."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import FileResponse, JSONResponse

from swath.services import jobs
from swath.services.context import ServiceContext
from swath.services.results import RawOutput, TextReader, raw_output, results_document
from swath.store.records import JSON, StoredFile


def _reader(context: ServiceContext) -> TextReader:
    def read_text(stored: StoredFile) -> str:
        return context.storage.local_path(stored.key).read_text(encoding="utf-8", errors="replace")

    return read_text


def results_response(context: ServiceContext, job_id: str, raw: bool = False) -> Response:
    """The results of a finished job; raw only when exactly one output is wanted, else the document."""
    job, results = jobs.get_results(context, job_id)
    wanted = list(job.outputs or results.outputs)
    if raw and len(wanted) == 1 and wanted[0] in results.outputs:
        return raw_response(context, raw_output(results.outputs[wanted[0]]))
    return JSONResponse(results_document(job, results, _reader(context)))


def job_results_document(context: ServiceContext, job_id: str) -> JSON:
    """The results document of a finished job, as `results_response` sends it (the HTML page shows it too)."""
    job, results = jobs.get_results(context, job_id)
    return results_document(job, results, _reader(context))


def output_response(context: ServiceContext, job_id: str, output_id: str) -> Response:
    _, output = jobs.get_output(context, job_id, output_id)
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
