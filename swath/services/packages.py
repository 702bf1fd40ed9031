"""Turn a deploy body into a validated application package.

`package_sources.py` finds the CWL in the body (CWL, or an OGC Part 2 `ogcapppkg`). Whatever the form, the CWL is
validated by the real cwltool/schema-salad before anything is stored, so a
package that is deployed can be run, and a broken one is refused with cwltool's own message and line numbers.

This module is the one place that translates cwltool's loading errors; callers only see `InvalidPackage`,
`WorkflowNotFound` and `UnsupportedMediaType`.
"""

from __future__ import annotations

import functools
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cwl_utils.errors import WorkflowException
from cwltool.context import LoadingContext
from cwltool.load_tool import fetch_document, make_tool, resolve_and_validate_document
from cwltool.process import Process
from cwltool.workflow import default_make_tool
from schema_salad.exceptions import SchemaSaladException, ValidationException
from schema_salad.fetcher import DefaultFetcher

from swath.errors import AddressRefused, InvalidPackage, WorkflowNotFound
from swath.services.descriptions import describe_inputs, describe_outputs, named_types
from swath.services.network import IPNetwork, fetch_checked, parse_networks
from swath.services.package_sources import PackageSource, fetch_url, read_package_source
from swath.store.records import JSON, ProcessDescription

__all__ = ["ApplicationPackage", "parse_package"]

_REMOTE_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_PROCESS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
_SCHEMA_ORG = ("https://schema.org/", "http://schema.org/")
_JOB_CONTROL_OPTIONS = ("async-execute", "dismiss", "sync-execute")
_TRANSMISSION_MODES = ("reference", "value")
_DEFAULT_VERSION = "1.0.0"
# schema-salad keeps module-level caches that it fills while loading; it makes no promise of thread safety, and the
# API deploys from a thread pool. Loading takes milliseconds once warm, so one lock costs little.
_CWLTOOL_LOCK = threading.Lock()


@dataclass(frozen=True)
class ApplicationPackage:
    """A deploy body that cwltool accepted, with everything the process record needs."""

    id: str
    version: str
    # The whole CWL document as plain JSON ($graph kept); cwltool can load it again from a file.
    cwl: JSON
    # The id (without '#') of the object in `cwl` that runs. For a `$graph`, load `<file>#<workflow_id>`; a single
    # document is loaded as the file itself (it may have no `id`, in which case this is "main").
    workflow_id: str
    description: ProcessDescription
    # Exactly the bytes deployed, for `GET /processes/{id}/package`.
    package: bytes
    # The deploy media type without parameters, lower case.
    media_type: str


def parse_package(
    body: bytes,
    media_type: str,
    workflow: str | None = None,
    fetch: Callable[[str], bytes] | None = None,
    allowed_networks: Sequence[str] = (),
) -> ApplicationPackage:
    """Validate a deploy body and describe the process it defines.

    `workflow` picks the entry of a `$graph` (the OGC `w` query parameter). `fetch` reads an execution unit that
    an ogcapppkg body links to; by default it is fetched over HTTP(S) with `fetch_url`. Every http(s) fetch of a
    deploy (the execution unit, `run:`, `$import`, `$include`) reaches public addresses only, and the networks of
    `allowed_networks` (services/network.py).
    """
    networks = parse_networks(allowed_networks)
    essence, source = read_package_source(
        body, media_type, fetch or functools.partial(fetch_url, allowed_networks=networks)
    )
    entry_id, entry = _choose_entry(source.cwl, workflow)
    tool = _load_tool(source.text, entry_id if "$graph" in source.cwl else None, networks)
    return ApplicationPackage(
        id=_process_id(source, entry_id, entry),
        version=_version(source, entry),
        cwl=source.cwl,
        workflow_id=entry_id,
        description=_describe(source, entry, tool),
        package=body,
        media_type=essence,
    )


# Choosing and loading the CWL -------------------------------------------------------------------------------------


def _choose_entry(cwl: JSON, workflow: str | None) -> tuple[str, JSON]:
    """The id and object of the process to run, by the rules of OGC Part 2 `w` and cwltool's `#main`."""
    if "$graph" not in cwl:
        own_id = _bare_id(cwl.get("id")) or "main"
        if workflow is not None and workflow != own_id:
            raise WorkflowNotFound(f"Workflow '{workflow}' is not in the package, whose only process is '{own_id}'.")
        return own_id, cwl
    graph = cwl["$graph"]
    if not isinstance(graph, list) or not all(isinstance(item, dict) for item in graph):
        raise InvalidPackage("The package's $graph must be a list of CWL objects.")
    entries = {bare: item for item in graph if (bare := _bare_id(item.get("id")))}
    if not entries:
        raise InvalidPackage("The package's $graph holds no object with an `id`; give each process an `id`.")
    listing = ", ".join(entries)
    if workflow is not None:
        if workflow not in entries:
            raise WorkflowNotFound(f"Workflow '{workflow}' is not in the package's $graph, which holds: {listing}.")
        return workflow, entries[workflow]
    workflows = [key for key, item in entries.items() if item.get("class") == "Workflow"]
    if "main" in entries:
        return "main", entries["main"]
    if len(workflows) == 1:
        return workflows[0], entries[workflows[0]]
    if len(entries) == 1:
        return next(iter(entries.items()))
    raise WorkflowNotFound(
        f"The package's $graph holds several processes ({listing}); choose one with the `w` query parameter."
    )


def _bare_id(value: Any) -> str | None:
    """An id as written, without the `#` (or the `…#` base) that CWL puts before it."""
    if not isinstance(value, str):
        return None
    return value.rsplit("#", 1)[-1] or None


def _load_tool(text: str, entry_id: str | None, networks: Sequence[IPNetwork] = ()) -> Process:
    """Validate the CWL with cwltool, from a file so that its messages carry line numbers.

    Uses the load_tool functions rather than `cwltool.main.main`, which empties schema-salad's cache on every call
    (~0.4 s against ~10 ms, DESIGN.md). Schemas named by `$schemas` are not fetched (`skip_schemas`): they only
    describe metadata, and fetching them would make deploys depend on the network.
    """
    with _CWLTOOL_LOCK, tempfile.TemporaryDirectory(prefix="swath-package-") as directory:
        path = Path(directory) / "package.cwl"
        path.write_text(text, encoding="utf-8")
        context = LoadingContext()
        context.construct_tool_object = default_make_tool
        context.skip_schemas = True
        context.disable_js_validation = True  # It only logs warnings, and costs a node process per expression.
        context.fetcher_constructor = _confined_fetcher(Path(directory).as_uri() + "/", networks)
        try:
            context, document, uri = fetch_document(path.as_uri(), context)
            context, uri = resolve_and_validate_document(context, document, uri)
            return make_tool(path.as_uri() + (f"#{entry_id}" if entry_id else ""), context)
        except (SchemaSaladException, WorkflowException) as error:
            raise InvalidPackage(f"The package is not valid CWL: {_clean(str(error), directory)}") from error
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
            # cwltool assumes some shapes before it validates them (`inputs: hello` fails on `str.get`); only
            # cwltool runs in this block, so these are its reaction to a malformed document, not a Swath bug.
            raise InvalidPackage(
                f"The package is not valid CWL: cwltool could not read it ({type(error).__name__}: "
                f"{_clean(str(error), directory)})."
            ) from error


def _confined_fetcher(root: str, networks: Sequence[IPNetwork]) -> Callable[..., DefaultFetcher]:
    """A schema-salad fetcher that reads no local file outside the package's own temporary directory, and no URL
    whose address (or a redirect's) is refused.

    A package is one self-contained document; without this, `run: /some/host/file.cwl` or `$include` would read
    files of the server while deploying, and `run: http://169.254.169.254/...` would reach internal services.
    """

    class _ConfinedFetcher(DefaultFetcher):
        def fetch_text(self, url: str, content_types: list[str] | None = None) -> str:
            self._check(url)
            if urlsplit(url).scheme in ("http", "https"):
                try:
                    return fetch_checked(url, networks, _REMOTE_TIMEOUT).decode("utf-8")
                except AddressRefused as error:
                    raise ValidationException(error.detail) from error
                except (httpx.HTTPError, UnicodeDecodeError) as error:
                    raise ValidationException(f"{url} could not be fetched: {error}") from error
            return super().fetch_text(url, content_types)

        def check_exists(self, url: str) -> bool:
            if urlsplit(url).scheme in ("http", "https"):
                return True  # fetch_text checks the address and tells a missing document apart
            return url.startswith(root) or (not url.startswith("file:") and super().check_exists(url))

        def _check(self, url: str) -> None:
            if url.startswith("file:") and not url.startswith(root):
                raise ValidationException(
                    f"{urlsplit(url).path} is outside the package; a package must be one self-contained document"
                )

    return _ConfinedFetcher


def _clean(message: str, directory: str) -> str:
    """cwltool's message on one line, with the temporary directory (in any of the forms cwltool prints a path:
    `file://` URI, absolute, or relative to the working directory) left out."""
    name = re.escape(Path(directory).name)
    message = re.sub(rf"(?:file://)?[^\s'\"`(]*{name}/", "", message)
    # schema-salad prefixes nested errors with its loader's id: "(140527515585600) (package.cwl) Validation error".
    message = re.sub(r"\(\d+\) \(([^)\s]*)\) ", r"\1: ", message)
    return " ".join(message.split())


# Describing the process -------------------------------------------------------------------------------------------


def _process_id(source: PackageSource, entry_id: str, entry: JSON) -> str:
    if source.process.get("id") is not None:
        process_id = str(source.process["id"])
    elif entry_id != "main":
        process_id = entry_id
    else:
        top_id = _bare_id(source.cwl.get("id")) if "$graph" in source.cwl else None
        label = entry.get("label") or source.cwl.get("label")
        process_id = (top_id if top_id != "main" else None) or _slug(label) or ""
        if not process_id:
            raise InvalidPackage(
                "The CWL document has no id: give the Workflow or CommandLineTool an `id` (or a `label`), "
                "or deploy an ogcapppkg with processDescription.process.id."
            )
    if not _PROCESS_ID.match(process_id):
        raise InvalidPackage(
            f"Process id '{process_id}' is not allowed; use letters, digits, '.', '_', ':' and '-', starting with "
            "a letter or digit."
        )
    return process_id


def _slug(label: Any) -> str | None:
    if not isinstance(label, str):
        return None
    return re.sub(r"[^a-z0-9._-]+", "-", label.lower()).strip("-._") or None


def _version(source: PackageSource, entry: JSON) -> str:
    given = source.process.get("version")
    if given is None:
        given = _schema_org(source.cwl, entry, "softwareVersion")
    return str(given) if given not in (None, "") else _DEFAULT_VERSION


def _schema_org(cwl: JSON, entry: JSON, term: str) -> Any:
    """A schema.org annotation (`s:softwareVersion`, …) of the entry object, else of the document's top."""
    namespaces = cwl.get("$namespaces") or {}
    keys = [uri + term for uri in _SCHEMA_ORG]
    keys += [f"{prefix}:{term}" for prefix, uri in namespaces.items() if uri in _SCHEMA_ORG]
    for holder in (entry, cwl):
        for key in keys:
            if key in holder:
                return holder[key]
    return None


def _describe(source: PackageSource, entry: JSON, tool: Process) -> ProcessDescription:
    process = source.process
    types = named_types([*tool.requirements, *tool.hints])
    inputs = _in_document_order(describe_inputs(tool.tool["inputs"], types), entry.get("inputs"))
    outputs = _in_document_order(describe_outputs(tool.tool["outputs"], types), entry.get("outputs"))
    keywords = process.get("keywords")
    if keywords is None:
        keywords = _schema_org(source.cwl, entry, "keywords")
    title = process.get("title", entry.get("label"))
    doc = process.get("description", entry.get("doc"))
    defaults = ProcessDescription()
    return ProcessDescription(
        title=str(title) if title is not None else None,
        description="\n".join(map(str, doc)) if isinstance(doc, list) else None if doc is None else str(doc),
        keywords=_keywords(keywords),
        inputs=inputs,
        outputs=outputs,
        job_control_options=_options(process, "jobControlOptions", _JOB_CONTROL_OPTIONS)
        or defaults.job_control_options,
        output_transmission=_options(process, "outputTransmission", _TRANSMISSION_MODES)
        or defaults.output_transmission,
    )


def _keywords(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(item).strip() for item in items if str(item).strip()]


def _options(process: JSON, key: str, allowed: tuple[str, ...]) -> list[str]:
    values = process.get(key) or []
    if not isinstance(values, list):
        raise InvalidPackage(f"processDescription.process.{key} must be a list, not {values!r}.")
    for value in values:
        if value not in allowed:
            raise InvalidPackage(
                f"processDescription.process.{key} holds {value!r}, which is not one of: {', '.join(allowed)}."
            )
    return list(values)


def _in_document_order(described: dict[str, JSON], written: Any) -> dict[str, JSON]:
    """schema-salad sorts map-form `inputs`/`outputs` by id; show them in the order the author wrote them."""
    if isinstance(written, Mapping):
        order = [str(key) for key in written]
    elif isinstance(written, list):
        order = [str(item.get("id", "")).rsplit("/", 1)[-1].lstrip("#") for item in written if isinstance(item, dict)]
    else:
        return described
    rank = {key: index for index, key in enumerate(order)}
    return dict(sorted(described.items(), key=lambda item: rank.get(item[0], len(rank))))
