"""The landing page and the conformance declaration (OGC API - Common)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from swath.api.html import HTML_TYPE, render_html, wants_html
from swath.api.render import JSON_TYPE, REL, base_url
from swath.api.schemas import ConfClasses, LandingPage, Link

router = APIRouter(tags=["Capabilities"])

_PART1 = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/"
_PART2 = "http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/"
_PART4 = "http://www.opengis.net/spec/ogcapi-processes-4/1.0/conf/"
# Only what Swath implements.
CONFORMANCE = [
    _PART1 + "core",
    _PART1 + "ogc-process-description",
    _PART1 + "json",
    _PART1 + "html",
    _PART1 + "oas30",
    _PART1 + "job-list",
    _PART1 + "callback",
    _PART1 + "dismiss",
    _PART2 + "deploy-replace-undeploy",
    _PART2 + "ogcapppkg",
    _PART2 + "cwl",
    _PART4 + "job-management",
    # Jobs are created from an execute request that names its process (Part 4, OGC API - Processes class).
    _PART4 + "ogcapi-processes",
]


@router.get("/", response_model=LandingPage, response_model_exclude_none=True)
def landing_page(request: Request) -> LandingPage | Response:
    """Where to start: links to the API definition, the conformance classes, the processes and the jobs."""
    base = base_url(request)
    document = LandingPage(
        title="Swath",
        description="Deploy CWL application packages and run them as OGC API - Processes jobs.",
        links=[
            Link(href=f"{base}/", rel="self", type=JSON_TYPE, title="This document"),
            Link(href=f"{base}/?f=html", rel="alternate", type=HTML_TYPE, title="This document as HTML"),
            Link(
                href=f"{base}/api",
                rel="service-desc",
                type="application/vnd.oai.openapi+json;version=3.0",
                title="The API definition",
            ),
            Link(href=f"{base}/api.html", rel="service-doc", type="text/html", title="The API documentation"),
            Link(
                href=f"{base}/conformance",
                rel=REL + "conformance",
                type=JSON_TYPE,
                title="Conformance classes implemented",
            ),
            Link(href=f"{base}/processes", rel=REL + "processes", type=JSON_TYPE, title="Processes"),
            Link(href=f"{base}/jobs", rel=REL + "job-list", type=JSON_TYPE, title="Jobs"),
            Link(href=f"{base}/collections", rel="data", type=JSON_TYPE, title="Output collections"),
        ],
    )
    if wants_html(request):
        return render_html(request, "landing.html", page=document)
    return document


@router.get("/conformance", response_model=ConfClasses)
def conformance(request: Request) -> ConfClasses | Response:
    """The conformance classes of OGC API - Processes Parts 1, 2 and 4 that Swath implements."""
    document = ConfClasses(conformsTo=CONFORMANCE)
    if wants_html(request):
        return render_html(request, "conformance.html", conformance=document)
    return document
