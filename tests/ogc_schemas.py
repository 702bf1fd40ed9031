"""Validate documents against the official OGC API - Processes schemas kept in `shared/ogc/`.

The schemas are OpenAPI 3.0 YAML files that point at each other with relative `$ref`s (`"statusInfo.yaml"`). Each
file is known by its own `file:` URI, so those references resolve exactly as in the OGC repository, and files are
read on first use. Part 2 (`part2-dru/`) points into folders of the v2 draft that are not copied
(`../processes-core/`, `../common-core/`); those resolve to the Part 1 file of the same name, as
`shared/ogc/README.md` says.

OpenAPI 3.0 schema objects are close to JSON Schema Draft 4, not 2020-12: `schema.yaml` itself uses the Draft 4
boolean `exclusiveMinimum`, which a 2020-12 validator would misread as the number 1. So documents are checked with
`Draft4Validator`; OpenAPI-only keywords (`nullable`, `example`) are ignored, as JSON Schema ignores unknown ones.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4

__all__ = ["locate_ogc_dir", "validate"]

ENVIRONMENT_VARIABLE = "SWATH_OGC_DIR"
_PART1 = Path("part1-1.0", "schemas")
_PART2 = Path("part2-dru")
# Folders of the OGC API - Processes v2 draft that Part 2 refers to; not copied, served from Part 1.
_V2_FOLDERS = frozenset({"processes-core", "common-core"})
# The v2 draft renamed one schema that Part 2 refers to; Part 1 has it under its 1.0 name.
_V2_RENAMES = {"qualifiedValue.yaml": "qualifiedInputValue.yaml"}


def locate_ogc_dir(near: Path | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """The `shared/ogc` folder: beside the repository's own folder first, else the one `SWATH_OGC_DIR` names.

    CI clones the repository into a folder of its own with `shared/` as a sibling of the clone, which is why the
    folder is found relative to this file rather than to the working directory.
    """
    candidates = [(near or Path(__file__).resolve().parents[2]) / "shared" / "ogc"]
    if environ.get(ENVIRONMENT_VARIABLE):
        candidates.append(Path(environ[ENVIRONMENT_VARIABLE]))
    for candidate in candidates:
        if (candidate / _PART1).is_dir():
            return candidate.resolve()
    looked = ", ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(
        f"The official OGC schemas were not found in {looked}; put the `shared/ogc` folder beside the repository "
        f"or set {ENVIRONMENT_VARIABLE} to a folder holding `{_PART1.as_posix()}/`."
    )


@functools.cache
def _ogc_dir() -> Path:
    return locate_ogc_dir()


def _schema_path(uri: str) -> Path:
    """The file a schema URI names, with v2-draft folders mapped onto Part 1; only files under `shared/ogc`."""
    parts = urlsplit(uri)
    path = Path(unquote(parts.path))
    if path.parent.name in _V2_FOLDERS:
        path = _ogc_dir() / _PART1 / _V2_RENAMES.get(path.name, path.name)
    if parts.scheme != "file" or not path.is_relative_to(_ogc_dir()) or not path.is_file():
        # referencing declares its exceptions through an attrs wrapper that mypy cannot see through.
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
    return path


@functools.cache
def _retrieve(uri: str) -> Resource[Any]:
    contents = yaml.safe_load(_schema_path(uri).read_text(encoding="utf-8"))
    return Resource.from_contents(contents, default_specification=DRAFT4)


@functools.cache
def _registry() -> Registry[Any]:
    return Registry(retrieve=_retrieve)  # type: ignore[call-arg]  # the same attrs wrapper as NoSuchResource


def _schema_uri(schema_name: str) -> str:
    """`statusInfo.yaml` is looked up in Part 1 then Part 2; a path such as `part2-dru/x.yaml` is taken as is."""
    ogc = _ogc_dir()
    candidates = [ogc / schema_name] if "/" in schema_name else [ogc / _PART1 / schema_name, ogc / _PART2 / schema_name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.as_uri()
    raise ValueError(f"No OGC schema is named {schema_name!r}; give a file name from {ogc / _PART1} or {ogc / _PART2}.")


# The 1.0 schemas use `oneOf` where the branches overlap: `inputValueNoObject.yaml` offers both `type: string` and
# `binaryInputValue.yaml` (also a string), and `type: number` beside `type: integer`, so every string or integer
# value in an execute request or a result matches two branches and fails, and a `$ref` in a process description's
# `schema` matches both `schema.yaml` and `reference.yaml`. Read literally, they reject the official examples
# `Execute.json`, `Result.json` and `ProcessDescription.json`, and every results document with a literal value. No
# branch pair in these files is meant to be exclusive, so `oneOf` is read as `anyOf` unless asked otherwise.
_AnyOfValidator = jsonschema.validators.extend(
    jsonschema.Draft4Validator, validators={"oneOf": jsonschema.Draft4Validator.VALIDATORS["anyOf"]}
)


def validate(document: object, schema_name: str, *, strict_one_of: bool = False) -> None:
    """Raise `jsonschema.ValidationError` unless `document` is valid against the official schema `schema_name`.

    The error is the most relevant one (`jsonschema.exceptions.best_match`); its message says what is wrong, where in
    the document (a JSON path) and against which schema, e.g. `'jobID' is a required property (at $ in
    statusInfo.yaml)`. Formats are checked where jsonschema can check them (`date-time` needs
    `rfc3339-validator`). `oneOf` is read as `anyOf` (see `_AnyOfValidator`); `strict_one_of=True` reads the
    schemas literally.
    """
    validator_class = jsonschema.Draft4Validator if strict_one_of else _AnyOfValidator
    validator = validator_class(
        {"$ref": _schema_uri(schema_name)},
        registry=_registry(),
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        error.message = f"{error.message} (at {error.json_path} in {schema_name})"
        raise error
