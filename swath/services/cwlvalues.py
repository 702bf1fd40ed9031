"""CWL values and OGC values, in both directions: the one place that knows how a CWL File or Directory crosses the API.

Inputs. Every File or Directory, wherever it sits in a value (top level, record fields, union branches, arrays,
`Any`, a Directory's `listing`, a File's `secondaryFiles`, `cwl:requirements`), may be given as:
- the CWL object itself, `{"class": "File", "location"|"path": URL, "basename", "secondaryFiles", "format", ...}`,
  a File literal `{"class": "File", "contents": "...", "basename"}` or a Directory literal
  `{"class": "Directory", "basename", "listing": [...]}`; also wrapped as an OGC qualified value
  `{"value": <CWL object>, "mediaType": "application/cwl+json"}`;
- the OGC link `{"href": URL, "type": media type}`, or the URL as a string, where the CWL type says a File or
  Directory goes.
`to_cwl_value` turns any of these into the CWL object cwltool reads, and passes every location it holds, however
deep, through the same `LocationCheck` (the input roots and URL rules of `swath.services.inputs`): no value can
bring a file into a job that a File input could not.

Outputs. `CWL_JSON` is the media type under which a job's output is returned as its CWL value (locations are the
stored files' hrefs), for clients that ask for it and for outputs that no plain OGC form can carry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from swath.errors import InvalidInput

__all__ = [
    "CWL_JSON",
    "CWL_REQUIREMENTS",
    "FILE_CLASSES",
    "LocationCheck",
    "cwl_type_json",
    "file_objects",
    "holds_file_type",
    "is_cwl_object",
    "to_cwl_value",
]

CWL_JSON = "application/cwl+json"
# The job-file key cwltool reads extra requirements from (CWL v1.1+ "cwl:requirements"), as given and as expanded.
CWL_REQUIREMENTS = ("cwl:requirements", "https://w3id.org/cwl/cwl#requirements")
FILE_CLASSES = ("File", "Directory")
# Checks one location of input `input_id` and returns it as the runner must read it (an absolute file:// URI, or
# the URL); raises InvalidInput when the location is not allowed.
LocationCheck = Callable[[str, str], str]
_MAX_DEPTH = 32
_LITERALS = {
    "string": (str,),
    "int": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
}


def is_cwl_object(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("class") in FILE_CLASSES


def cwl_type_json(cwl_type: Any, types: Mapping[str, Mapping[str, Any]], depth: int = 0) -> Any:
    """A loaded CWL type as plain JSON with short names: named types resolved, record fields and enum symbols by
    the names the author wrote. Kept on the description (`x-cwl-type`) so that values can be mapped without the
    CWL document."""
    if depth > _MAX_DEPTH:
        return "Any"
    if isinstance(cwl_type, list):
        return [cwl_type_json(branch, types, depth + 1) for branch in cwl_type]
    if isinstance(cwl_type, str):
        if cwl_type in types:
            return cwl_type_json(types[cwl_type], types, depth + 1)
        return cwl_type if "#" not in cwl_type and "/" not in cwl_type else "Any"
    if not isinstance(cwl_type, Mapping):
        return "Any"
    kind = cwl_type.get("type")
    if kind == "array":
        return {"type": "array", "items": cwl_type_json(cwl_type["items"], types, depth + 1)}
    if kind == "record":
        return {
            "type": "record",
            "fields": [
                {"name": _short(field["name"]), "type": cwl_type_json(field["type"], types, depth + 1)}
                for field in cwl_type.get("fields", [])
            ],
        }
    if kind == "enum":
        return {"type": "enum", "symbols": [_short(str(symbol)) for symbol in cwl_type.get("symbols", [])]}
    return cwl_type_json(kind, types, depth + 1)


def holds_file_type(cwl_type: Any, depth: int = 0) -> bool:
    """Whether a value of this (JSON) CWL type may hold a File or Directory; `Any` may."""
    if depth > _MAX_DEPTH:
        return True
    if isinstance(cwl_type, str):
        return cwl_type in (*FILE_CLASSES, "Any")
    if isinstance(cwl_type, list):
        return any(holds_file_type(branch, depth + 1) for branch in cwl_type)
    if isinstance(cwl_type, Mapping):
        if cwl_type.get("type") == "array":
            return holds_file_type(cwl_type.get("items"), depth + 1)
        if cwl_type.get("type") == "record":
            return any(holds_file_type(field.get("type"), depth + 1) for field in cwl_type.get("fields", []))
    return False


def to_cwl_value(input_id: str, value: Any, cwl_type: Any, check: LocationCheck) -> Any:
    """`value` (an OGC input value) as the CWL value of `cwl_type`, every File and Directory in it checked."""
    return _to_cwl(input_id, _unwrapped(value), cwl_type, check, 0)


def _to_cwl(input_id: str, value: Any, cwl_type: Any, check: LocationCheck, depth: int) -> Any:
    value = _unwrapped(value)
    if value is None or depth > _MAX_DEPTH:
        return value
    if isinstance(cwl_type, list):
        return _to_cwl(input_id, value, _branch(value, cwl_type), check, depth + 1)
    if cwl_type in FILE_CLASSES:
        return _file_object(input_id, value, str(cwl_type), check)
    if isinstance(cwl_type, Mapping) and cwl_type.get("type") == "array":
        items = value if isinstance(value, list) else [value]
        return [_to_cwl(input_id, item, cwl_type.get("items"), check, depth + 1) for item in items]
    if isinstance(cwl_type, Mapping) and cwl_type.get("type") == "record" and isinstance(value, Mapping):
        fields = {field["name"]: field.get("type") for field in cwl_type.get("fields", [])}
        return {
            key: _to_cwl(input_id, item, fields[key], check, depth + 1) if key in fields else item
            for key, item in value.items()
        }
    return file_objects(input_id, value, check)


def file_objects(input_id: str, value: Any, check: LocationCheck) -> Any:
    """`value` of any type (`Any`, `cwl:requirements`, a default) with every CWL File/Directory object in it
    checked; anything else is left as it is."""
    if isinstance(value, list):
        return [file_objects(input_id, item, check) for item in value]
    if is_cwl_object(value):
        return _file_object(input_id, value, str(value["class"]), check)
    if isinstance(value, Mapping):
        return {key: file_objects(input_id, item, check) for key, item in value.items()}
    return value


def _branch(value: Any, branches: list[Any]) -> Any:
    """The union branch a value belongs to, as cwltool picks it: by CWL class, shape, then literal type."""
    candidates = [branch for branch in branches if branch != "null"]
    for branch in candidates:
        if _fits(value, branch):
            return branch
    return "Any"


def _fits(value: Any, branch: Any) -> bool:
    if branch in FILE_CLASSES:
        if is_cwl_object(value):
            return bool(value["class"] == branch)
        return isinstance(value, str) or (isinstance(value, Mapping) and "href" in value)
    if branch == "Any":
        return True
    if isinstance(branch, str):
        kinds = _LITERALS.get(branch)
        return kinds is not None and isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if isinstance(branch, Mapping):
        kind = branch.get("type")
        if kind == "array":
            return isinstance(value, list)
        if kind == "record":
            return isinstance(value, Mapping) and not is_cwl_object(value)
        if kind == "enum":
            return isinstance(value, str) and value in branch.get("symbols", [])
    return False


def _unwrapped(value: Any) -> Any:
    """The CWL value inside `{"value": ..., "mediaType": "application/cwl+json"}`."""
    if isinstance(value, Mapping) and set(value) == {"value", "mediaType"} and value["mediaType"] == CWL_JSON:
        return value["value"]
    return value


def _file_object(input_id: str, value: Any, cwl_class: str, check: LocationCheck) -> dict[str, Any]:
    if isinstance(value, str):
        return {"class": cwl_class, "location": check(input_id, value)}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"Input '{input_id}' holds {value!r} where a {cwl_class} goes; give a {cwl_class} object.")
    if "class" not in value and isinstance(value.get("href"), str):
        linked: dict[str, Any] = {"class": cwl_class, "location": check(input_id, value["href"])}
        return linked
    if value.get("class") != cwl_class:
        raise InvalidInput(
            f"Input '{input_id}' holds {dict(value)!r} where a {cwl_class} goes; give "
            f'{{"class": "{cwl_class}", "location": URL}} or a link {{"href": URL}}.'
        )
    result = {key: item for key, item in value.items() if key not in ("path", "location", "listing", "secondaryFiles")}
    where = value.get("location", value.get("path"))
    if where is not None:
        if not isinstance(where, str):
            raise InvalidInput(f"Input '{input_id}' has a {cwl_class} whose location is {where!r}, not a URL.")
        result["location"] = check(input_id, where)
    elif cwl_class == "File" and not isinstance(value.get("contents"), str):
        raise InvalidInput(f"Input '{input_id}' has a File with neither a location nor `contents`.")
    if "listing" in value:
        result["listing"] = [_listed(input_id, item, check) for item in _list(input_id, value["listing"], "listing")]
    if "secondaryFiles" in value:
        secondary = _list(input_id, value["secondaryFiles"], "secondaryFiles")
        result["secondaryFiles"] = [_listed(input_id, item, check) for item in secondary]
    return result


def _listed(input_id: str, item: Any, check: LocationCheck) -> dict[str, Any]:
    if not is_cwl_object(item):
        raise InvalidInput(f"Input '{input_id}' lists {item!r}; a listing holds File and Directory objects only.")
    return _file_object(input_id, item, str(item["class"]), check)


def _list(input_id: str, value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput(f"Input '{input_id}' has `{key}` {value!r}, which must be a list.")
    return value


def _short(uri: str) -> str:
    return uri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
