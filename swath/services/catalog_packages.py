"""Read a registration body into a catalog package, validate it with cwltool, and describe it.

A registration is CWL (YAML or JSON), an OGC `ogcapppkg` (its execution unit inline or linked, fetched through
services/network.py's checked fetch), or a zip of a multi-file package. Whatever the form, the package becomes a
set of files with one entry file, is loaded by the real cwltool from a folder holding exactly those files (as a run
loads it, services/cwl_loading.py), and is refused with every problem cwltool names. Departures from the OGC Best
Practice for EO Application Packages (OGC 20-089) do not refuse it: they are kept as warnings with the version.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwltool.process import Process
from ruamel.yaml.error import YAMLError
from schema_salad.utils import yaml_no_ts

from swath.errors import InvalidApplication, InvalidPackage
from swath.services.cwl_loading import describe_cwl_error, load_and_pack, load_document
from swath.services.descriptions import plain_json
from swath.services.network import IPNetwork
from swath.services.package_archives import read_zip
from swath.services.package_fetches import PackageRules, fetch_remote_package, remote_source
from swath.services.package_sources import DocumentLimits, check_yaml_document, read_package_source
from swath.services.packages import package_id
from swath.store.records import JSON

__all__ = ["ZIP_MEDIA_TYPE", "CatalogPackage", "package_checksum", "package_download", "read_catalog_package"]

ZIP_MEDIA_TYPE = "application/zip"
_SINGLE_FILE = "package.cwl"
_REFUSED = "cwltool refused it"
_LOCATED = re.compile(r"^(?P<where>[^\s:]+:\d+:\d+):\s*(?P<what>.*)$")
_SCHEMA_ORG = ("https://schema.org/", "http://schema.org/")
_METADATA_TERMS = ("name", "description", "keywords", "author", "license", "codeRepository", "softwareVersion")


@dataclass(frozen=True)
class CatalogPackage:
    """A package cwltool loaded, with its suggested name and version, metadata and best-practice warnings."""

    files: dict[str, bytes]
    entry_path: str
    entry_id: str | None
    name: str | None
    version: str | None
    metadata: JSON
    warnings: list[str] = field(default_factory=list)
    # The package as one document (`cwltool --pack`, JSON), for a package of several files; None for one file.
    packed: bytes | None = None


def package_checksum(files: dict[str, bytes]) -> str:
    """One digest of every file's path and content: the same package gives the same checksum, whatever its order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(files[path]).digest())
    return "sha256:" + digest.hexdigest()


def read_catalog_package(
    body: bytes, media_type: str, rules: PackageRules, entry_path: str | None = None
) -> CatalogPackage:
    """Validate a registration body; InvalidApplication lists every problem cwltool found. `entry_path` names the
    entry file of a multi-file package (by default the only CWL file at its top, else the only Workflow there)."""
    essence = media_type.split(";", 1)[0].strip().lower()
    process: JSON = {}
    origin: JSON = {}
    remote = remote_source(body, essence)
    if essence == ZIP_MEDIA_TYPE:
        files = read_zip(body, rules.limits)
    elif remote is not None:
        fetched = fetch_remote_package(remote, rules)
        files, origin, entry_path = fetched.files, fetched.origin, entry_path or fetched.entry_path
    else:
        _, source = read_package_source(body, media_type, rules.fetch)  # UnsupportedMediaType names the accepted
        files, process = {_SINGLE_FILE: source.text.encode("utf-8")}, source.process
    entry_path = _entry_file(files, entry_path)
    _check_documents(files)
    document = _parse(files[entry_path], entry_path)
    entry_id, entry = _entry(document)
    tool, packed = _load(files, entry_path, entry_id, rules.networks)
    metadata = _metadata(document, entry, tool)
    if origin:
        metadata["source"] = origin
    return CatalogPackage(
        files=files,
        entry_path=entry_path,
        entry_id=entry_id,
        name=package_id(process, document, entry_id or _bare_id(entry.get("id")) or "main", entry),
        version=str(process["version"]) if process.get("version") else metadata.get("softwareVersion"),
        metadata=metadata,
        warnings=list(best_practice_warnings(tool, metadata)),
        packed=packed,
    )


# Files ------------------------------------------------------------------------------------------------------------


def _entry_file(files: dict[str, bytes], named: str | None) -> str:
    """The CWL file that runs: the one named, else the only one at the package's top, else the only Workflow
    among those."""
    if named is not None:
        if named not in files:
            raise InvalidPackage(
                f"The entry file '{named[:200]}' is not in the package; it holds: {', '.join(sorted(files)[:20])}."
            )
        return named
    top = sorted(path for path in files if "/" not in path and path.endswith(".cwl"))
    if list(files) == [_SINGLE_FILE] or len(top) == 1:
        return top[0] if top else _SINGLE_FILE
    if not top:
        raise InvalidPackage("The package holds no .cwl file at its top; put the entry point there, or name it.")
    workflows = [path for path in top if _parse(files[path], path).get("class") == "Workflow"]
    if len(workflows) == 1:
        return workflows[0]
    raise InvalidPackage(
        f"The package's top holds several CWL files ({', '.join(top[:20])}) and not exactly one Workflow; name the "
        "entry file (`entry`)."
    )


def _check_documents(files: dict[str, bytes]) -> None:
    """Every YAML or JSON file of a multi-file package within the node and depth limits, before cwltool reads
    (and expands) it: a step file can be an alias bomb as well as the entry."""
    if len(files) == 1:
        return  # the one file of a CWL or ogcapppkg body was read with the limits already
    for path, content in files.items():
        if path.endswith((".cwl", ".yml", ".yaml", ".json")):
            check_yaml_document(_text(content, path), path, DocumentLimits())


def _text(content: bytes, path: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidPackage(f"{path} is not UTF-8 text: byte {error.start} cannot be decoded.") from error


def _parse(content: bytes, path: str) -> JSON:
    try:
        document = yaml_no_ts().load(content.decode("utf-8"))
    except (UnicodeDecodeError, YAMLError) as error:
        raise InvalidApplication(f"{path} is not readable YAML.", [f"{path}: {error}"]) from error
    if not isinstance(document, dict):
        raise InvalidApplication(f"{path} is not a CWL document.", [f"{path}: the document is not a mapping"])
    parsed: JSON = plain_json(document)
    return parsed


# Loading ----------------------------------------------------------------------------------------------------------


def _entry(document: JSON) -> tuple[str | None, JSON]:
    """The object that runs: the document, or for a `$graph` its `main`, else its only Workflow, else its only
    object (cwltool's and OGC 20-089's convention)."""
    graph = document.get("$graph")
    if graph is None:
        return None, document
    objects = (
        {_bare_id(item.get("id")): item for item in graph if isinstance(item, dict)} if isinstance(graph, list) else {}
    )
    objects.pop(None, None)
    workflows = [key for key, item in objects.items() if item.get("class") == "Workflow"]
    for candidates in (["main"] if "main" in objects else [], workflows, list(objects)):
        if len(candidates) == 1 and candidates[0] is not None:
            return candidates[0], objects[candidates[0]]
    raise InvalidApplication(
        "The package's $graph has no single entry point.",
        ["give the $graph one Workflow, or an object with id 'main'"],
    )


def _load(
    files: dict[str, bytes], entry_path: str, entry_id: str | None, networks: Sequence[IPNetwork]
) -> tuple[Process, bytes | None]:
    """The tool cwltool loads from a folder of exactly the package's files, and for a multi-file package its
    packed document (what a process deployed from the version runs)."""
    with tempfile.TemporaryDirectory(prefix="swath-catalog-") as directory:
        folder = Path(directory)
        for path, content in files.items():
            target = folder / path
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            except OSError as error:  # `a` and `a/b` both files: the zip was valid, the package is not
                raise InvalidPackage(f"The package's file '{path}' clashes with another of its paths.") from error
        try:
            if len(files) == 1:
                return load_document(folder / entry_path, entry_id, InvalidPackage, _REFUSED, networks=networks), None
            tool, packed = load_and_pack(folder / entry_path, entry_id, InvalidPackage, _REFUSED, networks=networks)
        except InvalidPackage as refused:
            problems = _problems(refused.__cause__, folder) or [refused.detail]
            raise InvalidApplication(
                f"The package is not valid CWL: {len(problems)} problem(s), listed in `errors`.", problems
            ) from refused
    return tool, json.dumps(packed, indent=2, ensure_ascii=False).encode("utf-8")


def _problems(cause: BaseException | None, folder: Path) -> list[str]:
    """cwltool's message as a list of problems, each `file:line:column: what is wrong`, the server's folder left
    out.

    schema-salad writes a tree: `file:line:col:` lines, continued on unprefixed lines, its separate problems
    marked `* ` under the object they belong to. Each marked branch becomes one problem, placed at its deepest
    line; a message without branches is one problem.
    """
    if cause is None:
        return []
    entries: list[tuple[str, str]] = []
    for raw in str(cause).splitlines():
        line = describe_cwl_error(Exception(raw), folder)
        located = _LOCATED.match(line)
        if located:
            entries.append((located["where"], located["what"]))
        elif entries and line:
            entries[-1] = (entries[-1][0], f"{entries[-1][1]} {line}")
        elif line:
            entries.append(("", line))
    branches: list[list[tuple[str, str]]] = []
    for where, what in entries:
        if what.startswith("* ") or not branches:
            branches.append([])
        branches[-1].append((where, what.removeprefix("* ")))
    if len(branches) > 1 and not entries[0][1].startswith("* "):
        branches = branches[1:]  # the head ("Object ... is not valid because") only introduces the branches
    return [_joined(branch) for branch in branches]


def _joined(branch: list[tuple[str, str]]) -> str:
    where = next((where for where, _ in reversed(branch) if where), "")
    text = " ".join(what for _, what in branch)
    return f"{where}: {text}" if where else text


def _bare_id(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or None


# Metadata and the best practice -----------------------------------------------------------------------------------


def _metadata(document: JSON, entry: JSON, tool: Process) -> JSON:
    """The schema.org fields of the entry object, else of the document's top, in their schema.org names."""
    namespaces = document.get("$namespaces") or {}
    prefixes = [*_SCHEMA_ORG, *(f"{prefix}:" for prefix, uri in namespaces.items() if uri in _SCHEMA_ORG)]
    found: JSON = {}
    for term in _METADATA_TERMS:
        for holder in (entry, document):
            values = [holder[prefix + term] for prefix in prefixes if prefix + term in holder]
            if values:
                found[term] = _plain_term(term, values[0], prefixes)
                break
    if "name" not in found and isinstance(entry.get("label"), str):
        found["name"] = entry["label"]
    # The loaded tool's `doc`, with any `$include` resolved, before the document's own.
    doc = next((value for value in (tool.tool.get("doc"), entry.get("doc")) if isinstance(value, str | list)), None)
    if "description" not in found and doc is not None:
        found["description"] = "\n".join(map(str, doc)) if isinstance(doc, list) else doc
    found["containers"] = sorted(set(_containers(tool)))
    return found


def _plain_term(term: str, value: Any, prefixes: Sequence[str]) -> Any:
    if term == "keywords":
        items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else [value]
        return [str(item).strip() for item in items if str(item).strip()]
    if term == "author":
        people = value if isinstance(value, list) else [value]
        return [_person_name(person, prefixes) for person in people]
    return str(value) if not isinstance(value, dict | list) else value


def _person_name(person: Any, prefixes: Sequence[str]) -> str:
    if isinstance(person, dict):
        for prefix in prefixes:
            if prefix + "name" in person:
                return str(person[prefix + "name"])
    return str(person)


def _processes(tool: Process) -> Iterator[Process]:
    """The tool and, for a Workflow, every process its steps run, however deep."""
    yield tool
    for step in getattr(tool, "steps", []):
        yield from _processes(step.embedded_tool)


def _requirement_classes(process: Process) -> set[str]:
    return {str(item.get("class", "")).rsplit("#", 1)[-1] for item in [*process.requirements, *process.hints]}


def _containers(tool: Process) -> Iterator[str]:
    for process in _processes(tool):
        for item in [*process.requirements, *process.hints]:
            if str(item.get("class", "")).endswith("DockerRequirement") and item.get("dockerPull"):
                yield str(item["dockerPull"])


def _short_id(process: Process) -> str:
    return _bare_id(process.tool.get("id")) or str(process.tool.get("class"))


def best_practice_warnings(tool: Process, metadata: JSON) -> Iterator[str]:
    """Where the package departs from OGC 20-089 (Best Practice for EO Application Packages), one sentence each."""
    kind = tool.tool.get("class")
    if kind != "Workflow":
        yield f"The entry point is a {kind}, not a Workflow; the best practice wraps CommandLineTools in one Workflow."
    for process in _processes(tool):
        if process.tool.get("class") != "CommandLineTool":
            continue
        needs = _requirement_classes(process)
        if "DockerRequirement" not in needs:
            yield f"CommandLineTool '{_short_id(process)}' has no DockerRequirement; the best practice names an image."
        if "ResourceRequirement" not in needs:
            yield f"CommandLineTool '{_short_id(process)}' has no ResourceRequirement; state the cores and RAM it uses."
    if not _has_directory(tool.tool.get("inputs", [])):
        yield "No input is a Directory; the best practice passes products as Directories holding a STAC catalog."
    if not _has_directory(tool.tool.get("outputs", [])):
        yield "No output is a Directory; the best practice returns products as a Directory holding a STAC catalog."
    if "softwareVersion" not in metadata:
        yield "The package has no s:softwareVersion; the version was given at registration or defaulted."


def _has_directory(parameters: Sequence[JSON]) -> bool:
    return any("Directory" in repr(parameter.get("type")) for parameter in parameters)


def package_download(files: dict[str, bytes], packed: bytes | None = None) -> tuple[bytes, str]:
    """A version's package as one download: its packed document when given, its only file as CWL, or every file
    in a zip (paths kept, times fixed so that the same version always downloads as the same bytes)."""
    if packed is not None:
        return packed, "application/cwl+json"
    if list(files) == [_SINGLE_FILE]:
        return files[_SINGLE_FILE], "application/cwl+yaml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), files[path])
    return buffer.getvalue(), ZIP_MEDIA_TYPE
