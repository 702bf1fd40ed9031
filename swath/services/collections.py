"""Output collections: the STAC items of every job that named a collection in its execute request."""

from __future__ import annotations

from swath.errors import NoSuchCollection
from swath.services.context import ServiceContext
from swath.store import collections as store
from swath.store.collections import CollectionSummary
from swath.store.database import reading
from swath.store.records import JSON


def list_collections(context: ServiceContext) -> list[CollectionSummary]:
    with reading(context.sessions) as session:
        return store.list_collections(session)


def get_collection(context: ServiceContext, collection_id: str) -> CollectionSummary:
    with reading(context.sessions) as session:
        found = store.list_collections(session, collection_id)
    if found:
        return found[0]
    raise NoSuchCollection(f"No collection with id '{collection_id}' exists; jobs create one by naming it.")


def list_items(context: ServiceContext, collection_id: str, limit: int, offset: int) -> tuple[list[JSON], int]:
    get_collection(context, collection_id)
    with reading(context.sessions) as session:
        return store.list_items(session, collection_id, limit, offset)
