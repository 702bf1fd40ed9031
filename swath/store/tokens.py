"""Queries on Swath API tokens. Writers take the caller's session; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from swath.store.processes import as_utc
from swath.store.tables import ApiTokenRow


@dataclass(frozen=True)
class TokenRecord:
    """What is known of a token, never the token itself."""

    id: str
    user: str
    role: str
    description: str
    created: datetime
    expires: datetime | None
    revoked: datetime | None


def _record(row: ApiTokenRow) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        user=row.user_name,
        role=row.role,
        description=row.description,
        created=as_utc(row.created),
        expires=as_utc(row.expires) if row.expires else None,
        revoked=as_utc(row.revoked) if row.revoked else None,
    )


def insert_token(session: Session, record: TokenRecord, digest: str) -> None:
    session.add(
        ApiTokenRow(
            id=record.id,
            digest=digest,
            user_name=record.user,
            role=record.role,
            description=record.description,
            created=record.created,
            expires=record.expires,
            revoked=None,
        )
    )


def find_active_token(session: Session, digest: str, now: datetime) -> TokenRecord | None:
    """The token with this digest, unless it is revoked or expired at `now`."""
    query = select(ApiTokenRow).where(
        ApiTokenRow.digest == digest,
        ApiTokenRow.revoked.is_(None),
        or_(ApiTokenRow.expires.is_(None), ApiTokenRow.expires > now),
    )
    row = session.scalars(query).first()
    return _record(row) if row else None


def list_tokens(session: Session, user: str | None = None) -> list[TokenRecord]:
    query = select(ApiTokenRow).order_by(ApiTokenRow.created, ApiTokenRow.id)
    if user is not None:
        query = query.where(ApiTokenRow.user_name == user)
    return [_record(row) for row in session.scalars(query)]


def revoke_token(session: Session, token_id: str, now: datetime) -> bool:
    """Revoke a token by id; False when no token of that id is live."""
    result = session.execute(
        update(ApiTokenRow).where(ApiTokenRow.id == token_id, ApiTokenRow.revoked.is_(None)).values(revoked=now)
    )
    return bool(getattr(result, "rowcount", 0))
