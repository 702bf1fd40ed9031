"""Download URLs that tools without headers can follow: `?user=&expires=&signature=` on an output's path.

The signature is HMAC-SHA256 over the path, the owner and the expiry, so a URL opens that one file, for that
long, as that user; changing any of the three breaks it. The key is `auth_signing_key`, or a random key kept in
the data directory (owner-only), which every API process sharing the directory uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from swath.settings import Settings

SIGNATURE_PARAMETERS = ("user", "expires", "signature")
_KEY_FILE = "signing-key"


def signing_key(settings: Settings) -> bytes:
    configured = settings.auth_signing_key.get_secret_value()
    if configured:
        return configured.encode()
    path = settings.data_dir / _KEY_FILE
    with contextlib.suppress(FileExistsError):
        _write_new_key(path)
    return path.read_bytes().strip()


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting together keep one key, the first one's.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(secrets.token_hex(32))


def _mac(key: bytes, path: str, user: str, expires: int) -> str:
    return hmac.new(key, f"{path}\n{user}\n{expires}".encode(), hashlib.sha256).hexdigest()


def sign(key: bytes, path: str, user: str, lifetime: int, now: float | None = None) -> str:
    """The query string that makes `path` readable as `user` for `lifetime` seconds."""
    expires = int((now if now is not None else time.time()) + lifetime)
    return urlencode({"user": user, "expires": expires, "signature": _mac(key, path, user, expires)})


def signed_user(key: bytes, path: str, user: str, expires: str, signature: str, now: float | None = None) -> str | None:
    """The user a signed URL speaks for, or None when it is forged, altered or expired."""
    if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
        return None
    expected = _mac(key, path, user, int(expires))
    return user if hmac.compare_digest(expected, signature) else None


def sign_hrefs(
    document: Any, key: bytes, base: str, user: str, lifetime: int, served_at: str | None = None
) -> Any:
    """`document` with every href under `base` (a job's outputs address) signed for `user`; others unchanged.

    With `served_at` (the URL the document itself is served at), relative hrefs are first made absolute against it:
    a relative href resolved against a signed URL would lose the signature's query.
    """
    if isinstance(document, dict):
        signed = {name: sign_hrefs(value, key, base, user, lifetime, served_at) for name, value in document.items()}
        href = signed.get("href")
        if isinstance(href, str) and served_at is not None and not urlsplit(href).scheme:
            href = urljoin(served_at, href)
            signed["href"] = href
        if isinstance(href, str) and href.startswith(base) and "?" not in href:
            path = urlsplit(href).path
            signed["href"] = f"{href}?{sign(key, unquote(path), user, lifetime)}"
        return signed
    if isinstance(document, list):
        return [sign_hrefs(item, key, base, user, lifetime, served_at) for item in document]
    return document
