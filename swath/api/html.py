"""HTML pages for people with a browser (OGC API - Processes Part 1, conformance class `html`).

Content negotiation happens here and nowhere else: `f=html` / `f=json` decide when given; otherwise the `Accept`
header does, and HTML wins only when the client ranks `text/html` above JSON, as a browser does. `*/*`, JSON or no
`Accept` at all keep the JSON default (OGC API - Common: JSON is the encoding clients get unless they ask).

Pages render the same pydantic documents the JSON answers carry, so a page never shows data the JSON lacks. The
helpers below only shape those documents for reading (type names, example requests, durations); Jinja's autoescape
is on, so every value from a package or a job is escaped.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from swath.api.render import base_url
from swath.api.schemas import Process, StatusInfo
from swath.services import jobs
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.store.jobs import JobFilter

HTML_TYPE = "text/html"
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_JSON_TYPES = {"application/json", "application/problem+json"}
# The job page shows the end of the log; the whole log stays one link away. 256 KiB holds ~200 lines of any
# cwltool log seen so far without reading a large log into memory on every refresh.
_LOG_LINES = 200
_LOG_BYTES = 256 * 1024


def wants_html(request: Request) -> bool:
    """Whether this request asked for the HTML form of its resource."""
    form = request.query_params.get("f")
    if form in ("html", "json"):
        return form == "html"
    return _ranks_html_first(request.headers.get("accept", ""))


def _ranks_html_first(accept: str) -> bool:
    html = json_ = 0.0
    for media_range in accept.split(","):
        media_type, *parameters = (part.strip().lower() for part in media_range.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type in _HTML_TYPES:
            html = max(html, quality)
        elif media_type in _JSON_TYPES or media_type.endswith("+json"):
            json_ = max(json_, quality)
    # A tie keeps JSON: it is the default form, and `*/*` alone counts for neither.
    return html > json_


def render_html(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page `template` rendered with `context`, plus `request` and `base` (the API's root URL) for links."""
    page = _ENVIRONMENT.get_template(template).render(request=request, base=base_url(request), **context)
    # Caches must keep the JSON and the HTML form of one URL apart.
    return HTMLResponse(page, status_code=status_code, headers={"Vary": "Accept"})


@dataclass(frozen=True)
class LogTail:
    """The end of a job's log, and the byte offset after it: where the page's log follower goes on reading."""

    text: str
    offset: int


def log_tail(context: ServiceContext, job_id: str, viewer: Identity) -> LogTail:
    """The last lines of a job's log, for the job page (none once retention purged it)."""
    if jobs.get_job(context, job_id, viewer).purged is not None:
        return LogTail("", 0)
    path = context.settings.job_log(job_id)
    size = path.stat().st_size if path.exists() else 0
    since = max(0, size - _LOG_BYTES)
    chunk = jobs.read_log(context, job_id, viewer, since)
    lines = chunk.data.decode("utf-8", errors="replace").splitlines()
    if since:
        lines = lines[1:]  # the first line read from the middle of the file is only a part of a line
    return LogTail("\n".join(lines[-_LOG_LINES:]), chunk.next_offset)


@dataclass(frozen=True)
class OutputFile:
    """One stored file of a successful job, for the job page's download list."""

    output_id: str
    name: str
    href: str
    size: int
    media_type: str


@dataclass(frozen=True)
class OutputListing:
    """What the job page shows of a successful job's results: its files, and its STAC catalog for the map."""

    files: list[OutputFile]
    catalog_href: str | None


def output_listing(context: ServiceContext, job_id: str, viewer: Identity) -> OutputListing:
    """Every file the job's outputs hold, by output, with its size; and where its STAC catalog is (none once
    retention purged them)."""
    if jobs.get_job(context, job_id, viewer).purged is not None:
        return OutputListing([], None)
    _, results = jobs.get_results(context, job_id, viewer)
    files = [
        OutputFile(output_id, stored.key.rsplit("/", 1)[-1], stored.href, stored.size, stored.media_type)
        for output_id, output in results.outputs.items()
        for stored in output.files
    ]
    return OutputListing(files, results.catalog.href if results.catalog else None)


@dataclass(frozen=True)
class JobFilterForm:
    """What the job list's filter form shows: the filter of the page, in the form's own fields."""

    statuses: list[str]
    process_ids: list[str]
    created_from: str
    created_to: str
    datetime: str
    limit: int

    @property
    def active(self) -> bool:
        return bool(self.statuses or self.process_ids or self.datetime)


def job_filter_form(where: JobFilter, datetime_text: str | None, limit: int) -> JobFilterForm:
    def local(moment: datetime | None) -> str:
        # `datetime-local` fields hold no zone; the form says they are UTC.
        return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")

    return JobFilterForm(
        statuses=[status.value for status in where.statuses],
        process_ids=[str(ref) for ref in where.processes],
        created_from=local(where.created_after),
        created_to=local(where.created_before),
        datetime=datetime_text or "",
        limit=limit,
    )


def _size(size: int) -> str:
    """A byte count for people: `812 B`, `4.2 KiB`, `1.5 GiB`."""
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} B"


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {rest} s"


def _duration(job: StatusInfo) -> str:
    """How long a job ran, or has been running so far."""
    if job.started is None:
        return "—"
    end = job.finished or datetime.now(UTC)
    return _seconds(max(0.0, (end - job.started).total_seconds()))


def _queue_place(job: StatusInfo) -> str:
    """Where a queued job stands and why it waits (`#3, user cap 4 reached`); a dash for any other job."""
    if job.queuePosition is None:
        return "—"
    return f"#{job.queuePosition}, {job.waitReason}" if job.waitReason else f"#{job.queuePosition}"


def _schema_type(schema: Any) -> str:
    """A JSON schema's type in a few words: `string (date-time)`, `array of integer`, `number or string`."""
    if not isinstance(schema, dict):
        return "any"
    for combiner in ("oneOf", "anyOf"):
        if isinstance(schema.get(combiner), list):
            return " or ".join(dict.fromkeys(_schema_type(variant) for variant in schema[combiner]))
    if isinstance(schema.get("allOf"), list):
        formats = [part["format"] for part in schema["allOf"] if isinstance(part, dict) and "format" in part]
        return formats[0] if formats else " and ".join(_schema_type(part) for part in schema["allOf"])
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return f"array of {_schema_type(schema.get('items'))}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    if "contentMediaType" in schema:
        return f"{kind} ({schema['contentMediaType']})"
    return kind


def _io_type(description: dict[str, Any]) -> str:
    """The type of a process input or output: its CWL File/Directory class, or its schema's type."""
    cwl_class = description.get("x-cwl-class")
    if cwl_class:
        return f"{cwl_class} (URI)"
    return _schema_type(description.get("schema"))


_EXAMPLE_STRINGS = {"date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "uri": "https://example.com/data"}


def _example_value(schema: Any, depth: int = 0) -> Any:
    """A value that the schema accepts, for the example execute request: its default, its first choice, or a
    placeholder of its type."""
    if not isinstance(schema, dict) or depth > 4:
        return None
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combiner in ("oneOf", "anyOf", "allOf"):
        variants = [variant for variant in schema.get(combiner) or [] if isinstance(variant, dict)]
        typed = [variant for variant in variants if "type" in variant]
        if typed:
            return _example_value(typed[0], depth + 1)
    kind = schema.get("type")
    if kind == "array":
        return [_example_value(schema.get("items"), depth + 1)] * max(1, int(schema.get("minItems", 1)))
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: _example_value(part, depth + 1) for name, part in properties.items()}
    placeholders = {"integer": 1, "number": 1.0, "boolean": True}
    if kind in placeholders:
        return placeholders[kind]
    return _EXAMPLE_STRINGS.get(str(schema.get("format")), "text") if kind == "string" else None


def _example_execute(process: Process) -> dict[str, Any]:
    """An execute request for the process, with a placeholder for each input: a start to edit, not a recipe."""
    inputs: dict[str, Any] = {}
    for name, description in (process.inputs or {}).items():
        if description.get("x-cwl-class"):
            inputs[name] = {"href": f"https://example.com/data/{name}"}
        else:
            inputs[name] = _example_value(description.get("schema"))
    return {"inputs": inputs}


def _curl(url: str, body: dict[str, Any]) -> str:
    """The curl command that posts `body` to `url` as an asynchronous execute request."""
    payload = json.dumps(body, indent=2)
    return (
        f"curl -X POST {shlex.quote(url)} \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  -H 'Prefer: respond-async' \\\n"
        f"  -d {shlex.quote(payload)}"
    )


def _is_web_url(value: Any) -> bool:
    """Whether `value` may become a link: an http(s) URL. A job's literal outputs and a tool's own STAC assets
    can hold any string, and autoescape does not stop `javascript:` or `data:` links; those are shown as text."""
    return isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https")


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("swath.api", "templates"),
        autoescape=True,  # every template is HTML, and every value in it comes from packages and jobs
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        when=_when,
        duration=_duration,
        queue_place=_queue_place,
        io_type=_io_type,
        pretty_json=_pretty_json,
        example_execute=_example_execute,
        curl=_curl,
        size=_size,
    )
    environment.tests["web_url"] = _is_web_url
    return environment


_ENVIRONMENT = _environment()
