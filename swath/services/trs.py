"""The catalog as a GA4GH Tool Registry Service (TRS v2) sees it: a tool per application, a tool version per
application version, CWL descriptors per file. Read-only; registering goes through the catalog.
"""

from __future__ import annotations

from enum import StrEnum

from swath.errors import NoSuchApplication
from swath.store.records import ApplicationVersionRecord

__all__ = ["DescriptorForm", "descriptor_file", "parse_descriptor_type", "tool_file_types"]


class DescriptorForm(StrEnum):
    """How a descriptor is answered: a TRS FileWrapper (JSON), or the file itself (TRS `PLAIN_` types)."""

    wrapped = "wrapped"
    plain = "plain"


# TRS 2.0.1 writes the plain form PLAIN_CWL; cwltool's resolver asks for plain-CWL (Dockstore's spelling).
_DESCRIPTOR_TYPES = {
    "CWL": DescriptorForm.wrapped,
    "PLAIN_CWL": DescriptorForm.plain,
    "plain-CWL": DescriptorForm.plain,
}


def parse_descriptor_type(value: str, name: str, version: str) -> DescriptorForm:
    form = _DESCRIPTOR_TYPES.get(value)
    if form is None:
        raise NoSuchApplication(
            f"Application '{name}' version '{version}' has no {value} descriptor; the catalog holds CWL only "
            f"(types: {', '.join(_DESCRIPTOR_TYPES)})."
        )
    return form


def descriptor_file(version: ApplicationVersionRecord, path: str | None) -> tuple[str, bytes]:
    """The path and content of a file of the version: its entry point when no path is named."""
    chosen = path if path else version.entry_path
    content = version.files.get(chosen)
    if content is None:
        raise NoSuchApplication(
            f"Application '{version.name}' version '{version.version}' has no file '{chosen}'; it holds: "
            f"{', '.join(sorted(version.files))}."
        )
    return chosen, content


def tool_file_types(version: ApplicationVersionRecord) -> list[tuple[str, str]]:
    """Every file with its TRS file type: the entry is the primary descriptor, other CWL files secondary ones."""
    listing = []
    for path in sorted(version.files):
        if path == version.entry_path:
            kind = "PRIMARY_DESCRIPTOR"
        elif path.endswith((".cwl", ".yml", ".yaml")):
            kind = "SECONDARY_DESCRIPTOR"
        else:
            kind = "OTHER"
        listing.append((path, kind))
    return listing
