"""Outputs kept in a directory and served by the API under `/jobs/{id}/outputs/...`.

The directory is the server's own (data_dir/outputs), or one that the API and every compute node mount (Lustre,
GPFS, NFS: `storage = file:///shared/swath`). Either way the guarantees are those of S3 storage: a file is written
aside and renamed into place, so a reader on any machine sees the whole file or none of it (a job's log, copied
again while it runs, included), and hrefs are absolute URLs of the API.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import uuid
from pathlib import Path

from swath.errors import NoSuchFile, StorageUnavailable
from swath.layout import output_path, parse_output_key
from swath.store.records import StoredFile

_CHUNK = 1 << 20

# Types the standard library does not know, for files science packages commonly produce.
_EXTRA_TYPES = {
    ".geojson": "application/geo+json",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".nc": "application/x-netcdf",
    ".h5": "application/x-hdf5",
    ".hdf": "application/x-hdf",
    ".cwl": "application/cwl",
    ".yml": "application/yaml",
    ".yaml": "application/yaml",
    ".log": "text/plain",
}


def guess_media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if name.endswith("catalog.json") or name.endswith("collection.json"):
        return "application/json"
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


class LocalStorage:
    def __init__(self, root: Path, public_url: str) -> None:
        self.root = root.resolve()
        self.public_url = public_url.rstrip("/")

    def _path(self, key: str) -> Path:
        if "\x00" in key:
            raise NoSuchFile(f"Output path {key[:200]!r} holds a NUL byte, which no file name may.")
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise NoSuchFile(f"Output path '{key}' lies outside the job's outputs.")
        return path

    def href(self, key: str) -> str:
        output = parse_output_key(key)
        if output is None:
            # Not an output (an upload): the API serves it by its own route, not as a file of this storage.
            return self.root.joinpath(key).as_uri()
        return self.public_url + output_path(output.job_id, output.relative_path)

    def download_url(self, key: str) -> str | None:
        return None

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".health.{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            # The path stays out of the message: /health is public, and the data directory's place is the operator's.
            raise StorageUnavailable(f"The output directory is not writable: {error.strerror}.") from error

    def put_file(self, key: str, source: Path, media_type: str | None = None) -> StoredFile:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.resolve() != target:
            temporary = _aside(target)
            try:
                shutil.copyfile(source, temporary)
                temporary.replace(target)
            finally:
                temporary.unlink(missing_ok=True)
        return StoredFile(
            key=key,
            href=self.href(key),
            size=target.stat().st_size,
            checksum=file_checksum(target),
            media_type=media_type or guess_media_type(key),
        )

    def put_bytes(self, key: str, data: bytes, media_type: str) -> StoredFile:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = _aside(target)
        try:
            temporary.write_bytes(data)
            temporary.replace(target)
        finally:
            temporary.unlink(missing_ok=True)
        return StoredFile(
            key=key,
            href=self.href(key),
            size=len(data),
            checksum="sha256:" + hashlib.sha256(data).hexdigest(),
            media_type=media_type,
        )

    def local_directory(self, prefix: str) -> Path:
        path = self._path(prefix)
        if not path.is_dir():
            raise NoSuchFile(f"Output folder '{prefix}' does not exist.")
        return path

    def read_from(self, key: str, offset: int) -> bytes:
        with self.local_path(key).open("rb") as stream:
            if offset >= os.fstat(stream.fileno()).st_size:
                return b""  # nothing new yet; and an offset past the largest file size would not seek
            stream.seek(offset)
            return stream.read()

    def remove(self, key: str) -> None:
        path = self._path(key)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NoSuchFile(f"Output file '{key}' does not exist.")
        return path


def _aside(target: Path) -> Path:
    """A new name beside `target` to write to before the rename: unique across the machines sharing the directory
    (a pid alone is not), and in the same directory, so that the rename is atomic on a POSIX filesystem."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
