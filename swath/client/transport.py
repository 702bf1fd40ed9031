"""The one place the client talks HTTP: the server's address, the token, and turning failures into typed errors."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin

import httpx

from swath.client.errors import ServerUnavailable, error_from_response

__all__ = ["Transport"]


class _ServerToken(httpx.Auth):
    """The bearer token, sent to the Swath server only: never to another host an absolute URL or a redirect names
    (a presigned S3 download, an input's origin)."""

    def __init__(self, origin: str, token: str) -> None:
        self._origin = origin.rstrip("/") + "/"
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if str(request.url).startswith(self._origin) or str(request.url) == self._origin.rstrip("/"):
            request.headers["Authorization"] = self._header
        yield request


class Transport:
    """An httpx session bound to one server. Paths are relative to the server's URL; absolute URLs pass as given."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        auth = _ServerToken(self.url, token) if token else None
        self._http = httpx.Client(
            headers={"Accept": "application/json"}, auth=auth, timeout=timeout, follow_redirects=True
        )

    def absolute(self, path_or_url: str) -> str:
        return urljoin(self.url + "/", path_or_url.lstrip("/")) if "://" not in path_or_url else path_or_url

    def request(self, method: str, path_or_url: str, **options: Any) -> httpx.Response:
        """Send a request; APIError (typed) for an error answer, ServerUnavailable when nothing answers."""
        try:
            response = self._http.request(method, self.absolute(path_or_url), **options)
        except httpx.TransportError as error:
            raise self._unavailable(error) from None
        if response.is_error:
            raise error_from_response(response) from None
        return response

    def json(self, method: str, path_or_url: str, **options: Any) -> Any:
        return self.request(method, path_or_url, **options).json()

    @contextmanager
    def stream(self, path_or_url: str) -> Iterator[httpx.Response]:
        """A GET whose body is read in chunks (downloads)."""
        try:
            with self._http.stream("GET", self.absolute(path_or_url)) as response:
                if response.is_error:
                    response.read()
                    raise error_from_response(response) from None
                yield response
        except httpx.TransportError as error:
            raise self._unavailable(error) from None

    def _unavailable(self, error: httpx.TransportError) -> ServerUnavailable:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return ServerUnavailable(f"Cannot reach the Swath server at {self.url} ({reason}); is it running?")

    def close(self) -> None:
        self._http.close()
