"""The process id grammar, in one place: `id` names a process, `id:version` one version of it.

A process's `id` is what its package says (the CWL workflow id, or an ogcapppkg's `processDescription.process.id`)
and its `version` is a separate member, so an OGC client finds under `id` exactly what it deployed. Several
versions of one id may be live at once. A reference `id:version` reaches that version (the Unity convention,
`l1b-cwl:develop`); a bare `id` reaches the newest live version of it (the one deployed last). Every path, filter
and client that spells or reads a process reference goes through `parse_process_ref` / `format_process_ref`.

An id never holds the separator, so a reference splits at its first `:`; a version may not hold one either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

__all__ = [
    "SEPARATOR",
    "ProcessRef",
    "format_process_ref",
    "is_valid_process_id",
    "is_valid_version",
    "parse_process_ref",
    "quote_process_ref",
]

SEPARATOR = ":"
# An id and a version are URL segments, database keys and part of every job's links: 200 characters is ample.
PART_LIMIT = 200
_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{PART_LIMIT - 1}}}$")
_VERSION = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._+-]{{0,{PART_LIMIT - 1}}}$")


@dataclass(frozen=True)
class ProcessRef:
    """A reference to a process as a client writes it: an id, and the version it names (None: the newest)."""

    id: str
    version: str | None = None

    def __str__(self) -> str:
        return format_process_ref(self.id, self.version)

    def matches(self, process_id: str, version: str) -> bool:
        """Whether the process `process_id` at `version` is one this reference reaches (any version when bare)."""
        return self.id == process_id and (self.version is None or self.version == version)


def parse_process_ref(text: str) -> ProcessRef:
    """`id` or `id:version` as a reference. An empty version (`id:`) is the bare id."""
    process_id, _, version = text.partition(SEPARATOR)
    return ProcessRef(process_id, version or None)


def format_process_ref(process_id: str, version: str | None = None) -> str:
    """The reference that reaches `version` of `process_id` (the bare id when no version is named)."""
    return f"{process_id}{SEPARATOR}{version}" if version else process_id


def quote_process_ref(text: str) -> str:
    """A reference as one URL path segment or query value; the separator stays readable (`l1b-cwl:develop`)."""
    return quote(text, safe=SEPARATOR)


def is_valid_process_id(process_id: str) -> bool:
    """Up to PART_LIMIT letters, digits, '.', '_' and '-', starting with a letter or digit (never the separator)."""
    return bool(_ID.match(process_id))


def is_valid_version(version: str) -> bool:
    """Up to PART_LIMIT letters, digits, '.', '_', '+' and '-', starting with a letter or digit (never the
    separator)."""
    return bool(_VERSION.match(version))
