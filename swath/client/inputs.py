"""Execute-request inputs from what people have at hand: local paths, CWL job files, `name=value` pairs.

A File or Directory input (the process description marks them with `x-cwl-class`) may be given as a local path;
the client turns each into a link, either to the path itself (`file://`, for a server on this machine that may
read it) or to a copy uploaded to the server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

__all__ = ["from_cwl_job", "has_local_files", "link_local_files", "parse_assignment"]

LinkMaker = Callable[[str, Path], str]


def local_path(value: Any) -> Path | None:
    """The local path a File/Directory value names, or None for a URL, inline content or anything else."""
    if isinstance(value, Path):
        return value
    if isinstance(value, Mapping) and set(value) <= {"href", "type"} and isinstance(value.get("href"), str):
        value = value["href"]
    if not isinstance(value, str):
        return None
    parts = urlsplit(value)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme == "" and value and "\n" not in value:
        return Path(value)
    return None


def _file_inputs(inputs: Mapping[str, Any], description: Mapping[str, Any]) -> list[str]:
    declared = description.get("inputs") or {}
    return [
        name
        for name, value in inputs.items()
        if isinstance(value, Path) or (isinstance(declared.get(name), dict) and "x-cwl-class" in declared[name])
    ]


def has_local_files(inputs: Mapping[str, Any], description: Mapping[str, Any]) -> bool:
    for name in _file_inputs(inputs, description):
        values = inputs[name] if isinstance(inputs[name], list) else [inputs[name]]
        if any(local_path(value) is not None for value in values):
            return True
    return False


def link_local_files(inputs: Mapping[str, Any], description: Mapping[str, Any], link: LinkMaker) -> dict[str, Any]:
    """`inputs` with every local path of a File/Directory input replaced by `{"href": link(name, path)}`.

    Raises FileNotFoundError naming the input when a path does not exist.
    """
    result = dict(inputs)
    for name in _file_inputs(inputs, description):
        value = inputs[name]
        items = [_linked(name, item, link) for item in (value if isinstance(value, list) else [value])]
        result[name] = items if isinstance(value, list) else items[0]
    return result


def _linked(name: str, value: Any, link: LinkMaker) -> Any:
    path = local_path(value)
    if path is None:
        return value
    path = path.expanduser().resolve()
    if not path.exists():
        raise FileNotFoundError(f"Input '{name}' names the local path {path}, which does not exist.")
    linked: dict[str, Any] = {"href": link(name, path)}
    if isinstance(value, Mapping) and isinstance(value.get("type"), str):
        linked["type"] = value["type"]
    return linked


def from_cwl_job(document: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """OGC inputs from a CWL job file (cwltool's `job.yml`): `{class: File, path|location}` becomes a link.

    Relative paths are taken from the job file's folder, as cwltool does.
    """
    return {name: _from_cwl_value(value, base) for name, value in document.items()}


def _from_cwl_value(value: Any, base: Path) -> Any:
    if isinstance(value, list):
        return [_from_cwl_value(item, base) for item in value]
    if isinstance(value, Mapping) and value.get("class") in ("File", "Directory"):
        where = value.get("location") or value.get("path")
        if not isinstance(where, str):
            raise ValueError(f"A {value['class']} in the job file has no 'path' or 'location': {dict(value)!r}.")
        parts = urlsplit(where)
        if parts.scheme in ("", "file"):
            path = Path(unquote(parts.path))
            return {"href": str(path if path.is_absolute() else (base / path).resolve())}
        return {"href": where}
    return value


def parse_assignment(text: str) -> tuple[str, Any]:
    """`name=value` from the command line; the value read as a YAML scalar or flow collection (`3`, `[1, 2]`)."""
    name, separator, raw = text.partition("=")
    if not separator or not name.strip():
        raise ValueError(f"Input '{text}' is not of the form name=value.")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    # YAML reads dates and the like into Python objects; keep those as the text that was typed.
    if value is not None and not isinstance(value, str | int | float | list | dict):
        value = raw
    return name.strip(), value
