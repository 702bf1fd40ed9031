"""How large a request body may be, answered before the rest of a body that is too large is read.

FastAPI reads a whole body into memory before any handler runs: a 62 MB execute request was read, parsed and
validated in full (80-170 s of CPU) before it could be refused. This ASGI middleware counts a body as it arrives
and answers 413 `content-too-large` as soon as it passes the limit (at once when `Content-Length` says so), naming
the setting. A deploy's package has its own limit; uploads (`POST /files`) stream to disk and check their own.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swath.api.errors import exception_response
from swath.errors import ContentTooLarge
from swath.settings import Settings

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class BodyLimit:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def _limit(self, method: str, path: str) -> tuple[int, str, str] | None:
        """The limit on this request's body: bytes, what the body is, and the setting; None for uploads."""
        path = path.rstrip("/")
        if path.endswith("/files"):
            return None
        if (method == "POST" and path.endswith(("/processes", "/applications"))) or (
            method == "PUT" and "/processes/" in path
        ):
            return self.settings.max_package_size, "application package", "max_package_size"
        return self.settings.max_execute_size, "request body", "max_execute_size"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if limit is None or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        size, what, setting = limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > size:
            await self._refuse(scope, receive, send, size, what, setting)
            return
        chunks: list[bytes] = []
        received, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away: the app sees it as it would have
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > size:
                await self._refuse(scope, receive, send, size, what, setting)
                return
            more = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, size: int, what: str, setting: str) -> None:
        detail = f"The {what} is larger than the {size:,} bytes this server accepts (setting {setting})."
        error = ContentTooLarge(detail)
        response = exception_response(error.status, error.type, error.title, detail, Request(scope))
        response.headers["Connection"] = "close"  # the rest of the body is never read
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the app the body already read, then whatever the client sends next (a disconnect)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
