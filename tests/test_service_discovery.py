"""The test suite finds PostgreSQL, RabbitMQ and Redis at their usual local addresses without variables."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import service_url


def test_a_service_answering_at_its_usual_address_is_used_without_a_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWATH_TEST_EXAMPLE_URL", raising=False)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        assert service_url("EXAMPLE", "example://usual", "127.0.0.1", port) == "example://usual"


def test_a_service_that_does_not_answer_gives_no_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWATH_TEST_EXAMPLE_URL", raising=False)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    assert service_url("EXAMPLE", "example://usual", "127.0.0.1", port) == ""


def test_the_variable_wins_over_the_usual_address_and_an_empty_one_turns_the_suite_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        monkeypatch.setenv("SWATH_TEST_EXAMPLE_URL", "example://other")
        assert service_url("EXAMPLE", "example://usual", "127.0.0.1", port) == "example://other"
        monkeypatch.setenv("SWATH_TEST_EXAMPLE_URL", "")
        assert service_url("EXAMPLE", "example://usual", "127.0.0.1", port) == ""
