"""Output collections: the STAC items of every job that named a collection in its execute request."""

from __future__ import annotations

from swath.errors import NoSuchCollection
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.store import collections as store
from swath.store.collections import CollectionSummary
from swath.store.database import reading
from swath.store.records import JSON


def list_collections(context: ServiceContext, viewer: Identity) -> list[CollectionSummary]:
    """Collections holding items `viewer` may see, counting only those: a user sees the items they filed."""
    with reading(context.sessions) as session:
        return store.list_collections(session, filed_by=viewer.owner_filter)


def get_collection(context: ServiceContext, collection_id: str, viewer: Identity) -> CollectionSummary:
    with reading(context.sessions) as session:
        found = store.list_collections(session, collection_id, filed_by=viewer.owner_filter)
    if found:
        return found[0]
    raise NoSuchCollection(f"No collection with id '{collection_id}' exists; jobs create one by naming it.")


def list_items(
    context: ServiceContext, collection_id: str, limit: int, offset: int, viewer: Identity
) -> tuple[list[JSON], int]:
    get_collection(context, collection_id, viewer)
    with reading(context.sessions) as session:
        return store.list_items(session, collection_id, limit, offset, filed_by=viewer.owner_filter)
