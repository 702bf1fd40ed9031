"""How a finished job's outputs are shown: the OGC results document (results.yaml) and single raw outputs.

Literal outputs are transmitted by value. File outputs are transmitted by reference (a link to the stored file) by
default; asked for by value, a small text file is inlined and anything else stays a reference, because inlining
large or binary products would make the document useless to clients.

An output asked for with `format: {"mediaType": "application/cwl+json"}` comes back as its CWL value, a qualified
value whose Files and Directories carry the stored files' hrefs as `location` (with `basename`, `size`, `format`,
`secondaryFiles`, nested `listing`s): the output object cwltool prints. Outputs that hold files inside records or
`Any` values, which no link or list of links can carry, always come back that way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swath.layout import CATALOG_NAME
from swath.ogc import TransmissionMode
from swath.services.cwlvalues import CWL_JSON
from swath.store.records import JSON, JobRecord, JobResults, OutputValue, StoredFile

_INLINE_LIMIT = 1 << 20
TextReader = Callable[[StoredFile], str]
_TEXT_TYPES = ("text/", "application/json", "application/geo+json", "application/yaml", "application/xml")


def file_link(stored: StoredFile) -> JSON:
    return {"href": stored.href, "type": stored.media_type, "rel": "enclosure", "title": stored.key.rsplit("/", 1)[-1]}


def catalog_link(results: JobResults) -> JSON | None:
    """The link to the STAC catalog of every file the job produced, if it wrote one."""
    if results.catalog is None:
        return None
    return {"href": results.catalog.href, "type": "application/json", "rel": "catalog", "title": "STAC catalog"}


def _is_inlinable(stored: StoredFile) -> bool:
    return stored.size <= _INLINE_LIMIT and stored.media_type.startswith(_TEXT_TYPES)


def output_document(
    output: OutputValue, transmission_mode: str, read_text: TextReader, media_type: str | None = None
) -> Any:
    """One output as it appears in the results document."""
    if output.value is not None and (media_type == CWL_JSON or (output.cwl_class is None and output.files)):
        return {"value": output.value, "mediaType": CWL_JSON}
    if output.cwl_class is None:
        return output.value
    if transmission_mode == TransmissionMode.value and len(output.files) == 1 and _is_inlinable(output.files[0]):
        stored = output.files[0]
        return {"value": read_text(stored), "mediaType": stored.media_type}
    if output.cwl_class == "File" and len(output.files) == 1:
        return file_link(output.files[0])
    catalog = directory_catalog(output)
    if catalog is not None:
        return {**file_link(catalog), "rel": "catalog"}
    # Directories without a catalog, and arrays of files: the list of their files, as one qualified value.
    return {"value": [file_link(stored) for stored in output.files], "mediaType": "application/json"}


def directory_catalog(output: OutputValue) -> StoredFile | None:
    """The STAC catalog at the top of a Directory output (OGC 20-089 stage-out), if it has one.

    It is served beside the directory's other files, so its relative hrefs resolve as they did in the job.
    """
    if output.cwl_class != "Directory":
        return None
    catalogs = [stored for stored in output.files if stored.key.endswith("/" + CATALOG_NAME)]
    return min(catalogs, key=lambda stored: stored.key.count("/"), default=None)


def results_document(job: JobRecord, results: JobResults, read_text: TextReader) -> JSON:
    """Every output the execute request asked for (all of them when it named none), and nothing else.

    The job's STAC catalog is not an output, so it is no member here (a strict client would read it as one): it is
    a `catalog` link of the status document and of the results response (`catalog_link`).
    """
    wanted = job.outputs or dict.fromkeys(results.outputs)
    document: JSON = {}
    for output_id in wanted:
        if output_id in results.outputs:
            request = job.outputs.get(output_id)
            mode = request.transmission_mode if request else TransmissionMode.reference
            media_type = (request.format or {}).get("mediaType") if request else None
            document[output_id] = output_document(results.outputs[output_id], mode, read_text, media_type)
    return document


@dataclass(frozen=True)
class RawOutput:
    """A single output sent as the whole response body (OGC `response=raw`)."""

    value: Any = None
    file: StoredFile | None = None
    # Several files cannot be one body; they go as a list of links.
    links: list[JSON] | None = None


def raw_output(output: OutputValue) -> RawOutput:
    if output.cwl_class is None:
        return RawOutput(value=output.value)
    if len(output.files) == 1:
        return RawOutput(file=output.files[0])
    catalog = directory_catalog(output)
    if catalog is not None:
        return RawOutput(file=catalog)
    return RawOutput(links=[file_link(stored) for stored in output.files])
