"""The storage interface: the runner puts output files in, the API serves them out.

Keys are `/`-separated paths laid out by `swath.layout` (`jobs/<job id>/<relative path>`, ...); they never leave
the storage root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from swath.store.records import StoredFile


class Storage(Protocol):
    def put_file(self, key: str, source: Path, media_type: str | None = None) -> StoredFile:
        """Copy a local file in under `key`; returns its size, checksum and public href."""
        ...

    def put_bytes(self, key: str, data: bytes, media_type: str) -> StoredFile: ...

    def local_path(self, key: str) -> Path:
        """The file behind `key` on this machine (a cached copy for remote storage); raises NoSuchFile when it is
        absent or the key escapes the root."""
        ...

    def read_from(self, key: str, offset: int) -> bytes:
        """The bytes of `key` from byte `offset` on, read afresh (an object that is rewritten, such as a running
        job's log, is not served from a cache); empty past the end; NoSuchFile when absent."""
        ...

    def local_directory(self, prefix: str) -> Path:
        """The folder holding every file under `prefix` on this machine (fetched for remote storage)."""
        ...

    def href(self, key: str) -> str:
        """The absolute URL a client fetches `key` from."""
        ...

    def download_url(self, key: str) -> str | None:
        """A URL that serves `key` without the API (a presigned S3 URL), or None to serve it through the API."""
        ...

    def remove(self, key: str) -> None:
        """Delete the file `key` and every file under `key/` (with any cached copy); nothing when there is none."""
        ...

    def check(self) -> None:
        """Raise StorageUnavailable unless the storage can be read and written now."""
        ...


@runtime_checkable
class ObjectReader(Protocol):
    """Storage that can also read `s3://` inputs (with its own credentials)."""

    def download(self, url: str, target: Path) -> Path:
        """Fetch the object at `url` into `target`; NoSuchFile or StorageUnavailable when it cannot."""
        ...
