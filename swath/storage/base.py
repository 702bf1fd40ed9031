"""The storage interface: the runner puts output files in, the API serves them out.

Keys are `/`-separated paths such as `jobs/<job id>/<relative path>`; they never leave the storage root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from swath.store.records import StoredFile


class Storage(Protocol):
    def put_file(self, key: str, source: Path, media_type: str | None = None) -> StoredFile:
        """Copy a local file in under `key`; returns its size, checksum and public href."""
        ...

    def put_bytes(self, key: str, data: bytes, media_type: str) -> StoredFile: ...

    def local_path(self, key: str) -> Path:
        """The file behind `key`; raises NoSuchFile when it is absent or the key escapes the root."""
        ...

    def href(self, key: str) -> str:
        """The absolute URL a client fetches `key` from."""
        ...
