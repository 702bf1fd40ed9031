"""Check an execute request's inputs against the process description, before a job exists.

A job that is accepted must only fail for reasons found while it runs; anything the description already rules out
(an unknown input, a missing one, a value of the wrong type, a file the server must not read) is refused here, with
`InvalidInput` naming the input. Defaults are not filled in: cwltool does that, from the CWL itself.

Occurrences follow OGC Part 1: `minOccurs` / `maxOccurs` count values. An input whose schema is an array (a CWL
array) takes one JSON array, and its occurrences are the array's items; a single item is taken as a one-item array.
Any other input with `maxOccurs` above 1 takes one value or a list of values, each checked against the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema

from swath.errors import InvalidInput
from swath.store.records import JSON, ProcessDescription

__all__ = ["inputs_from_request", "validate_inputs"]

_REMOTE_SCHEMES = ("http", "https")
# Keys a qualified value (OGC qualifiedInputValue.yaml) may hold besides `value`.
_QUALIFIER_KEYS = frozenset({"mediaType", "encoding", "schema"})


def inputs_from_request(raw: Any) -> JSON:
    """The execute request's `inputs` as a mapping of input id to value.

    OGC sends a mapping; Unity ADES-WPST clients send a list `[{"id": ..., "data": ...}]`, which is turned into
    the mapping (`value` is accepted for `data`, and an item with `href` becomes a link).
    """
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, list):
        raise InvalidInput(
            f'The inputs must be an object of input ids to values, or a list of {{"id", "data"}} objects, '
            f"not {type(raw).__name__}."
        )
    inputs: JSON = {}
    for position, item in enumerate(raw):
        input_id, value = _list_item(position, item)
        if input_id in inputs:
            raise InvalidInput(
                f"Input '{input_id}' is given twice in the inputs list; give each input once.", input=input_id
            )
        inputs[input_id] = value
    return inputs


def _list_item(position: int, item: Any) -> tuple[str, Any]:
    if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
        raise InvalidInput(f"Item {position} of the inputs list is {item!r}; each item needs a string `id`.")
    for key in ("data", "value"):
        if key in item:
            return item["id"], item[key]
    if "href" in item:
        return item["id"], {key: item[key] for key in ("href", "type") if key in item}
    raise InvalidInput(f"Input '{item['id']}' in the inputs list has no `data`, `value` or `href`.", input=item["id"])


def validate_inputs(
    description: ProcessDescription,
    inputs: Mapping[str, Any],
    allowed_roots: list[Path],
    public_url: str,
    allow_s3: bool = False,
) -> JSON:
    """Check `inputs` and return them normalised for the runner.

    Literal values lose their OGC qualification (`{"value": 3, "mediaType": ...}` becomes `3`). File and Directory
    values become links `{"href": ..., "type": ...}` (`type` only when given), local paths as `file://` URIs with
    symlinks and `..` resolved; a File may instead be inline content, kept as `{"value": ..., "mediaType": ...}`.
    Local paths must lie under one of `allowed_roots`. Links to earlier jobs' outputs
    (`<public_url>/jobs/<id>/outputs/...`) are accepted like every http(s) link; `public_url` is taken so that
    callers need not change when http(s) links become restricted. `s3://` links are accepted only with
    `allow_s3` (S3 storage configured, whose credentials the runner reads them with).
    """
    unknown = [key for key in inputs if key not in description.inputs]
    if unknown:
        known = ", ".join(f"'{key}'" for key in description.inputs) or "none"
        raise InvalidInput(
            f"Input '{unknown[0]}' is not an input of this process; its inputs are: {known}.", input=unknown[0]
        )
    # Resolving the roots asks the file system; only File and Directory inputs need them (bench/: ~4 % of the CPU of
    # a submission without them).
    takes_files = any(input_description.get("x-cwl-class") for input_description in description.inputs.values())
    roots = [root.resolve() for root in allowed_roots] if takes_files else []
    normalised: JSON = {}
    for input_id, input_description in description.inputs.items():
        if input_id in inputs and inputs[input_id] is not None:
            normalised[input_id] = _check_input(input_id, input_description, inputs[input_id], roots, allow_s3)
        elif _min_occurs(input_description) >= 1 and "default" not in input_description.get("schema", {}):
            raise InvalidInput(f"Input '{input_id}' is required but missing.", input=input_id)
        elif input_id in inputs:
            normalised[input_id] = None
    return normalised


def _check_input(input_id: str, description: JSON, value: Any, roots: list[Path], allow_s3: bool) -> Any:
    schema = description.get("schema", {})
    cwl_class = description.get("x-cwl-class")
    if cwl_class is None:
        value = _unqualified(value, schema)  # A File's qualified value is inline content, kept as it is.
    is_array = schema.get("type") == "array"
    if is_array or (isinstance(value, list) and _max_occurs(description) != 1):
        occurrences, as_list = (value if isinstance(value, list) else [value]), True
    elif isinstance(value, list) and ("type" in schema or cwl_class is not None):
        raise InvalidInput(f"Input '{input_id}' takes one value, but {len(value)} were given.", input=input_id)
    else:
        occurrences, as_list = [value], False  # An input of any type (schema {}) takes a list as one value.
    if not is_array:
        # An array schema counts its items itself (minItems/maxItems); the whole array is one occurrence.
        _check_count(input_id, description, len(occurrences))
    if cwl_class is not None:
        items = [_file_value(input_id, cwl_class, item, roots, allow_s3) for item in occurrences]
    else:
        item_schema = schema.get("items", {}) if is_array else schema
        items = [_unqualified(item, item_schema) for item in occurrences]
        for item in [items] if is_array else items:
            _check_schema(input_id, schema, item)
    return items if as_list else items[0]


def _check_count(input_id: str, description: JSON, count: int) -> None:
    least, most = _min_occurs(description), _max_occurs(description)
    if count < least:
        raise InvalidInput(
            f"Input '{input_id}' needs at least {least} value(s), but {count} were given.", input=input_id
        )
    if most is not None and count > most:
        raise InvalidInput(f"Input '{input_id}' takes at most {most} value(s), but {count} were given.", input=input_id)


def _min_occurs(description: JSON) -> int:
    return int(description.get("minOccurs", 1))


def _max_occurs(description: JSON) -> int | None:
    """None for "unbounded"."""
    most = description.get("maxOccurs", 1)
    return None if most == "unbounded" else int(most)


def _unqualified(value: Any, schema: JSON) -> Any:
    """The value inside an OGC qualified value (`{"value": ..., "mediaType": ...}`).

    A record whose schema has a `value` property is a record, not a qualified value, and is left alone.
    """
    if (
        isinstance(value, Mapping)
        and "value" in value
        and set(value) - {"value"} <= _QUALIFIER_KEYS
        and "value" not in schema.get("properties", {})
    ):
        return value["value"]
    return value


def _check_schema(input_id: str, schema: JSON, value: Any) -> None:
    # Draft 4 is the JSON Schema that OpenAPI 3.0 schema objects (and so OGC Part 1 descriptions) are built on.
    error = jsonschema.exceptions.best_match(jsonschema.Draft4Validator(schema).iter_errors(value))
    if error is None:
        return
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    at = f" at {input_id}{where}" if where else ""
    raise InvalidInput(f"Input '{input_id}' is invalid{at}: {error.message}.", input=input_id)


def _file_value(input_id: str, cwl_class: str, value: Any, roots: list[Path], allow_s3: bool) -> JSON:
    if isinstance(value, str):
        return {"href": _checked_href(input_id, value, roots, allow_s3)}
    if isinstance(value, Mapping) and isinstance(value.get("href"), str):
        link: JSON = {"href": _checked_href(input_id, value["href"], roots, allow_s3)}
        if isinstance(value.get("type"), str):
            link["type"] = value["type"]
        return link
    if cwl_class == "File" and isinstance(value, Mapping) and isinstance(value.get("value"), str):
        inline: JSON = {"value": value["value"]}
        if isinstance(value.get("mediaType"), str):
            inline["mediaType"] = value["mediaType"]
        return inline
    allowed = 'a link {"href": <URL>}, a URL string'
    allowed += ' or inline content {"value": <text>, "mediaType": ...}' if cwl_class == "File" else ""
    raise InvalidInput(f"Input '{input_id}' is a {cwl_class}, so it takes {allowed}, not {value!r}.", input=input_id)


def _checked_href(input_id: str, href: str, roots: list[Path], allow_s3: bool) -> str:
    parts = urlsplit(href)
    if parts.scheme == "s3" and allow_s3:
        if not parts.netloc or not parts.path.strip("/"):
            raise InvalidInput(
                f"Input '{input_id}' refers to {href}, which names no bucket or no object.", input=input_id
            )
        return href
    if parts.scheme == "s3":
        # Refused here rather than failing the job later: no S3 store is configured for the runner to read from.
        raise InvalidInput(
            f"Input '{input_id}' refers to {href}, but this server has no S3 storage configured.", input=input_id
        )
    if parts.scheme in _REMOTE_SCHEMES:
        if not parts.netloc:
            raise InvalidInput(f"Input '{input_id}' refers to {href}, which names no host or bucket.", input=input_id)
        return href
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        path = unquote(parts.path)
    elif parts.scheme == "" and href.startswith("/"):
        path = href
    else:
        raise InvalidInput(
            f"Input '{input_id}' refers to {href}, which is not an http, https or file URL or an absolute path.",
            input=input_id,
        )
    resolved = Path(path).resolve()
    if not any(resolved.is_relative_to(root) for root in roots):
        listing = ", ".join(str(root) for root in roots) or "none are configured"
        shown = path if str(resolved) == path else f"{path} (resolved: {resolved})"
        raise InvalidInput(
            f"Input '{input_id}' refers to {shown}, which is outside the allowed input roots ({listing}).",
            input=input_id,
        )
    return resolved.as_uri()
