"""A fresh, migrated database per test: SQLite always, PostgreSQL when SWATH_TEST_POSTGRESQL_URL names a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from swath.store.database import create_database_engine, create_session_factory, migrate
from tests.conftest import fresh_postgresql_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'swath.db'}"
        return
    with fresh_postgresql_database() as url:
        yield url


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_database_engine(database_url)
    migrate(engine)
    yield create_session_factory(engine)
    engine.dispose()
