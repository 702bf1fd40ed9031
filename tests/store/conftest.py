"""A fresh, migrated database per test: SQLite always, PostgreSQL when SWATH_TEST_POSTGRESQL_URL names a server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from swath.store.database import create_database_engine, create_session_factory, migrate

POSTGRESQL_URL = os.environ.get("SWATH_TEST_POSTGRESQL_URL", "")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'swath.db'}"
        return
    if not POSTGRESQL_URL:
        if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
            pytest.fail("SWATH_TEST_POSTGRESQL_URL is not set, and CI requires the PostgreSQL suite")
        pytest.skip("SWATH_TEST_POSTGRESQL_URL is not set")
    name = f"swath_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRESQL_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_database_engine(database_url)
    migrate(engine)
    yield create_session_factory(engine)
    engine.dispose()
