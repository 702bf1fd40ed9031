"""Queries on output collections: named sets of STAC items that jobs file their outputs into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from swath.store.processes import as_utc
from swath.store.records import JSON
from swath.store.tables import CollectionItemRow


@dataclass(frozen=True)
class CollectionSummary:
    id: str
    item_count: int
    first_created: datetime
    last_created: datetime


def file_items(
    session: Session, collection_id: str, job_id: str, items: list[JSON], now: datetime, filed_by: str
) -> None:
    """File a job's items into a collection; an item filed again (a re-run job) replaces the old one."""
    for item in items:
        session.merge(
            CollectionItemRow(
                collection_id=collection_id,
                item_id=item["id"],
                job_id=job_id,
                item=item,
                created=now,
                filed_by=filed_by,
            )
        )


def list_collections(
    session: Session, collection_id: str | None = None, filed_by: str | None = None
) -> list[CollectionSummary]:
    """Every collection that holds items (of `filed_by` alone, when given), by id; or just the one named."""
    query = select(
        CollectionItemRow.collection_id,
        func.count(),
        func.min(CollectionItemRow.created),
        func.max(CollectionItemRow.created),
    )
    if collection_id is not None:
        query = query.where(CollectionItemRow.collection_id == collection_id)
    if filed_by is not None:
        query = query.where(CollectionItemRow.filed_by == filed_by)
    query = query.group_by(CollectionItemRow.collection_id).order_by(CollectionItemRow.collection_id)
    return [
        CollectionSummary(id=name, item_count=count, first_created=as_utc(first), last_created=as_utc(last))
        for name, count, first, last in session.execute(query)
    ]


def list_items(
    session: Session, collection_id: str, limit: int, offset: int, filed_by: str | None = None
) -> tuple[list[JSON], int]:
    """A page of a collection's items (of `filed_by` alone, when given), oldest first, and how many there are."""
    where = CollectionItemRow.collection_id == collection_id
    if filed_by is not None:
        where = where & (CollectionItemRow.filed_by == filed_by)
    total = session.scalar(select(func.count()).select_from(CollectionItemRow).where(where)) or 0
    rows = session.scalars(
        select(CollectionItemRow)
        .where(where)
        .order_by(CollectionItemRow.created, CollectionItemRow.item_id)
        .limit(limit)
        .offset(offset)
    )
    return [row.item for row in rows], total
