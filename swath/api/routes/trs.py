"""GA4GH Tool Registry Service v2 (read) over the application catalog, so that TRS clients (Dockstore's, cwltool's
resolver) read Swath's catalog as they read Dockstore.

Served at `/ga4gh/trs/v2` (TRS 2.0.1) and at `/api/ga4gh/v2`, the prefix cwltool's `--add-ga4gh-tool-registry`
resolver appends to a registry URL (cwltool/resolver.py). Refusals are OGC exception documents, as everywhere in
Swath.
"""

from __future__ import annotations

import hashlib
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from swath import __version__
from swath.api.dependencies import Caller, Context
from swath.api.render import base_url
from swath.api.trs_schemas import (
    FileType,
    FileWrapper,
    ImageData,
    ServiceInfo,
    ServiceOrganization,
    ServiceType,
    Tool,
    ToolClass,
    ToolFile,
    ToolVersion,
    TRSChecksum,
)
from swath.services import catalog, trs
from swath.services.catalog import ApplicationQuery
from swath.services.catalog_packages import package_download
from swath.services.identity import Identity
from swath.store.records import ApplicationVersionRecord

PREFIXES = ("/ga4gh/trs/v2", "/api/ga4gh/v2")
_DESCRIPTOR = "/tools/{tool_id}/versions/{version_id}/{type}/descriptor"
_FILES = "/tools/{tool_id}/versions/{version_id}/{type}/files"
_WORKFLOW_CLASS = ToolClass(id="workflow", name="Workflow", description="A CWL application package")


def _tool_url(request: Request, name: str) -> str:
    return f"{base_url(request)}{PREFIXES[0]}/tools/{quote(name, safe='')}"


def _tool_version(request: Request, version: ApplicationVersionRecord) -> ToolVersion:
    metadata = version.metadata
    return ToolVersion(
        id=version.version,
        name=version.version,
        url=f"{_tool_url(request, version.name)}/versions/{quote(version.version, safe='')}",
        author=metadata.get("author") or None,
        descriptor_type=["CWL"],
        images=[_image(container) for container in metadata.get("containers", [])] or None,
        containerfile=False,
        verified=False,
        signed=False,
    )


def _image(reference: str) -> ImageData:
    name, _, digest = reference.partition("@")
    host = name.split("/", 1)[0] if "/" in name and "." in name.split("/", 1)[0] else None
    checksum = [TRSChecksum(checksum=digest.partition(":")[2], type=digest.partition(":")[0])] if digest else None
    return ImageData(registry_host=host, image_name=name, checksum=checksum, image_type="Docker")


def _tool(request: Request, name: str, versions: list[ApplicationVersionRecord]) -> Tool:
    newest = versions[0].metadata
    return Tool(
        id=name,
        url=_tool_url(request, name),
        name=name,
        organization=", ".join(newest.get("author", [])) or versions[0].registered_by,
        description=newest.get("description"),
        toolclass=_WORKFLOW_CLASS,
        has_checker=False,
        versions=[_tool_version(request, version) for version in versions],
    )


def _file_wrapper(content: bytes, url: str) -> FileWrapper:
    digest = hashlib.sha256(content).hexdigest()
    return FileWrapper(
        content=content.decode("utf-8", errors="replace"),
        checksum=[TRSChecksum(checksum=digest, type="sha256")],
        url=url,
    )


def build_router(prefix: str) -> APIRouter:
    """The TRS routes under one prefix; the OpenAPI document shows the first prefix only."""
    router = APIRouter(prefix=prefix, tags=["GA4GH TRS"], include_in_schema=prefix == PREFIXES[0])

    @router.get("/service-info", response_model=ServiceInfo)
    def service_info() -> ServiceInfo:
        """What this registry is (GA4GH service-info)."""
        return ServiceInfo(
            id="dev.swath.trs",
            name="Swath application catalog",
            type=ServiceType(group="org.ga4gh", artifact="trs", version="2.0.1"),
            description="The applications registered in Swath's catalog, read through GA4GH TRS v2.",
            organization=ServiceOrganization(name="Swath", url="https://swath.dev"),
            version=__version__,
        )

    @router.get("/toolClasses", response_model=list[ToolClass])
    def tool_classes() -> list[ToolClass]:
        """The one class of tool the catalog holds: CWL application packages."""
        return [_WORKFLOW_CLASS]

    @router.get("/tools", response_model=list[Tool], response_model_exclude_none=True)
    def tools(
        request: Request,
        context: Context,
        caller: Caller,
        name: Annotated[str | None, Query(description="Part of the tool's name.")] = None,
        author: Annotated[str | None, Query(description="Part of an author's name.")] = None,
    ) -> list[Tool]:
        """Every application of the catalog, each with all its versions."""
        found = catalog.search_applications(context, ApplicationQuery(name=name, author=author), caller)
        return [_tool(request, item.name, catalog.list_versions(context, item.name, caller)) for item in found]

    @router.get("/tools/{tool_id}", response_model=Tool, response_model_exclude_none=True)
    def tool(tool_id: str, request: Request, context: Context, caller: Caller) -> Tool:
        """One application, with all its versions."""
        return _tool(request, tool_id, catalog.list_versions(context, tool_id, caller))

    @router.get("/tools/{tool_id}/versions", response_model=list[ToolVersion], response_model_exclude_none=True)
    def versions(tool_id: str, request: Request, context: Context, caller: Caller) -> list[ToolVersion]:
        """Every version of an application, newest first."""
        return [_tool_version(request, version) for version in catalog.list_versions(context, tool_id, caller)]

    @router.get("/tools/{tool_id}/versions/{version_id}", response_model=ToolVersion, response_model_exclude_none=True)
    def version(tool_id: str, version_id: str, request: Request, context: Context, caller: Caller) -> ToolVersion:
        """One version of an application."""
        return _tool_version(request, catalog.get_version(context, tool_id, version_id, caller))

    # HEAD on descriptors too: schema-salad checks that a `run:` file exists with HEAD before it fetches it.
    @router.head(_DESCRIPTOR, include_in_schema=False, response_model=None)
    @router.get(_DESCRIPTOR, response_model=FileWrapper)
    def descriptor(
        tool_id: str, version_id: str, type: str, request: Request, context: Context, caller: Caller
    ) -> Response:
        """The primary CWL descriptor (`CWL`: wrapped in JSON with its checksum; `PLAIN_CWL`: the file itself)."""
        return _descriptor(request, context, caller, tool_id, version_id, type, None)

    @router.head(_DESCRIPTOR + "/{relative_path:path}", include_in_schema=False, response_model=None)
    @router.get(_DESCRIPTOR + "/{relative_path:path}")
    def descriptor_at(
        tool_id: str,
        version_id: str,
        type: str,
        relative_path: str,
        request: Request,
        context: Context,
        caller: Caller,
    ) -> Response:
        """A file of a multi-file package, by its path relative to the primary descriptor."""
        return _descriptor(request, context, caller, tool_id, version_id, type, relative_path)

    # HEAD too: cwltool's resolver asks with HEAD whether a version exists before it reads the listing.
    @router.head(_FILES, include_in_schema=False, response_model=None)
    @router.get(_FILES, response_model=list[ToolFile])
    def files(
        tool_id: str,
        version_id: str,
        type: str,
        context: Context,
        caller: Caller,
        format: Annotated[str | None, Query(description="`zip` for every file in one zip.")] = None,
    ) -> Response | list[ToolFile]:
        """The files of a version and their roles, or (`format=zip`) all of them in a zip."""
        trs.parse_descriptor_type(type, tool_id, version_id)
        found = catalog.get_version(context, tool_id, version_id, caller)
        if format == "zip":
            content, media_type = package_download(found.files)
            return Response(content, media_type=media_type)
        return [ToolFile(path=path, file_type=FileType(kind)) for path, kind in trs.tool_file_types(found)]

    return router


def _descriptor(
    request: Request, context: Context, caller: Identity, tool_id: str, version_id: str, type: str, path: str | None
) -> Response:
    form = trs.parse_descriptor_type(type, tool_id, version_id)
    found = catalog.get_version(context, tool_id, version_id, caller)
    _, content = trs.descriptor_file(found, path)
    if form is trs.DescriptorForm.plain:
        return Response(content, media_type="text/plain")
    wrapper = _file_wrapper(content, str(request.url))
    return Response(wrapper.model_dump_json(exclude_none=True), media_type="application/json")


routers = [build_router(prefix) for prefix in PREFIXES]
