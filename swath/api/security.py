"""Browser-facing defences on every response: security headers, a checked `Host`, user content kept inert.

- `Host` must name the public URL's host, a host of `allowed_hosts`, or (while listening on loopback) a loopback
  name: a page on another site that rebinds its DNS name to 127.0.0.1 cannot reach a laptop's service, and links
  are never built from a host the operator did not name. Anything else answers 421.
- Every response says `nosniff`, refuses framing and sends no referrer; pages get a strict CSP (no inline script,
  nothing from elsewhere). The Swagger page loads its script from jsDelivr, as FastAPI serves it.
- Files that jobs wrote and users uploaded are served under a sandboxing CSP, and as attachments when a browser
  would run them (HTML, SVG, XML, JavaScript), so an `.html` output cannot script the API's origin.

A plain ASGI middleware, not Starlette's `BaseHTTPMiddleware`: it adds headers without buffering bodies, at the
cost of a few dictionary operations per request (bench/, submission with authentication on).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swath.errors import HostNotAllowed
from swath.settings import Settings, is_loopback_host

_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:%s; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_USER_CONTENT_POLICY = "default-src 'none'; sandbox"
_USER_CONTENT = re.compile(r"^/(jobs/[^/]+/(outputs|results)/|files/)")
_ACTIVE_TYPES = ("text/html", "application/xhtml", "image/svg", "text/xml", "application/xml", "javascript")
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


def allowed_hosts(settings: Settings) -> set[str] | None:
    """Host names a request may name (lower case, no port); None when any is accepted."""
    if "*" in settings.allowed_hosts:
        return None
    hosts = {host.lower() for host in settings.allowed_hosts}
    hosts.add((urlsplit(settings.resolved_public_url).hostname or "").lower())
    if is_loopback_host(settings.host):
        hosts.update({"localhost", "127.0.0.1", "::1"})
    return hosts


def _host_name(value: str) -> str:
    if value.startswith("["):
        return value[1:].partition("]")[0].lower()
    return value.rpartition(":")[0].lower() if value.count(":") == 1 else value.lower()


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = allowed_hosts(settings)
        # The job page's map draws tiles from SWATH_MAP_TILES_URL's origin: the one image source beside this one.
        tiles = urlsplit(settings.map_tiles_url)
        self.page_policy = _PAGE_POLICY % (f" {tiles.scheme}://{tiles.netloc}" if tiles.netloc else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"host"), "")
        if self.hosts is not None and _host_name(host) not in self.hosts:
            await _refuse_host(host, send)
            return
        path: str = scope["path"]
        user_content = bool(_USER_CONTENT.match(path))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(_COMMON)
                headers.extend(_policy_headers(path, user_content, headers, self.page_policy))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _policy_headers(
    path: str, user_content: bool, headers: list[tuple[bytes, bytes]], page_policy: str
) -> list[tuple[bytes, bytes]]:
    if not user_content:
        policy = _DOCS_POLICY if path == "/api.html" else page_policy
        return [(b"content-security-policy", policy.encode())]
    added = [(b"content-security-policy", _USER_CONTENT_POLICY.encode())]
    media_type = next((value.decode("latin-1").lower() for name, value in headers if name == b"content-type"), "")
    if any(kind in media_type for kind in _ACTIVE_TYPES):
        headers[:] = [(name, value) for name, value in headers if name != b"content-disposition"]
        added.append((b"content-disposition", b"attachment"))
    return added


async def _refuse_host(host: str, send: Send) -> None:
    error = HostNotAllowed(
        f"Host '{host}' is not this service's; use its public URL's host, or add the name to SWATH_ALLOWED_HOSTS."
    )
    body = json.dumps({"type": error.type, "title": error.title, "status": error.status, "detail": error.detail})
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", b"application/problem+json"), *_COMMON],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})
