"""Output collections as STAC: the items that jobs filed into the collection their execute request named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from swath.api.dependencies import Caller, Context
from swath.api.html import render_html, wants_html
from swath.api.render import JSON_TYPE, base_url
from swath.api.schemas import Collection, Collections, ItemCollection, Link
from swath.services import collections
from swath.store.collections import CollectionSummary

router = APIRouter(tags=["Collections"])

_GEOJSON = "application/geo+json"


def _collection(request: Request, summary: CollectionSummary) -> Collection:
    url = f"{base_url(request)}/collections/{summary.id}"
    return Collection(
        id=summary.id,
        description=f"Outputs filed into {summary.id} by Swath jobs.",
        extent={
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [[summary.first_created.isoformat(), summary.last_created.isoformat()]]},
        },
        links=[
            Link(href=url, rel="self", type=JSON_TYPE),
            Link(href=f"{url}/items", rel="items", type=_GEOJSON, title="Items"),
            Link(href=f"{base_url(request)}/collections", rel="parent", type=JSON_TYPE),
        ],
        numberMatched=summary.item_count,
    )


@router.get("/collections", response_model=Collections, response_model_exclude_none=True)
def list_collections(request: Request, context: Context, caller: Caller) -> Collections | Response:
    """Every output collection that holds items the caller filed (an admin: anyone's)."""
    summaries = collections.list_collections(context, caller)
    document = Collections(
        collections=[_collection(request, summary) for summary in summaries],
        links=[Link(href=str(request.url), rel="self", type=JSON_TYPE)],
    )
    if wants_html(request):
        return render_html(request, "collections.html", collections=document)
    return document


@router.get("/collections/{collection_id}", response_model=Collection, response_model_exclude_none=True)
def get_collection(collection_id: str, request: Request, context: Context, caller: Caller) -> Collection | Response:
    """One output collection as a STAC Collection."""
    document = _collection(request, collections.get_collection(context, collection_id, caller))
    if wants_html(request):
        return render_html(request, "collection.html", collection=document)
    return document


@router.get("/collections/{collection_id}/items", response_model=ItemCollection, response_model_exclude_none=True)
def list_items(
    collection_id: str,
    request: Request,
    context: Context,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ItemCollection | Response:
    """The STAC items of a collection that the caller filed (an admin: all), oldest first."""
    items, total = collections.list_items(context, collection_id, limit, offset, caller)
    links = [Link(href=str(request.url), rel="self", type=_GEOJSON)]
    if offset + len(items) < total:
        links.append(Link(href=str(request.url.include_query_params(offset=offset + limit)), rel="next", type=_GEOJSON))
    document = ItemCollection(features=items, numberMatched=total, numberReturned=len(items), links=links)
    if wants_html(request):
        return render_html(request, "items.html", collection_id=collection_id, items=document)
    return document
