"""A module's server, and a `Client` for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from swath.client import Client
from tests.conftest import Server


@pytest.fixture
def swath(server: Server) -> Iterator[Client]:
    with Client(server.url) as client:
        yield client
