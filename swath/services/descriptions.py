"""CWL input and output parameters, described as OGC inputDescription / outputDescription objects.

The OGC description is the contract clients see and that `swath.services.inputs` checks execute requests against,
so everything here must validate against the official Part 1 schemas (`inputDescription.yaml`,
`outputDescription.yaml`). Those schemas forbid unknown keywords inside `schema` (`additionalProperties: false`) but
allow them on the description itself, so Swath's private markers live on the description:

- `x-cwl-class`: `"File"` or `"Directory"` when the parameter (or every item of it, for arrays) is one, so that
  other layers can tell file inputs and outputs apart without reading the CWL again.
- `x-cwl-format`: the CWL `format` URIs of a File parameter. cwltool refuses an input File that has no `format`
  when the tool declares one, so the runner must stamp it on the File objects it builds.
- `x-cwl-type`: the parameter's CWL type as plain JSON (`swath.services.cwlvalues.cwl_type_json`), from which
  values that hold Files anywhere (records, unions, `Any`) are mapped to CWL and checked.

A File or Directory that is the whole parameter (or every item of it) is described as OGC describes a complex
input, a URI string (the link); anywhere else (a record field, a union with other types) its schema also admits
the link object and the CWL object, which are the forms `swath.services.cwlvalues` takes.

Inputs come from a loaded cwltool `Process` (`tool.tool["inputs"]`), whose types are already normalised (`string?`
is `["null", "string"]`, `File[]` is an array schema) and whose ids and names are full URIs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from swath.services.cwlvalues import cwl_type_json
from swath.store.records import JSON

# IANA media types as CWL `format` URIs (the `iana:` prefix that OGC 20-089 application packages use).
_IANA_PREFIXES = (
    "https://www.iana.org/assignments/media-types/",
    "http://www.iana.org/assignments/media-types/",
)
_LITERAL_SCHEMAS: dict[str, JSON] = {
    "string": {"type": "string"},
    "int": {"type": "integer"},
    "long": {"type": "integer"},
    "float": {"type": "number"},
    "double": {"type": "number"},
    "boolean": {"type": "boolean"},
    "Any": {},
}
_FILE_CLASSES = ("File", "Directory")
# Named types may refer to each other; a record nested deeper than this is certainly a cycle.
_MAX_DEPTH = 32


def short_id(uri: str) -> str:
    """The name a user wrote for a parameter, field or symbol: the URI's last `#` / `/` segment."""
    return uri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def named_types(requirements: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The record, enum and array types that a `SchemaDefRequirement` names, by their full name.

    Parameters refer to these by name only, so the types must be looked up to be described.
    """
    found: dict[str, Mapping[str, Any]] = {}
    for requirement in requirements:
        if requirement.get("class") == "SchemaDefRequirement":
            for definition in requirement.get("types", []):
                if isinstance(definition, Mapping) and isinstance(definition.get("name"), str):
                    found[definition["name"]] = definition
    return found


def describe_inputs(
    cwl_inputs: Sequence[Mapping[str, Any]], types: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, JSON]:
    """OGC inputDescriptions of a loaded CWL process's inputs, by short input id.

    An input that may be omitted (optional type, or a default) gets `minOccurs: 0`; a CWL array is one value of
    array type, and its `maxOccurs` is `"unbounded"`, the number of items it may hold.
    """
    described: dict[str, JSON] = {}
    for parameter in cwl_inputs:
        description = _describe(parameter, types or {})
        optional = _is_optional(parameter["type"]) or "default" in parameter
        schema = description["schema"]
        default = plain_json(parameter.get("default"))
        if default is not None and not _holds_file(default):
            # File defaults are left out: once loaded, their location points into the deploy's temporary directory.
            schema["default"] = default
        occurs = {"minOccurs": 0 if optional else 1, "maxOccurs": "unbounded" if schema.get("type") == "array" else 1}
        # Keys in the order the OGC examples show them: title, description, occurrences, schema.
        described[short_id(parameter["id"])] = _insert_before(description, "schema", occurs)
    return described


def describe_outputs(
    cwl_outputs: Sequence[Mapping[str, Any]], types: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, JSON]:
    """OGC outputDescriptions of a loaded CWL process's outputs, by short output id."""
    return {short_id(parameter["id"]): _describe(parameter, types or {}) for parameter in cwl_outputs}


def plain_json(value: Any) -> Any:
    """A copy made of plain dicts, lists, strings and numbers.

    cwltool and ruamel hand out their own subclasses (CommentedMap, ScalarFloat, LiteralScalarString), which must
    not leak into records that are stored and serialised.
    """
    if isinstance(value, Mapping):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _describe(parameter: Mapping[str, Any], types: Mapping[str, Mapping[str, Any]]) -> JSON:
    formats = _formats(parameter.get("format"))
    cwl_class = _file_class(parameter["type"], types)
    schema = _schema(parameter["type"], types, formats, parameter["id"], 0, plain_files=cwl_class is not None)
    description: JSON = {}
    if isinstance(parameter.get("label"), str):
        description["title"] = parameter["label"]
    if parameter.get("doc"):
        description["description"] = _text(parameter["doc"])
    description["schema"] = schema
    if cwl_class is not None:
        description["x-cwl-class"] = cwl_class
        if formats:
            description["x-cwl-format"] = formats
    description["x-cwl-type"] = cwl_type_json(parameter["type"], types)
    return description


def _schema(
    cwl_type: Any,
    types: Mapping[str, Mapping[str, Any]],
    formats: list[str],
    owner: str,
    depth: int,
    plain_files: bool = False,
) -> JSON:
    """The JSON schema of one CWL type. `owner` is the URI that prefixes an inline enum's symbols; `plain_files`
    describes a File as a URI only (the parameter is a File, or Files, as a whole)."""
    if depth > _MAX_DEPTH:
        return {}
    if isinstance(cwl_type, list):
        branches = [branch for branch in cwl_type if branch != "null"]
        schemas = [_schema(branch, types, formats, owner, depth + 1, plain_files) for branch in branches]
        return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    if isinstance(cwl_type, str):
        if cwl_type in _LITERAL_SCHEMAS:
            return dict(_LITERAL_SCHEMAS[cwl_type])
        if cwl_type in _FILE_CLASSES:
            return _file_schema(formats) if plain_files else _nested_file_schema(cwl_type, formats)
        if cwl_type in types:
            return _schema(types[cwl_type], types, formats, owner, depth + 1, plain_files)
        return {}  # An unresolvable name: cwltool validated the document, so this is a type it knows and we don't.
    kind = cwl_type.get("type")
    if kind == "array":
        return {"type": "array", "items": _schema(cwl_type["items"], types, formats, owner, depth + 1, plain_files)}
    if kind == "enum":
        prefix = cwl_type.get("name", owner)
        return {"type": "string", "enum": [_symbol(symbol, prefix) for symbol in cwl_type["symbols"]]}
    if kind == "record":
        return _record_schema(cwl_type, types, depth)
    return _schema(kind, types, formats, owner, depth + 1, plain_files)


def _nested_file_schema(cwl_class: str, formats: list[str]) -> JSON:
    """A File or Directory inside another value: the URI, the OGC link, or the CWL object."""
    link = {"type": "object", "required": ["href"], "properties": {"href": {"type": "string", "format": "uri"}}}
    cwl_object = {
        "type": "object",
        "required": ["class"],
        "properties": {"class": {"type": "string", "enum": [cwl_class]}},
    }
    return {"anyOf": [_file_schema(formats), link, cwl_object]}


def _record_schema(record: Mapping[str, Any], types: Mapping[str, Mapping[str, Any]], depth: int) -> JSON:
    properties: JSON = {}
    required: list[str] = []
    for field in record.get("fields", []):
        name = short_id(field["name"])
        schema = _schema(field["type"], types, _formats(field.get("format")), field["name"], depth + 1)
        if isinstance(field.get("label"), str):
            schema["title"] = field["label"]
        if field.get("doc"):
            schema["description"] = _text(field["doc"])
        properties[name] = schema
        if not _is_optional(field["type"]):
            required.append(name)
    record_schema: JSON = {"type": "object", "properties": properties}
    if required:  # The OGC schema requires a non-empty `required` list when present.
        record_schema["required"] = required
    return record_schema


def _file_schema(formats: list[str]) -> JSON:
    schema: JSON = {"type": "string", "format": "uri"}
    if len(formats) == 1:
        media_type = _media_type(formats[0])
        if media_type is not None:
            schema["contentMediaType"] = media_type
        else:
            schema["contentSchema"] = formats[0]
    return schema


def _file_class(cwl_type: Any, types: Mapping[str, Mapping[str, Any]], depth: int = 0) -> str | None:
    """`File` or `Directory` when every non-null branch of the type (or its items) is that class."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(cwl_type, str):
        if cwl_type in _FILE_CLASSES:
            return cwl_type
        return _file_class(types[cwl_type], types, depth + 1) if cwl_type in types else None
    if isinstance(cwl_type, list):
        classes = {_file_class(branch, types, depth + 1) for branch in cwl_type if branch != "null"}
        return classes.pop() if len(classes) == 1 else None
    if isinstance(cwl_type, Mapping) and cwl_type.get("type") == "array":
        return _file_class(cwl_type["items"], types, depth + 1)
    return None


def _insert_before(mapping: JSON, key: str, items: JSON) -> JSON:
    ordered: JSON = {}
    for name, value in mapping.items():
        if name == key:
            ordered.update(items)
        ordered[name] = value
    return ordered


def _holds_file(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get("class") in _FILE_CLASSES or any(_holds_file(item) for item in value.values())
    return isinstance(value, list) and any(_holds_file(item) for item in value)


def _is_optional(cwl_type: Any) -> bool:
    return cwl_type == "null" or (isinstance(cwl_type, list) and "null" in cwl_type)


def _formats(cwl_format: Any) -> list[str]:
    """Literal format URIs; expressions (`$(...)`) are only known at run time, so they are left out."""
    candidates = cwl_format if isinstance(cwl_format, list) else [cwl_format]
    return [item for item in candidates if isinstance(item, str) and not item.startswith(("$(", "${"))]


def _media_type(format_uri: str) -> str | None:
    for prefix in _IANA_PREFIXES:
        if format_uri.startswith(prefix) and "/" in format_uri[len(prefix) :]:
            return format_uri[len(prefix) :]
    return None


def _symbol(symbol: str, prefix: str) -> str:
    """An enum symbol as the user wrote it: loaded symbols are `<enum or parameter URI>/<symbol>`."""
    if symbol.startswith(prefix + "/"):
        return symbol[len(prefix) + 1 :]
    return short_id(symbol)


def _text(doc: Any) -> str:
    """CWL `doc` may be a list of strings (CWL 1.1+); OGC wants one string."""
    return "\n".join(str(line) for line in doc) if isinstance(doc, list) else str(doc)
