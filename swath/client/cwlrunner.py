"""Swath as a `cwl-runner`: run a CWL file with a CWL job file through a server's OGC API, as cwltool would.

The package is deployed (a document that names other files is packed first, the way `cwltool --pack` does, and
relative file references become absolute `file://` URIs that the server checks against its input roots), the job
file's values are sent as execute inputs (CWL File and Directory objects are sent as themselves), and the outputs are
asked for as CWL values (`application/cwl+json`). Every file of them is downloaded into the output directory and
the CWL output object is rewritten to point there, as cwltool prints it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from swath.client.client import Client
from swath.client.errors import APIError
from swath.client.jobs import Job

__all__ = ["CWL_JSON", "JobFailed", "cwl_inputs", "deploy_package", "run_package"]

CWL_JSON = "application/cwl+json"
_CHUNK = 1 << 16
_FILE_CLASSES = ("File", "Directory")


class JobFailed(Exception):
    """The job ran and did not succeed; the message is the job's."""


def run_package(
    client: Client, tool: str, job: Mapping[str, Any], base: Path, outdir: Path, process_id: str | None = None
) -> dict[str, Any]:
    """Deploy `tool` (a path, with an optional `#entry`; unless `process_id` names it deployed already), run it on
    the CWL job `job`, and return the CWL output object with every file downloaded under `outdir`.

    `base` is the folder relative paths of the job are taken from (the job file's). Raises JobFailed when the job
    does not succeed.
    """
    process_id = process_id or deploy_package(client, tool)
    description = client.process(process_id)
    outputs = {name: {"format": {"mediaType": CWL_JSON}} for name in description.get("outputs") or {}}
    # cwltool ignores job keys that are no input of the tool; the OGC API refuses them, so they are left out here.
    known = set(description.get("inputs") or {}) | {"cwl:requirements"}
    namespaces = _namespaces(Path(tool.partition("#")[0]))
    inputs = {name: value for name, value in cwl_inputs(job, base, namespaces).items() if name in known}
    started = client.execute(process_id, inputs, outputs=outputs)
    finished = started.wait(show=False)
    if finished.status != "successful":
        raise JobFailed(finished.message or f"Job {finished.id} ended {finished.status}.")
    return collect_outputs(finished, description, outdir)


def deploy_package(client: Client, tool: str) -> str:
    """The id of the process that runs `tool`: deployed under an id made from its content, or already there."""
    path_text, _, entry = tool.partition("#")
    path = Path(path_text).resolve()
    body, media_type, packed = _package_body(path, entry or None)
    if packed:
        entry = ""  # Packing makes the chosen process the $graph's `#main`.
    process_id = "cwl-" + hashlib.sha256(body + (entry or "").encode()).hexdigest()[:20]
    wrapped = {
        "processDescription": {"process": {"id": process_id}},
        "executionUnit": {"value": body.decode("utf-8"), "mediaType": media_type},
    }
    try:
        client.deploy(wrapped, workflow=entry or None)
    except APIError as error:
        if error.status != 409:
            raise
    return process_id


def _package_body(path: Path, entry: str | None) -> tuple[bytes, str, bool]:
    """The package as written when it is self-contained, else packed into one document when it names other files;
    and whether it was packed."""
    text = path.read_text(encoding="utf-8")
    document = _load_yaml(text)
    if not _names_other_files(document) and not _has_relative_files(document):
        return text.encode("utf-8"), "application/cwl+yaml", False
    is_packed = _names_other_files(document)
    packed = _pack(path, entry) if is_packed else document
    absolute = _absolute_files(packed, path.parent.as_uri() + "/")
    return json.dumps(absolute, ensure_ascii=False).encode("utf-8"), CWL_JSON, is_packed


def _load_yaml(text: str) -> Any:
    from schema_salad.utils import yaml_no_ts

    return yaml_no_ts().load(text)


def _names_other_files(node: Any) -> bool:
    """Whether the document loads other documents: `run:` a path, `$import`, `$include`, `$mixin`."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("$import", "$include", "$mixin"):
                return True
            if key == "run" and isinstance(value, str):
                return True
            if _names_other_files(value):
                return True
    elif isinstance(node, list):
        return any(_names_other_files(item) for item in node)
    return False


def _has_relative_files(node: Any) -> bool:
    if isinstance(node, Mapping):
        if node.get("class") in _FILE_CLASSES and _is_relative(node.get("location") or node.get("path")):
            return True
        return any(_has_relative_files(value) for value in node.values())
    if isinstance(node, list):
        return any(_has_relative_files(item) for item in node)
    return False


def _is_relative(where: Any) -> bool:
    return isinstance(where, str) and not urlsplit(where).scheme and not where.startswith("/")


def _pack(path: Path, entry: str | None) -> Any:
    from cwltool.context import LoadingContext
    from cwltool.load_tool import fetch_document, resolve_and_validate_document
    from cwltool.pack import pack

    uri = path.as_uri() + (f"#{entry}" if entry else "")
    context, workflowobj, uri = fetch_document(uri, LoadingContext())
    context, uri = resolve_and_validate_document(context, workflowobj, uri)
    if context.loader is None:
        raise ValueError(f"{path} could not be loaded to be packed.")
    return json.loads(json.dumps(pack(context, uri)))


def _absolute_files(node: Any, base: str) -> Any:
    """`node` with the relative `location`/`path` of every File and Directory made absolute against `base`."""
    if isinstance(node, Mapping):
        copy = {key: _absolute_files(value, base) for key, value in node.items()}
        if copy.get("class") in _FILE_CLASSES:
            for key in ("location", "path"):
                if _is_relative(copy.get(key)):
                    copy["location"] = urljoin(base, str(copy.pop(key)))
        return copy
    if isinstance(node, list):
        return [_absolute_files(item, base) for item in node]
    return node


def _namespaces(path: Path) -> dict[str, Any]:
    document = _load_yaml(path.read_text(encoding="utf-8"))
    found = document.get("$namespaces") if isinstance(document, Mapping) else None
    return dict(found) if isinstance(found, Mapping) else {}


def cwl_inputs(job: Mapping[str, Any], base: Path, namespaces: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Execute inputs from a CWL job: values as they are, File and Directory objects with absolute locations.

    `cwl:tool` is left out (the tool is deployed); `cwl:requirements` goes as itself, which the server adds to the
    run, as cwltool does. Format prefixes (`edam:`) are expanded with the tool's `namespaces` and the job's own.
    """
    given = job.get("$namespaces")
    namespaces = {**(namespaces or {}), **(given if isinstance(given, Mapping) else {})}
    return {
        name: _expanded_formats(_absolute_files(value, base.resolve().as_uri() + "/"), namespaces)
        for name, value in job.items()
        if name not in ("cwl:tool", "$namespaces", "$schemas")
    }


def _expanded_formats(node: Any, namespaces: Mapping[str, Any]) -> Any:
    """`format: edam:format_2330` written with the job's `$namespaces`, as the full URI cwltool compares."""
    if isinstance(node, list):
        return [_expanded_formats(item, namespaces) for item in node]
    if not isinstance(node, Mapping):
        return node
    copy = {key: _expanded_formats(value, namespaces) for key, value in node.items()}
    prefix, colon, rest = str(copy.get("format", "")).partition(":")
    if copy.get("class") == "File" and colon and prefix in namespaces:
        copy["format"] = str(namespaces[prefix]) + rest
    return copy


# Collecting the outputs -------------------------------------------------------------------------------------------


def collect_outputs(job: Job, description: Mapping[str, Any], outdir: Path) -> dict[str, Any]:
    """The CWL output object of a finished job, its files downloaded under `outdir`."""
    results = job.results()
    collected: dict[str, Any] = {}
    taken: set[str] = set()
    for name in description.get("outputs") or {}:
        value = results.get(name)
        if isinstance(value, Mapping) and value.get("mediaType") == CWL_JSON and "value" in value:
            collected[name] = _download_value(job, value["value"], outdir, taken)
        else:
            cwl_class = (description["outputs"][name] or {}).get("x-cwl-class")
            collected[name] = _from_links(job, value, cwl_class, outdir, taken) if cwl_class else value
    return collected


def _from_links(job: Job, value: Any, cwl_class: str, outdir: Path, taken: set[str]) -> Any:
    """CWL values from the plain OGC forms (a link, or a list of links), for a server that answers no CWL values."""
    if value is None:
        return None
    links = value["value"] if isinstance(value, Mapping) and isinstance(value.get("value"), list) else [value]
    if cwl_class == "File":
        files = [
            _download_value(job, {"class": "File", "location": link["href"]}, outdir, taken)
            for link in links
            if isinstance(link, Mapping)
        ]
        return files if isinstance(value, Mapping) and isinstance(value.get("value"), list) else files[0]
    # A Directory: its files' hrefs end in <output>/<directory name>/<relative path>.
    marker = f"/jobs/{job.id}/outputs/"
    roots: dict[str, None] = {}
    for link in links:
        relative = unquote(urlsplit(str(link.get("href", ""))).path).split(marker, 1)[-1]
        parts = relative.split("/")[1:]
        if len(parts) >= 2:
            roots[parts[0]] = None
            _fetch(job, str(link["href"]), outdir.joinpath(*parts))
    return _listing_of(outdir / next(iter(roots))) if roots else None


def _listing_of(path: Path) -> dict[str, Any]:
    if path.is_dir():
        listing = [_listing_of(child) for child in sorted(path.iterdir())]
        return {
            "class": "Directory",
            "location": path.as_uri(),
            "path": str(path),
            "basename": path.name,
            "listing": listing,
        }
    return {
        "class": "File",
        "location": path.as_uri(),
        "path": str(path),
        "basename": path.name,
        "checksum": _sha1(path),
        "size": path.stat().st_size,
    }


def _download_value(job: Job, value: Any, target: Path, taken: set[str]) -> Any:
    if isinstance(value, list):
        return [_download_value(job, item, target, taken) for item in value]
    if not isinstance(value, Mapping):
        return value
    if value.get("class") not in _FILE_CLASSES:
        return {key: _download_value(job, item, target, taken) for key, item in value.items()}
    name = _free_name(str(value.get("basename") or _href_name(str(value.get("location", "")))), taken)
    path = target / name
    result = {key: item for key, item in value.items() if key not in ("listing", "secondaryFiles", "location")}
    if value["class"] == "File":
        _fetch(job, str(value["location"]), path)
        result.update(checksum=_sha1(path), size=path.stat().st_size)
    else:
        path.mkdir(parents=True, exist_ok=True)
        inner: set[str] = set()
        result["listing"] = [_download_value(job, item, path, inner) for item in value.get("listing") or []]
    result.update(location=path.as_uri(), path=str(path), basename=name)
    if value.get("secondaryFiles"):
        result["secondaryFiles"] = [_download_value(job, item, target, taken) for item in value["secondaryFiles"]]
    return result


def _free_name(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3`… as cwltool names colliding outputs."""
    candidate, count = name, 1
    while candidate in taken:
        count += 1
        candidate = f"{name}_{count}"
    taken.add(candidate)
    return candidate


def _href_name(href: str) -> str:
    return unquote(urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]) or "output"


def _fetch(job: Job, href: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with job.transport.stream(href) as response, path.open("wb") as stream:
        for chunk in response.iter_bytes(_CHUNK):
            stream.write(chunk)


def _sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return "sha1$" + digest.hexdigest()
