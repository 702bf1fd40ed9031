"""Wire schemas of the GA4GH Tool Registry Service API v2 (TRS 2.0.1, ga4gh/tool-registry-service-schemas),
named as that OpenAPI document names them; Swath fills the members it knows and leaves the rest out."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class TRSChecksum(BaseModel):
    """Checksum"""

    checksum: str
    type: str


class ToolClass(BaseModel):
    id: str | None = None
    name: str | None = None
    description: str | None = None


class ImageData(BaseModel):
    registry_host: str | None = None
    image_name: str | None = None
    checksum: list[TRSChecksum] | None = None
    image_type: str | None = None


class ToolVersion(BaseModel):
    author: list[str] | None = None
    name: str | None = None
    url: str
    id: str
    is_production: bool | None = None
    images: list[ImageData] | None = None
    descriptor_type: list[str] | None = None
    containerfile: bool | None = None
    meta_version: str | None = None
    verified: bool | None = None
    signed: bool | None = None


class Tool(BaseModel):
    url: str
    id: str
    aliases: list[str] | None = None
    organization: str
    name: str | None = None
    toolclass: ToolClass
    description: str | None = None
    meta_version: str | None = None
    has_checker: bool | None = None
    versions: list[ToolVersion]


class FileWrapper(BaseModel):
    content: str | None = None
    checksum: list[TRSChecksum] | None = None
    url: str | None = None


class FileType(StrEnum):
    test_file = "TEST_FILE"
    primary_descriptor = "PRIMARY_DESCRIPTOR"
    secondary_descriptor = "SECONDARY_DESCRIPTOR"
    containerfile = "CONTAINERFILE"
    other = "OTHER"


class ToolFile(BaseModel):
    path: str
    file_type: FileType


class ServiceType(BaseModel):
    group: str
    artifact: str
    version: str


class ServiceOrganization(BaseModel):
    name: str
    url: str


class ServiceInfo(BaseModel):
    """GA4GH service-info 1.0, as TRS 2.0.1 serves it at /service-info."""

    id: str
    name: str
    type: ServiceType
    description: str | None = None
    organization: ServiceOrganization
    version: str
