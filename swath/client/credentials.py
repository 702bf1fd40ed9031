"""Tokens kept by `swath login`: one file in the user's config directory, readable by its owner alone.

`Client` takes a token given to it first, then `SWATH_TOKEN`, then the one kept here for its server's URL. A kept
token from an OIDC device login carries its refresh token; once it has expired it is refreshed with the
provider's token endpoint and kept again.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from swath.client.settings import ClientSettings

__all__ = ["StoredToken", "credentials_path", "forget_token", "load_token", "save_token"]

_FILE = "credentials.json"
# A token is refreshed this long before it expires, so that a request does not race its expiry.
_MARGIN = 30.0


@dataclass(frozen=True)
class StoredToken:
    access_token: str
    expires_at: float | None = None
    refresh_token: str | None = None
    token_endpoint: str | None = None
    client_id: str | None = None


def credentials_path(settings: ClientSettings | None = None) -> Path:
    return (settings or ClientSettings()).resolved_config_dir / _FILE


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    spare = path.with_name(f".{path.name}.{os.getpid()}")
    # Created 0600 before a byte is written, then renamed over the old file: never readable by others.
    descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=2)
    os.chmod(spare, 0o600)
    os.replace(spare, path)


def save_token(url: str, token: StoredToken, settings: ClientSettings | None = None) -> Path:
    path = credentials_path(settings)
    document = _read(path)
    document[url.rstrip("/")] = asdict(token)
    _write(path, document)
    return path


def forget_token(url: str, settings: ClientSettings | None = None) -> bool:
    path = credentials_path(settings)
    document = _read(path)
    if document.pop(url.rstrip("/"), None) is None:
        return False
    _write(path, document)
    return True


def load_token(url: str, settings: ClientSettings | None = None) -> str | None:
    """The kept access token for `url`, refreshed first when it has expired and can be; None when there is none."""
    entry = _read(credentials_path(settings)).get(url.rstrip("/"))
    if not isinstance(entry, dict) or not isinstance(entry.get("access_token"), str):
        return None
    token = StoredToken(
        access_token=entry["access_token"],
        expires_at=entry.get("expires_at"),
        refresh_token=entry.get("refresh_token"),
        token_endpoint=entry.get("token_endpoint"),
        client_id=entry.get("client_id"),
    )
    if token.expires_at is not None and token.expires_at - _MARGIN < time.time() and token.refresh_token:
        with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
            token = refresh(token)
            save_token(url, token, settings)
    return token.access_token


def refresh(token: StoredToken) -> StoredToken:
    """A new access token from the provider's token endpoint (OAuth 2.0 refresh_token grant)."""
    if not token.token_endpoint or not token.refresh_token:
        raise ValueError("the kept token cannot be refreshed")
    form = {"grant_type": "refresh_token", "refresh_token": token.refresh_token}
    if token.client_id:
        form["client_id"] = token.client_id
    response = httpx.post(token.token_endpoint, data=form, timeout=30)
    response.raise_for_status()
    return from_token_response(response.json(), token.token_endpoint, token.client_id, token.refresh_token)


def from_token_response(
    document: dict[str, Any], token_endpoint: str | None, client_id: str | None, previous_refresh: str | None = None
) -> StoredToken:
    expires_in = document.get("expires_in")
    return StoredToken(
        access_token=str(document["access_token"]),
        expires_at=time.time() + float(expires_in) if expires_in else None,
        refresh_token=document.get("refresh_token") or previous_refresh,
        token_endpoint=token_endpoint,
        client_id=client_id,
    )
