"""Result reuse: a job whose process version, inputs and images match an earlier successful job's takes its
results instead of running.

Opt-in twice over. A process allows it by declaring that its results depend only on what the key covers:

    $namespaces: {swath: "https://swath.dev/cwl#"}
    hints:
      swath:Reuse:
        default: true    # reuse unless a request refuses; false (the default): only when a request asks

and a request asks with `Prefer: swath-reuse` (or refuses with `Prefer: swath-reuse=false`). Without the hint a
request's preference is ignored: only the package's author can say its tools are deterministic.

The key (`sha256:` over canonical JSON) covers the process id, version and package checksum, every input value with
each file replaced by the SHA-256 of its content (staged first, so an href whose content changed misses) and each
image's digest when a container engine runs the tools. Only a job of the same owner is reused (the results a caller
may see); its files are copied into the new job's own outputs, so the new results stay whole when the first job is
dismissed or purged (a copy, not a reference count: storage grows, no other job's retention depends on this one).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import InvalidPackage
from swath.services.retries import package_hint
from swath.store import jobs as job_store
from swath.store.database import transaction
from swath.store.records import JSON, JobRecord, ProcessRecord

REUSE_HINT = "Reuse"
REUSED_MESSAGE = "Results reused from job {job_id} (same process version, inputs and images); nothing was run."


def check_reuse_hint(cwl: JSON | None, workflow_id: str | None) -> None:
    """Refuse at deploy a `swath:Reuse` hint that does not read as one (InvalidPackage naming the field)."""
    hint = package_hint(cwl, workflow_id, REUSE_HINT)
    if hint is None:
        return
    unknown = sorted(set(hint) - {"class", "default"})
    if unknown:
        raise InvalidPackage(f"The swath:Reuse hint has unknown fields {unknown}; allowed: default.")
    if not isinstance(hint.get("default", False), bool):
        raise InvalidPackage(f"The swath:Reuse hint's default is {hint['default']!r}; give true or false.")


def allows_reuse(process: ProcessRecord) -> bool:
    """Whether the process declares `swath:Reuse`: its jobs record a reuse key, and may be reused."""
    return package_hint(process.cwl, process.workflow_id, REUSE_HINT) is not None


def reuse_description(process: ProcessRecord) -> JSON:
    """What the process description says of reuse: whether it is allowed, and whether requests get it unasked."""
    hint = package_hint(process.cwl, process.workflow_id, REUSE_HINT)
    return {"allowed": hint is not None, "default": bool(hint.get("default", False)) if hint is not None else False}


def wants_reuse(job: JobRecord, process: ProcessRecord) -> bool:
    """Whether this job takes an earlier job's results when one matches: its request's word, else the default."""
    hint = package_hint(process.cwl, process.workflow_id, REUSE_HINT)
    if hint is None:
        return False
    return job.reuse if job.reuse is not None else bool(hint.get("default", False))


def reuse_key(process: ProcessRecord, inputs: JSON, images: Mapping[str, str]) -> str:
    """The key of a job's results: `inputs` as staged, each file its content checksum (runner/reuse.py)."""
    material = {
        "process": process.id,
        "version": process.version,
        "package": process.package_checksum,
        "inputs": inputs,
        "images": dict(sorted(images.items())),
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_and_find(sessions: sessionmaker[Session], job: JobRecord, key: str, wanted: bool) -> JobRecord | None:
    """Record the running job's key; when `wanted`, the successful job of the same owner whose results it may take."""
    with transaction(sessions) as session:
        job_store.set_reuse(session, job.id, key)
        return job_store.find_reusable_job(session, key, job.created_by, job.id) if wanted else None


def mark_reused(sessions: sessionmaker[Session], job: JobRecord, key: str, original: JobRecord) -> None:
    with transaction(sessions) as session:
        job_store.set_reuse(session, job.id, key, reused_from=original.id)


def reused_message(original_id: str) -> str:
    return REUSED_MESSAGE.format(job_id=original_id)
