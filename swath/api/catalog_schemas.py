"""Wire schemas of the application catalog (`/applications`). Swath's own: OGC defines no catalog resource.

Member names follow the OGC documents' camelCase, and `metadata` keeps the schema.org names it was read with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from swath.api.schemas import Link


class ApplicationVersionSummary(BaseModel):
    name: str
    version: str
    title: str | None = None
    description: str | None = None
    keywords: list[str] | None = None
    checksum: str
    registeredBy: str
    registered: datetime
    # True when the version holds several files and a packed document of them, which deploys.
    packed: bool | None = None
    links: list[Link]


class ApplicationVersion(ApplicationVersionSummary):
    """One version: what registration found (metadata, best-practice warnings) and the files it holds."""

    metadata: dict[str, Any]
    warnings: list[str]
    entryPath: str
    entryId: str | None = None
    files: list[str]
    # Whom a restricted version is shown to (besides its registrant and admins); absent: every user.
    visibleTo: list[str] | None = None


class ApplicationList(BaseModel):
    """`GET /applications`: the newest version of each application found."""

    applications: list[ApplicationVersionSummary]
    links: list[Link]


class Application(BaseModel):
    """`GET /applications/{name}`: every version, newest first."""

    name: str
    versions: list[ApplicationVersionSummary]
    links: list[Link]
