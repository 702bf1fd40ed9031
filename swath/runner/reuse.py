"""The runner's half of result reuse (services/reuse.py): the checksums of staged inputs and of images, and the
copy of an earlier job's outputs into this job's work directory, from where the usual stage-out stores them.

Going through stage-out again gives the new job outputs of its own (its keys, its STAC catalog and items), which
stay whole whatever happens to the job they came from.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import NoSuchFile
from swath.runner.joblog import runner_logger
from swath.services.containers import image_names
from swath.services.reuse import allows_reuse, mark_reused, record_and_find, reuse_key, reused_message, wants_reuse
from swath.storage import Storage
from swath.store.jobs import results_from_json
from swath.store.records import JSON, JobRecord, ProcessRecord, StoredFile

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Reused:
    """An earlier job's outputs, copied under this job's work directory as a CWL output object."""

    outputs: JSON
    message: str


# What the run of one job calls after staging: the outputs to store instead of running, or None to run.
ReuseLookup = Callable[[JSON], Reused | None]


def reuse_lookup(
    sessions: sessionmaker[Session],
    storage: Storage,
    job: JobRecord,
    process: ProcessRecord,
    engine: str | None,
    work_dir: Path,
) -> ReuseLookup | None:
    """The lookup for a job of a process that allows reuse; None for any other (nothing is hashed)."""
    if not allows_reuse(process):
        return None

    def lookup(order: JSON) -> Reused | None:
        images = image_digests(process, engine)
        if images is None:
            runner_logger().info("Result reuse: an image is not on this machine yet; the job runs.")
            return None
        key = reuse_key(process, input_fingerprint(order), images)
        original = record_and_find(sessions, job, key, wanted=wants_reuse(job, process))
        if original is None or original.results is None:
            return None
        try:
            outputs = copy_outputs(original.results, storage, work_dir / "reused")
        except (NoSuchFile, OSError) as error:
            # Its files are gone (purged) or unreadable: this job runs, and its own results serve the next one.
            runner_logger().info(
                "Result reuse: job %s matches but its outputs cannot be copied (%s).", original.id, error
            )
            return None
        mark_reused(sessions, job, key, original)
        runner_logger().info("Result reuse: job %s has the same key (%s); its outputs are copied.", original.id, key)
        return Reused(outputs, reused_message(original.id))

    return lookup


def input_fingerprint(value: Any) -> Any:
    """The staged job order with every File and Directory replaced by the checksum of its content."""
    if isinstance(value, list):
        return [input_fingerprint(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("class") == "File":
        path = _local(value)
        found: JSON = {"class": "File", "checksum": file_digest(path)}
        if value.get("secondaryFiles"):
            found["secondaryFiles"] = input_fingerprint(value["secondaryFiles"])
        return found
    if value.get("class") == "Directory":
        return {"class": "Directory", "checksum": directory_digest(_local(value))}
    return {key: input_fingerprint(item) for key, item in value.items()}


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def directory_digest(directory: Path) -> str:
    """Over every file's path (relative, sorted) and content checksum: names and contents both count."""
    digest = hashlib.sha256()
    for file in sorted(path for path in directory.rglob("*") if path.is_file()):
        digest.update(f"{file.relative_to(directory).as_posix()}\0{file_digest(file)}\n".encode())
    return "sha256:" + digest.hexdigest()


def image_digests(process: ProcessRecord, engine: str | None) -> dict[str, str] | None:
    """Each image the package names, by the id its engine gives it here; {} when tools run on the host; None when
    one is missing (it will be pulled, and its digest is not known before)."""
    if engine is None or process.cwl is None:
        return {}
    digests: dict[str, str] = {}
    for name in image_names(process.cwl):
        found = subprocess.run(
            [engine, "image", "inspect", "--format", "{{.Id}}", name], capture_output=True, text=True, timeout=30
        )
        if found.returncode != 0 or not found.stdout.strip():
            return None
        digests[name] = found.stdout.strip()
    return digests


def copy_outputs(results: JSON, storage: Storage, target: Path) -> JSON:
    """The CWL output object of a job's stored `results`, each file copied under `target`."""
    stored = results_from_json(results)
    outputs: JSON = {}
    for output_id, output in stored.outputs.items():
        outputs[output_id] = _copy_value(output.value, output.files, storage, target / output_id)
    return outputs


def _copy_value(value: Any, files: list[StoredFile], storage: Storage, target: Path) -> Any:
    if isinstance(value, list):
        return [_copy_value(item, files, storage, target / str(index)) for index, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if value.get("class") not in ("File", "Directory"):
        return {key: _copy_value(item, files, storage, target / key) for key, item in value.items()}
    name = str(value["basename"])
    copy = target / name
    target.mkdir(parents=True, exist_ok=True)
    if value["class"] == "File":
        shutil.copyfile(storage.local_path(_key_of(str(value["location"]), files)), copy)
        member: JSON = {"class": "File", "location": copy.as_uri(), "basename": name}
        if value.get("format") is not None:
            member["format"] = value["format"]
        if value.get("secondaryFiles"):
            member["secondaryFiles"] = [_copy_value(item, files, storage, target) for item in value["secondaryFiles"]]
        return member
    prefix = _prefix_of(str(value["location"]), files)
    if prefix is None:
        copy.mkdir(exist_ok=True)
    else:
        shutil.copytree(storage.local_directory(prefix), copy, dirs_exist_ok=True)
    return {"class": "Directory", "location": copy.as_uri(), "basename": name}


def _key_of(href: str, files: list[StoredFile]) -> str:
    for stored in files:
        if stored.href == href:
            return stored.key
    raise NoSuchFile(f"The stored file at {href} is not among the job's outputs.")


def _prefix_of(href: str, files: list[StoredFile]) -> str | None:
    """The storage prefix of a stored directory, from one of its files (their keys and hrefs end alike)."""
    for stored in files:
        if stored.href.startswith(href.rstrip("/") + "/"):
            return stored.key[: len(stored.key) - (len(stored.href) - len(href.rstrip("/")))]
    return None


def _local(member: JSON) -> Path:
    location = str(member.get("path") or member.get("location") or "")
    return Path(url2pathname(urlparse(location).path))
