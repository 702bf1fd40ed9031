"""Stage out: put a CWL run's output files into storage and describe every output as an `OutputValue`.

Keys: a File output goes to `jobs/<job>/<output>/<basename>` (its secondaryFiles beside it), a Directory output's
files to `jobs/<job>/<output>/<directory name>/<relative path>`. In an array whose members share a basename (a
scatter's outputs usually do), each member goes one level deeper, under its index, so none overwrites another.
Files and Directories anywhere else in an output (record fields, nested arrays, `Any`) are stored too, under
`jobs/<job>/<output>/<field or index>/...`.

Every output that holds files also keeps its CWL value (`OutputValue.value`) with each `location` the stored file's
href, and `basename`, `size`, `checksum`, `format`, `secondaryFiles` and nested `listing`s (empty directories
keep their name), in the shape cwltool returned: what `application/cwl+json` results show.

Stage-out writes through `JobStorage`, which takes only keys under the job's own prefix and only files inside the
job's work directory (a tool's symbolic link to `/etc/shadow`, or to another job's files, is refused; a link to a
file the job made is stored as that file). Every name from the run passes `swath.paths` first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from swath.errors import JobFailed
from swath.layout import is_job_key, output_key
from swath.paths import UnsafePath, confined, safe_name
from swath.storage import Storage
from swath.storage.local import guess_media_type
from swath.store.records import JSON, OutputValue, StoredFile

_IANA_PREFIXES = (
    "http://www.iana.org/assignments/media-types/",
    "https://www.iana.org/assignments/media-types/",
)


@dataclass(frozen=True)
class Product:
    """Stored files that become one STAC item: one output File with its secondaryFiles, or one Directory.

    `prefix` is the key the asset names are relative to; `directory` is the local copy of a Directory output,
    kept for reading a STAC catalog the tool wrote into it.
    """

    output_id: str
    prefix: str
    files: list[StoredFile]
    directory: Path | None = None


@dataclass(frozen=True)
class StoredOutputs:
    values: dict[str, OutputValue]
    products: list[Product]


class JobStorage:
    """The storage as one job's stage-out sees it: writes only under `jobs/<job id>/`, of files inside `work_dir`.

    The part of `Storage` that stage-out and the STAC catalog use; everything else stays with the real storage.
    """

    def __init__(self, storage: Storage, job_id: str, work_dir: Path) -> None:
        self.storage = storage
        self.job_id = job_id
        self.work_dir = work_dir

    def href(self, key: str) -> str:
        return self.storage.href(key)

    def put_file(self, key: str, source: Path, media_type: str | None = None) -> StoredFile:
        self._check_key(key)
        try:
            inside = confined(source, self.work_dir)
        except UnsafePath as error:
            raise JobFailed(
                f"Output file {self._relative(key)} is not stored: {error}; only files the job made are."
            ) from error
        return self.storage.put_file(key, inside, media_type)

    def put_bytes(self, key: str, data: bytes, media_type: str) -> StoredFile:
        self._check_key(key)
        return self.storage.put_bytes(key, data, media_type)

    def is_inside(self, path: Path) -> bool:
        """Whether `path`, links followed, lies in the job's work directory (listed and stored) or not (left out)."""
        return _is_within(path, self.work_dir)

    def _check_key(self, key: str) -> None:
        if not is_job_key(key, self.job_id):
            raise JobFailed(f"Stage-out refused to write {key[:200]!r}, which lies outside the job's own outputs.")

    def _relative(self, key: str) -> str:
        return key.removeprefix(output_key(self.job_id, "") + "/")


def check_output_links(cwl_outputs: Mapping[str, Any], roots: list[Path]) -> None:
    """Refuse outputs that are, or hold, symbolic links to anything outside `roots` (the job's work directory and
    the input directories its inputs may lie in), as the tools left them: before cwltool copies what links
    point to."""
    for output_id, value in cwl_outputs.items():
        for member in _cwl_objects(value):
            path = _path(member)
            entries = [path]
            if path.is_dir() and not path.is_symlink():
                for folder, folders, files in os.walk(path):
                    entries.extend(Path(folder, name) for name in [*folders, *files])
            for entry in entries:
                if not any(_is_within(entry, root) for root in roots):
                    raise JobFailed(
                        f"Output '{output_id}' holds {entry.name!r}, a link to a file outside the job's directory; "
                        "only files the job made are stored."
                    )


def _is_within(path: Path, root: Path) -> bool:
    try:
        confined(path, root)
    except UnsafePath:
        return False
    return True


def _cwl_objects(value: Any) -> list[JSON]:
    """Every File and Directory in an output value, secondaryFiles and listings included."""
    if isinstance(value, list):
        return [found for item in value for found in _cwl_objects(item)]
    if not isinstance(value, dict):
        return []
    found = [value] if _cwl_class(value) else []
    return found + [nested for item in value.values() for nested in _cwl_objects(item)]


def store_outputs(cwl_outputs: Mapping[str, Any], storage: JobStorage) -> StoredOutputs:
    values: dict[str, OutputValue] = {}
    products: list[Product] = []
    for output_id, value in cwl_outputs.items():
        members = value if isinstance(value, list) else [value]
        prefix = output_key(storage.job_id, output_id)
        if members and all(_cwl_class(member) and not isinstance(member, list) for member in members):
            prefixes = _member_prefixes(prefix, members)
            stored = [
                _store_member(output_id, key, member, storage) for key, member in zip(prefixes, members, strict=True)
            ]
            products.extend(stored)
            values[output_id] = OutputValue(
                value=_cwl_value(value, prefixes if isinstance(value, list) else prefixes[0], storage),
                files=[file for product in stored for file in product.files],
                cwl_class=_cwl_class(members[0]),
            )
        elif _holds_files(value):
            nested = [
                (key, _store_member(output_id, key, member, storage)) for key, member in _nested_members(prefix, value)
            ]
            products.extend(product for _, product in nested)
            values[output_id] = OutputValue(
                value=_nested_cwl_value(prefix, value, storage), files=[f for _, p in nested for f in p.files]
            )
        else:
            values[output_id] = OutputValue(value=value)
    return StoredOutputs(values=values, products=products)


def _holds_files(value: Any) -> bool:
    if isinstance(value, list):
        return any(_holds_files(item) for item in value)
    if isinstance(value, dict):
        return _cwl_class(value) is not None or any(_holds_files(item) for item in value.values())
    return False


def _nested_members(prefix: str, value: Any) -> list[tuple[str, JSON]]:
    """Every File/Directory in a value that is not a plain list of them, with the key prefix it is stored under."""
    if _cwl_class(value):
        return [(prefix, value)]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _nested_members(f"{prefix}/{index}", item)]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _nested_members(f"{prefix}/{key}", item)]
    return []


def _nested_cwl_value(prefix: str, value: Any, storage: JobStorage) -> Any:
    if _cwl_class(value):
        return _cwl_value(value, prefix, storage)
    if isinstance(value, list):
        return [_nested_cwl_value(f"{prefix}/{index}", item, storage) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: _nested_cwl_value(f"{prefix}/{key}", item, storage) for key, item in value.items()}
    return value


def _cwl_value(value: Any, prefix: str | list[str], storage: JobStorage) -> Any:
    """The CWL value of stored members, each location the href its file was stored at."""
    if isinstance(value, list):
        keys = prefix if isinstance(prefix, list) else [prefix] * len(value)
        return [_cwl_value(member, key, storage) for member, key in zip(value, keys, strict=True)]
    key = f"{prefix}/{_name(value)}"
    path = _path(value)
    described: JSON = {"class": value["class"], "location": storage.href(key), "basename": _name(value)}
    if value["class"] == "File":
        size = path.stat().st_size if path.exists() else value.get("size")
        described.update({"size": size, "nameroot": Path(_name(value)).stem, "nameext": Path(_name(value)).suffix})
        for field in ("checksum", "format", "contents"):
            if value.get(field) is not None:
                described[field] = value[field]
        if value.get("secondaryFiles"):
            described["secondaryFiles"] = [_cwl_value(item, prefix, storage) for item in value["secondaryFiles"]]
    else:
        described["listing"] = _listing(path, key, storage)
    return described


def _listing(directory: Path, key: str, storage: JobStorage) -> list[JSON]:
    """A stored directory's deep listing, read from the run's copy on disk."""
    if not directory.is_dir():
        return []
    listing: list[JSON] = []
    for child in sorted(directory.iterdir()):
        if not storage.is_inside(child):
            continue  # a link out of the job: neither stored (`JobStorage`) nor listed
        child_key = f"{key}/{child.name}"
        entry: JSON = {"class": "Directory" if child.is_dir() else "File", "location": storage.href(child_key)}
        entry["basename"] = child.name
        if child.is_dir():
            entry["listing"] = _listing(child, child_key, storage)
        else:
            entry.update({"size": child.stat().st_size, "nameroot": child.stem, "nameext": child.suffix})
        listing.append(entry)
    return listing


def _cwl_class(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("class") in ("File", "Directory"):
        return str(value["class"])
    return None


def _member_prefixes(prefix: str, members: list[JSON]) -> list[str]:
    names = [_name(member) for member in members]
    if len(members) == 1 or len(set(names)) == len(names):
        return [prefix] * len(members)
    return [f"{prefix}/{index}" for index in range(len(members))]


def _store_member(output_id: str, prefix: str, member: JSON, storage: JobStorage) -> Product:
    path = _path(member)
    if member["class"] == "Directory":
        return Product(output_id, f"{prefix}/{_name(member)}", _put_tree(storage, prefix, member), directory=path)
    files = [_put(storage, f"{prefix}/{_name(member)}", path, member.get("format"))]
    for secondary in member.get("secondaryFiles") or []:
        if secondary.get("class") == "Directory":
            files.extend(_put_tree(storage, prefix, secondary))
        else:
            files.append(_put(storage, f"{prefix}/{_name(secondary)}", _path(secondary), secondary.get("format")))
    return Product(output_id, prefix, files)


def _put_tree(storage: JobStorage, prefix: str, member: JSON) -> list[StoredFile]:
    directory = _path(member)
    if not directory.is_dir():
        raise JobFailed(f"Output directory {_name(member)} is missing after the run; see the job log.")
    return [
        _put(storage, f"{prefix}/{_name(member)}/{file.relative_to(directory).as_posix()}", file, None)
        for file in sorted(directory.rglob("*"))
        if file.is_file()
    ]


def _name(member: JSON) -> str:
    # The CWL basename, not the file's name on disk: cwltool renames colliding outputs to 'x_2', 'x_3'.
    name = str(member.get("basename") or _path(member).name)
    try:
        return safe_name(name)
    except UnsafePath as error:
        raise JobFailed(f"An output's basename is not a file name Swath can store: {error}.") from error


def _put(storage: JobStorage, key: str, path: Path, cwl_format: Any) -> StoredFile:
    if not path.exists():
        raise JobFailed(f"Output file {path.name} is missing after the run; see the job log.")
    return storage.put_file(key, path, media_type=_media_type(key, cwl_format))


def _media_type(key: str, cwl_format: Any) -> str:
    """The CWL `format` when it names an IANA media type, else a guess from the file name."""
    if isinstance(cwl_format, str):
        for prefix in _IANA_PREFIXES:
            if cwl_format.startswith(prefix) and "/" in cwl_format.removeprefix(prefix):
                return cwl_format.removeprefix(prefix)
    return guess_media_type(key)


def _path(member: JSON) -> Path:
    location = str(member.get("location") or member.get("path") or "")
    parsed = urlparse(location)
    if parsed.scheme not in ("", "file"):
        raise JobFailed(f"Output {member.get('basename')} is at {location}, which Swath cannot store.")
    return Path(url2pathname(parsed.path))
