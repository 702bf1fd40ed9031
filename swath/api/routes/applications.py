"""The application catalog: register, search, read and delete application versions."""

from __future__ import annotations

import asyncio
import functools
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from swath.api.catalog_schemas import Application, ApplicationList, ApplicationVersion, ApplicationVersionSummary
from swath.api.dependencies import Caller, Context, Deployer
from swath.api.html import render_html, wants_html
from swath.api.render import JSON_TYPE, application_url, application_version_url
from swath.api.schemas import Link
from swath.services import catalog
from swath.services.catalog import ApplicationQuery
from swath.services.catalog_packages import ZIP_MEDIA_TYPE, package_download
from swath.services.identity import parse_principals
from swath.store.records import ApplicationVersionRecord

router = APIRouter(tags=["Application catalog"])

VisibleToParam = Annotated[
    str | None,
    Query(
        alias="visibleTo",
        description="Restrict the version to these users and `group:<name>`s (comma-separated), besides its "
        "registrant and admins; others find no such version, here and through TRS. Omitted: every user.",
    ),
]

_REGISTER_TYPES = [
    "application/cwl+yaml",
    "application/cwl+json",
    "application/cwl",
    "application/ogcapppkg+json",
    ZIP_MEDIA_TYPE,
    "application/json",
]
_REGISTER_BODY = {
    "requestBody": {
        "required": True,
        "description": "A CWL application package, an OGC application package (ogcapppkg) holding or linking to "
        "one, or a zip of a multi-file package (its entry point at the top).",
        "content": {media_type: {"schema": {"type": "object"}} for media_type in _REGISTER_TYPES},
    }
}


def _summary(request: Request, version: ApplicationVersionRecord) -> ApplicationVersionSummary:
    url = application_version_url(request, version.name, version.version)
    metadata = version.metadata
    return ApplicationVersionSummary(
        name=version.name,
        version=version.version,
        title=metadata.get("name"),
        description=metadata.get("description"),
        keywords=metadata.get("keywords") or None,
        checksum=version.checksum,
        registeredBy=version.registered_by,
        registered=version.registered,
        links=[
            Link(href=url, rel="self", type=JSON_TYPE, title="This version"),
            Link(href=url + "/package", rel="enclosure", title="The package"),
        ],
    )


def _packed_link(request: Request, version: ApplicationVersionRecord) -> list[Link]:
    if version.packed is None:
        return []
    url = application_version_url(request, version.name, version.version) + "/package?packed=true"
    return [Link(href=url, rel="alternate", type="application/cwl+json", title="The package packed into one document")]


def _document(request: Request, version: ApplicationVersionRecord) -> ApplicationVersion:
    summary = _summary(request, version)
    summary.links += _packed_link(request, version)
    summary.packed = True if version.packed is not None else None
    return ApplicationVersion(
        **summary.model_dump(),
        visibleTo=list(version.visible_to) or None,
        metadata=version.metadata,
        warnings=version.warnings,
        entryPath=version.entry_path,
        entryId=version.entry_id,
        files=sorted(version.files),
    )


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationVersion,
    response_model_exclude_none=True,
    openapi_extra=_REGISTER_BODY,
    responses={200: {"description": "The same package was registered before under this name and version."}},
)
async def register(
    request: Request,
    context: Context,
    user: Deployer,
    name: Annotated[str | None, Query(description="The application's name (default: the package's id).")] = None,
    version: Annotated[str | None, Query(description="The version (default: the package's s:softwareVersion).")] = None,
    entry: Annotated[
        str | None,
        Query(
            description="The entry file of a multi-file package, by its path in the package (default: the only "
            "CWL file at its top, else the only Workflow there)."
        ),
    ] = None,
    visible_to: VisibleToParam = None,
    content_type: Annotated[str, Header()] = "",
) -> JSONResponse:
    """Register an application version. A version is immutable: the same package again answers 200, another
    package under the same name and version 409. Departures from the OGC EO Application Package best practice are
    listed in `warnings`; a package cwltool refuses is refused with every problem in `errors`.

    The body is the package (CWL, ogcapppkg, or a zip of a multi-file package), or, as `application/json`, where
    to fetch it: `{"href": URL}` (a CWL document or a zip) or `{"git": URL, "ref": REF, "path": PATH}` (an https
    repository, at a branch, tag or commit, the package in that folder or with that entry file)."""
    body = await request.body()
    registration = await asyncio.to_thread(
        functools.partial(
            catalog.register_application,
            context,
            body,
            content_type,
            user,
            name,
            version,
            entry=entry,
            visible_to=parse_principals(visible_to or ""),
        )
    )
    found = registration.version
    document = _document(request, found).model_dump(mode="json", exclude_none=True)
    return JSONResponse(
        document,
        status_code=201 if registration.created else 200,
        headers={"Location": application_version_url(request, found.name, found.version)},
    )


@router.get("/applications", response_model=ApplicationList, response_model_exclude_none=True)
def search(
    request: Request,
    context: Context,
    caller: Caller,
    name: Annotated[str | None, Query(description="Part of the name, any case.")] = None,
    keyword: Annotated[str | None, Query(description="Part of a keyword (s:keywords), any case.")] = None,
    author: Annotated[str | None, Query(description="Part of an author's name (s:author), any case.")] = None,
) -> ApplicationList | Response:
    """The applications of the catalog (the newest version of each), by name."""
    query = ApplicationQuery(name=name, keyword=keyword, author=author)
    found = catalog.search_applications(context, query, caller)
    document = ApplicationList(
        applications=[_summary(request, version) for version in found],
        links=[Link(href=str(request.url), rel="self", type=JSON_TYPE)],
    )
    if wants_html(request):
        return render_html(request, "applications.html", applications=document, query=query)
    return document


@router.get("/applications/{name}", response_model=Application, response_model_exclude_none=True)
def describe(name: str, request: Request, context: Context, caller: Caller) -> Application | Response:
    """An application and all of its versions, newest first."""
    versions = catalog.list_versions(context, name, caller)
    document = Application(
        name=name,
        versions=[_summary(request, version) for version in versions],
        links=[Link(href=application_url(request, name), rel="self", type=JSON_TYPE)],
    )
    if wants_html(request):
        return render_html(request, "application.html", application=document)
    return document


@router.get(
    "/applications/{name}/versions/{version}", response_model=ApplicationVersion, response_model_exclude_none=True
)
def describe_version(
    name: str, version: str, request: Request, context: Context, caller: Caller
) -> ApplicationVersion | Response:
    """One version: checksum, registrant, schema.org metadata, best-practice warnings and its files."""
    document = _document(request, catalog.get_version(context, name, version, caller))
    if wants_html(request):
        return render_html(request, "application_version.html", version=document)
    return document


@router.get("/applications/{name}/versions/{version}/package")
def package(
    name: str,
    version: str,
    context: Context,
    caller: Caller,
    packed: Annotated[
        bool, Query(description="A multi-file package packed into one CWL document (`cwltool --pack`), as JSON.")
    ] = False,
) -> Response:
    """The package as registered: its CWL file, or a zip of every file of a multi-file package."""
    found = catalog.get_version(context, name, version, caller)
    content, media_type = package_download(found.files, found.packed if packed else None)
    return Response(content, media_type=media_type, headers={"ETag": f'"{found.checksum}"'})


@router.delete("/applications/{name}/versions/{version}", status_code=204)
def delete(
    name: str,
    version: str,
    context: Context,
    user: Deployer,
    force: Annotated[bool, Query(description="Delete even while a process deployed from it is live.")] = False,
) -> Response:
    """Delete a version. Refused (409) while a live process runs it, unless `force`; that process keeps running."""
    catalog.delete_version(context, name, version, user, force)
    return Response(status_code=204)
