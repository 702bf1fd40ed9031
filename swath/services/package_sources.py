"""Find the CWL in a deploy body.

A deploy body is CWL (YAML or JSON) or an OGC Part 2 `ogcapppkg` document whose `executionUnit` holds or links to
the CWL. This module reads every accepted form down to the CWL text and its JSON form, and refuses the rest with a
message that says which form was expected; validating the CWL is `packages.py`'s work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from ruamel.yaml.error import MarkedYAMLError
from schema_salad.utils import yaml_no_ts

from swath.errors import InvalidPackage, UnsupportedMediaType
from swath.services.descriptions import plain_json
from swath.services.network import IPNetwork, fetch_checked
from swath.store.records import JSON

__all__ = [
    "ACCEPTED_MEDIA_TYPES",
    "DocumentLimits",
    "PackageSource",
    "check_yaml_document",
    "fetch_url",
    "read_package_source",
]

_CWL_MEDIA_TYPES = (
    "application/cwl+yaml",
    "application/cwl+json",
    "application/cwl",
    "application/x-yaml",
    "application/yaml",
    "text/yaml",
)
_APPPKG_MEDIA_TYPES = ("application/ogcapppkg+json", "application/json")
ACCEPTED_MEDIA_TYPES = _CWL_MEDIA_TYPES + _APPPKG_MEDIA_TYPES
_FETCH_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class PackageSource:
    """The CWL found in a deploy body: its text (what cwltool reads, so that line numbers match the user's) and its
    JSON form, plus the OGC process description that an ogcapppkg body gave."""

    text: str
    cwl: JSON
    process: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentLimits:
    """How large a package document may grow once parsed (`Settings.max_package_nodes`, `max_nesting_depth`).

    YAML aliases make a few hundred bytes stand for billions of nodes (each level ten aliases of the one before:
    519 bytes cost 100 s of CPU, and were stored expanded); the nodes are counted on the loaded document, whose
    aliased nodes are still shared, before anything is expanded. Depth is limited because every later walk of the
    document recurses.
    """

    max_nodes: int = 1_000_000
    max_depth: int = 100


def read_package_source(
    body: bytes, media_type: str, fetch: Callable[[str], bytes], limits: DocumentLimits | None = None
) -> tuple[str, PackageSource]:
    """The deploy media type without parameters (lower case), and the CWL the body holds."""
    essence = media_type.split(";", 1)[0].strip().lower()
    if essence not in ACCEPTED_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Media type '{media_type}' is not supported for a deploy; use one of: {', '.join(ACCEPTED_MEDIA_TYPES)}."
        )
    return essence, _read_body(body, essence, fetch, limits or DocumentLimits())


def fetch_url(href: str, allowed_networks: Sequence[IPNetwork] = (), max_bytes: int | None = None) -> bytes:
    """Read an execution unit that an ogcapppkg body links to, from an allowed address only (services/network)."""
    try:
        return fetch_checked(href, allowed_networks, _FETCH_TIMEOUT, max_bytes=max_bytes)
    except httpx.HTTPStatusError as error:
        raise InvalidPackage(
            f"The execution unit at {href} could not be fetched: the server answered {error.response.status_code}."
        ) from error
    except httpx.HTTPError as error:
        raise InvalidPackage(f"The execution unit at {href} could not be fetched: {error}.") from error


def _read_body(body: bytes, essence: str, fetch: Callable[[str], bytes], limits: DocumentLimits) -> PackageSource:
    text = _decode(body, "The package")
    if essence in _CWL_MEDIA_TYPES and essence != "application/cwl+json":
        return PackageSource(text, _parse_yaml(text, "The package", limits))
    document = _parse_json(text, limits)
    if essence == "application/cwl+json":
        return PackageSource(text, document)
    if "executionUnit" in document:
        return _read_apppkg(document, fetch, limits)
    if essence == "application/json" and ("cwlVersion" in document or "$graph" in document):
        return PackageSource(text, document)
    raise InvalidPackage(
        f"A package sent as {essence} must be an OGC application package with an `executionUnit`"
        + (", or a CWL document with `cwlVersion`." if essence == "application/json" else ".")
    )


def _read_apppkg(document: JSON, fetch: Callable[[str], bytes], limits: DocumentLimits) -> PackageSource:
    unit = _find_cwl_unit(document["executionUnit"])
    if unit is None:
        raise InvalidPackage(
            "The executionUnit holds no CWL; Swath runs CWL only: give a qualified value "
            '{"value": <CWL>, "mediaType": "application/cwl+yaml"} or a link {"href": <URL>, "type": '
            '"application/cwl+yaml"}.'
        )
    if isinstance(unit, Mapping):
        cwl = plain_json(unit)
        source = PackageSource(json.dumps(cwl, indent=2, ensure_ascii=False), cwl)
    elif unit.startswith("href:"):
        href = unit.removeprefix("href:")
        if urlsplit(href).scheme not in ("http", "https"):
            raise InvalidPackage(f"The executionUnit href '{href}' is not allowed; use an http or https URL.")
        where = f"The execution unit at {href}"
        text = _decode(fetch(href), where)
        source = PackageSource(text, _parse_yaml(text, where, limits))
    else:
        text = unit.removeprefix("text:")
        source = PackageSource(text, _parse_yaml(text, "The executionUnit value", limits))
    return PackageSource(source.text, source.cwl, _ogc_process(document))


def _find_cwl_unit(unit: Any) -> Mapping[str, Any] | str | None:
    """The CWL an executionUnit holds: a CWL object, `"text:<CWL text>"` or `"href:<URL>"`; None if it holds none.

    Accepted forms (OGC Part 2 `ogcapppkg.yaml`, plus forms other servers use): a qualified value
    `{"value": <CWL>, "mediaType"}`, a link `{"href", "type"}`, `{"unit": <CWL>}`, the CWL object itself, or a list
    of these, of which the first CWL one counts. Units of another kind (`{"type": "docker", "image"}`) are skipped.
    """
    if isinstance(unit, list):
        return next((found for item in unit if (found := _find_cwl_unit(item)) is not None), None)
    if isinstance(unit, str):
        return "text:" + unit
    if not isinstance(unit, Mapping):
        return None
    if "cwlVersion" in unit or "$graph" in unit:
        return dict(unit)
    if "unit" in unit:
        return _find_cwl_unit(unit["unit"])
    if "value" in unit and _is_cwl_media_type(unit.get("mediaType")):
        return _find_cwl_unit(unit["value"]) if isinstance(unit["value"], Mapping | str) else None
    if isinstance(unit.get("href"), str) and _is_cwl_media_type(unit.get("type")):
        return "href:" + str(unit["href"])
    return None


def _is_cwl_media_type(media_type: Any) -> bool:
    return media_type is None or (
        isinstance(media_type, str) and media_type.split(";", 1)[0].strip().lower() in ACCEPTED_MEDIA_TYPES
    )


def _ogc_process(document: JSON) -> JSON:
    """The process description an ogcapppkg gives, `processDescription.process` (older drafts put it directly in
    `processDescription`), with jobControlOptions / outputTransmission taken from either level."""
    wrapper = document.get("processDescription")
    if wrapper is None:
        return {}
    if not isinstance(wrapper, Mapping) or not isinstance(wrapper.get("process", {}), Mapping):
        raise InvalidPackage("The ogcapppkg processDescription must be an object holding a `process` object.")
    process = dict(wrapper.get("process", wrapper))
    for key in ("jobControlOptions", "outputTransmission"):
        if key not in process and key in wrapper:
            process[key] = wrapper[key]
    return plain_json(process)  # type: ignore[no-any-return]


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidPackage(f"{what} is not UTF-8 text: byte {error.start} cannot be decoded.") from error


def check_yaml_document(text: str, what: str, limits: DocumentLimits) -> None:
    """InvalidPackage, naming `what`, unless `text` is YAML (or JSON) within `limits`: a file of a multi-file
    package may be any YAML, an object or not."""
    _load_yaml(text, what, limits)


def _parse_yaml(text: str, what: str, limits: DocumentLimits) -> JSON:
    return _require_object(plain_json(_load_yaml(text, what, limits)), what)


def _load_yaml(text: str, what: str, limits: DocumentLimits) -> Any:
    try:
        document = yaml_no_ts().load(text)
    except RecursionError as error:
        raise InvalidPackage(f"{what} nests deeper than {limits.max_depth} levels, the most a package may.") from error
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InvalidPackage(f"{what} is not valid YAML: {error.problem or error.context}{where}.") from error
    _check_size(document, what, limits)
    return document


def _check_size(document: Any, what: str, limits: DocumentLimits) -> None:
    """Count the nodes a loaded document stands for and how deep it nests; InvalidPackage past either limit.

    The YAML loader keeps an aliased node once, shared by every alias, so counting each distinct list or object
    once (by identity) and reusing its count costs as much as the document's text, however far its aliases would
    expand; copying it (as `plain_json` and cwltool do) would cost the expansion.
    """
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    pending: list[tuple[Any, bool]] = [(document, False)]
    while pending:
        value, children_done = pending.pop()
        if not isinstance(value, dict | list) or (id(value) in sizes and not children_done):
            continue
        children = list(value.values() if isinstance(value, dict) else value)
        containers = [child for child in children if isinstance(child, dict | list)]
        if not children_done:
            sizes[id(value)] = 0  # seen: a cycle back to it counts nothing more
            pending.append((value, True))
            pending.extend((child, False) for child in containers)
            continue
        sizes[id(value)] = 1 + len(children) - len(containers) + sum(sizes[id(child)] for child in containers)
        depths[id(value)] = 1 + max((depths.get(id(child), 0) for child in containers), default=0)
        if depths[id(value)] > limits.max_depth:
            raise InvalidPackage(f"{what} nests deeper than {limits.max_depth} levels, the most a package may.")
        if sizes[id(value)] > limits.max_nodes:
            raise InvalidPackage(
                f"{what} stands for more than {limits.max_nodes:,} nodes once its YAML aliases are expanded, "
                "the most a package may."
            )


def _parse_json(text: str, limits: DocumentLimits) -> JSON:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidPackage(
            f"The package is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from error
    except RecursionError as error:
        raise InvalidPackage(
            f"The package nests deeper than {limits.max_depth} levels, the most a package may."
        ) from error
    _check_size(document, "The package", limits)
    return _require_object(document, "The package")


def _require_object(document: Any, what: str) -> JSON:
    if document is None:
        raise InvalidPackage(f"{what} is empty; it must be a YAML or JSON object.")
    if not isinstance(document, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean"}.get(type(document), "a number")
        raise InvalidPackage(f"{what} must be a YAML or JSON object, not {kind}.")
    return document
