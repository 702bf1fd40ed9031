"""Uploaded files as rows: each one's owner (who may read it) and size (summed for the per-user upload quota)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from swath.store.tables import UploadRow


def record_upload(session: Session, upload_id: str, owner: str, name: str, size: int, created: datetime) -> None:
    session.add(UploadRow(id=upload_id, owner=owner, name=name, size=size, created=created))


def bytes_uploaded(session: Session, owner: str) -> int:
    """The bytes all of `owner`'s uploads hold together."""
    total = session.scalar(select(func.coalesce(func.sum(UploadRow.size), 0)).where(UploadRow.owner == owner))
    return int(total or 0)


def upload_owner(session: Session, upload_id: str) -> str | None:
    row = session.get(UploadRow, upload_id)
    return row.owner if row else None
