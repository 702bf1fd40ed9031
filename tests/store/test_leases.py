"""The lease that lets one server of a venue run the retention sweeper at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from swath.store.database import transaction
from swath.store.leases import release_lease, take_lease

_NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _take(sessions: sessionmaker[Session], holder: str, now: datetime, ttl: float = 60) -> bool:
    with transaction(sessions) as session:
        return take_lease(session, "sweeper", holder, now, ttl)


def test_one_holder_at_a_time_takes_a_lease_and_renews_it(sessions: sessionmaker[Session]) -> None:
    assert _take(sessions, "a", _NOW)
    assert not _take(sessions, "b", _NOW + timedelta(seconds=30))
    assert _take(sessions, "a", _NOW + timedelta(seconds=30))  # renewed until +90 s
    assert not _take(sessions, "b", _NOW + timedelta(seconds=80))


def test_an_expired_lease_passes_to_the_next_holder(sessions: sessionmaker[Session]) -> None:
    assert _take(sessions, "a", _NOW)
    assert _take(sessions, "b", _NOW + timedelta(seconds=61))
    assert not _take(sessions, "a", _NOW + timedelta(seconds=62))


def test_a_released_lease_is_taken_at_once(sessions: sessionmaker[Session]) -> None:
    assert _take(sessions, "a", _NOW)
    with transaction(sessions) as session:
        release_lease(session, "sweeper", "a", _NOW + timedelta(seconds=1))
    assert _take(sessions, "b", _NOW + timedelta(seconds=2))
