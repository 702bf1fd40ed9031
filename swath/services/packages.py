"""Turn a deploy body into a validated application package.

`package_sources.py` finds the CWL in the body (CWL, or an OGC Part 2 `ogcapppkg`). Whatever the form, the CWL is
validated by the real cwltool/schema-salad before anything is stored, so a
package that is deployed can be run, and a broken one is refused with cwltool's own message and line numbers.

cwltool is configured, and its errors translated, in `services/cwl_loading.py`, as for a run; callers only see
`InvalidPackage`, `WorkflowNotFound` and `UnsupportedMediaType`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from swath.errors import InvalidPackage, WorkflowNotFound
from swath.ogc import JobControlOption, TransmissionMode, allowed
from swath.process_ids import PART_LIMIT, is_valid_process_id, is_valid_version, parse_process_ref
from swath.services.network import parse_networks
from swath.services.package_check import CheckedPackage, PackageCheckLimits, checked_in_child
from swath.services.package_sources import DocumentLimits, PackageSource, fetch_url, read_package_source
from swath.store.records import JSON, ProcessDescription

__all__ = ["ApplicationPackage", "parse_package"]

_SCHEMA_ORG = ("https://schema.org/", "http://schema.org/")
_DEFAULT_VERSION = "1.0.0"
DEFAULT_CHECK_LIMITS = PackageCheckLimits(cpu_seconds=60, memory_bytes=2 * 1024**3)


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
    limits: DocumentLimits | None = None,
    check_limits: PackageCheckLimits = DEFAULT_CHECK_LIMITS,
) -> ApplicationPackage:
    """Validate a deploy body and describe the process it defines.

    `workflow` picks the entry of a `$graph` (the OGC `w` query parameter). `fetch` reads an execution unit that
    an ogcapppkg body links to; by default it is fetched over HTTP(S) with `fetch_url`. Every http(s) fetch of a
    deploy (the execution unit, `run:`, `$import`, `$include`) reaches public addresses only, and the networks of
    `allowed_networks` (services/network.py). cwltool validates in a child process bound by `check_limits`
    (services/package_check.py).
    """
    networks = parse_networks(allowed_networks)
    essence, source = read_package_source(
        body, media_type, fetch or functools.partial(fetch_url, allowed_networks=networks), limits
    )
    entry_id, entry = _choose_entry(source.cwl, workflow)
    checked = checked_in_child(source.text, entry_id if "$graph" in source.cwl else None, networks, check_limits)
    # An id written `name:version` (Unity's registrations) names its version, unless the package states one.
    ref = parse_process_ref(_process_id(source, entry_id, entry))
    return ApplicationPackage(
        id=_checked_id(ref.id),
        version=_version(source, entry, ref.version),
        cwl=source.cwl,
        workflow_id=entry_id,
        description=_describe(source, entry, checked),
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


# Describing the process -------------------------------------------------------------------------------------------


def _process_id(source: PackageSource, entry_id: str, entry: JSON) -> str:
    process_id = package_id(source.process, source.cwl, entry_id, entry)
    if not process_id:
        raise InvalidPackage(
            "The CWL document has no id: give the Workflow or CommandLineTool an `id` (or a `label`), "
            "or deploy an ogcapppkg with processDescription.process.id."
        )
    return process_id


def package_id(process: JSON, cwl: JSON, entry_id: str, entry: JSON) -> str | None:
    """The id a package gives itself: the ogcapppkg's `process.id`, else its entry's own id, else (an entry named
    `main`) the `$graph` document's top-level id, else a slug of its label; the catalog names applications by it."""
    if process.get("id") is not None:
        return str(process["id"])
    if entry_id != "main":
        return entry_id
    top_id = _bare_id(cwl.get("id")) if "$graph" in cwl else None
    label = entry.get("label") or cwl.get("label")
    return (top_id if top_id != "main" else None) or _slug(label)


def _checked_id(process_id: str) -> str:
    if not is_valid_process_id(process_id):
        raise InvalidPackage(
            f"Process id '{process_id[:80]}{'…' if len(process_id) > 80 else ''}' is not allowed; use up to "
            f"{PART_LIMIT} letters, digits, '.', '_' and '-', starting with a letter or digit (a ':' separates the id "
            "from a version)."
        )
    return process_id


def _slug(label: Any) -> str | None:
    if not isinstance(label, str):
        return None
    return re.sub(r"[^a-z0-9._-]+", "-", label.lower()).strip("-._") or None


def _version(source: PackageSource, entry: JSON, from_id: str | None) -> str:
    given = source.process.get("version")
    if given is None:
        given = _schema_org(source.cwl, entry, "softwareVersion")
    version = str(given) if given not in (None, "") else from_id or _DEFAULT_VERSION
    if not is_valid_version(version):
        raise InvalidPackage(
            f"Process version '{version}' is not allowed; use letters, digits, '.', '_', '+' and '-', starting with "
            "a letter or digit."
        )
    return version


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


def _describe(source: PackageSource, entry: JSON, checked: CheckedPackage) -> ProcessDescription:
    process = source.process
    inputs = _in_document_order(checked.inputs, entry.get("inputs"))
    outputs = _in_document_order(checked.outputs, entry.get("outputs"))
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
        job_control_options=_options(process, "jobControlOptions", JobControlOption) or defaults.job_control_options,
        output_transmission=_options(process, "outputTransmission", TransmissionMode) or defaults.output_transmission,
    )


def _keywords(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(item).strip() for item in items if str(item).strip()]


def _options(process: JSON, key: str, vocabulary: type[StrEnum]) -> list[str]:
    values = process.get(key) or []
    if not isinstance(values, list):
        raise InvalidPackage(f"processDescription.process.{key} must be a list, not {values!r}.")
    for value in values:
        if value not in set(vocabulary):
            raise InvalidPackage(
                f"processDescription.process.{key} holds {value!r}, which is not one of: {allowed(vocabulary)}."
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
