"""Tokens kept by `swath login`, and which token a Client sends where."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from swath.client import Client
from swath.client.credentials import StoredToken, credentials_path, load_token, save_token
from swath.client.transport import Transport


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SWATH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("SWATH_TOKEN", raising=False)
    return tmp_path / "config"


def test_a_kept_token_is_readable_by_its_owner_only() -> None:
    path = save_token("http://127.0.0.1:9", StoredToken("secret"))
    assert path == credentials_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token("http://127.0.0.1:9/") == "secret"


def test_swath_token_wins_over_a_kept_token(monkeypatch: pytest.MonkeyPatch) -> None:
    save_token("http://127.0.0.1:9", StoredToken("kept"))
    monkeypatch.setenv("SWATH_TOKEN", "from-env")
    sent = _authorization(Client("http://127.0.0.1:9").transport, "http://127.0.0.1:9/jobs")
    assert sent == "Bearer from-env"


def test_the_token_goes_to_the_server_only_never_to_another_host() -> None:
    transport = Transport("http://127.0.0.1:9", "secret")
    assert _authorization(transport, "http://127.0.0.1:9/jobs") == "Bearer secret"
    assert _authorization(transport, "http://127.0.0.1:99/bucket/object") is None


def _authorization(transport: Transport, url: str) -> str | None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={})

    # The transport's own session, with a local answering transport in place of the network.
    transport._http._transport = httpx.MockTransport(answer)
    transport.request("GET", url)
    return seen[0]
