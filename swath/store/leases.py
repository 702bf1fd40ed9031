"""Leases: a task that one server of a venue does at a time, whoever holds the unexpired lease of its name.

Several API processes (`swath serve --api-workers N`, or several hosts) share one database; each asks for the lease
at every round, and the holder renews it. A holder that stops renewing loses it when it expires, and another takes
it over. Taking is a compare-and-set update, or an insert that the primary key lets only one server win.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from swath.store.tables import LeaseRow


def take_lease(session: Session, name: str, holder: str, now: datetime, ttl: float) -> bool:
    """Take or renew the lease `name` for `holder` until `now + ttl`; reports whether `holder` now holds it.

    The caller commits; a losing insert is rolled back to a savepoint, so the caller's transaction goes on.
    """
    expires = now + timedelta(seconds=ttl)
    result = session.execute(
        update(LeaseRow)
        .where(LeaseRow.name == name, or_(LeaseRow.holder == holder, LeaseRow.expires < now))
        .values(holder=holder, expires=expires)
    )
    if getattr(result, "rowcount", 0):
        return True
    if session.get(LeaseRow, name) is not None:
        return False  # held by another, unexpired
    try:
        with session.begin_nested():
            session.add(LeaseRow(name=name, holder=holder, expires=expires))
    except IntegrityError:
        return False  # another server inserted it first
    return True


def release_lease(session: Session, name: str, holder: str, now: datetime) -> None:
    """Give the lease up at once (a server that stops), so another need not wait for it to expire."""
    session.execute(update(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder).values(expires=now))
