"""The files of a multi-file package, read from a zip or a folder (a cloned repository) within bounds.

An archive is hostile until read: its member names may leave the package (`../x`, `/etc/x`, `C:\\x`), a member
may be a symbolic link, and the sizes its headers declare may lie (a zip bomb declares a few bytes and inflates
to gigabytes). Every name therefore passes swath/paths.py's `safe_relative_path`, links are refused, and sizes are
counted on the bytes actually inflated, member by member, stopping at the first byte past the limit. Refusals
name the member: 400 (`InvalidPackage`) for a member that cannot be part of a package, 413 (`ContentTooLarge`) for
an archive larger than the settings allow.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from swath.errors import ContentTooLarge, InvalidPackage
from swath.paths import UnsafePath, safe_relative_path

__all__ = ["ArchiveLimits", "read_folder", "read_zip"]

_CHUNK = 64 * 1024
_SKIPPED_FOLDERS = frozenset({".git"})


@dataclass(frozen=True)
class ArchiveLimits:
    """How many files a package may hold and how many bytes they may unpack to together
    (`Settings.max_package_files`, `max_package_unpacked_size`)."""

    max_files: int = 500
    max_bytes: int = 50 * 1024**2


class _Budget:
    """The files and bytes left to an archive being read; refuses the member that goes past either."""

    def __init__(self, limits: ArchiveLimits, what: str) -> None:
        self._limits = limits
        self._what = what
        self._files = 0
        self._bytes = 0

    def take_file(self, name: str) -> None:
        self._files += 1
        if self._files > self._limits.max_files:
            raise ContentTooLarge(
                f"{self._what} holds more than {self._limits.max_files} files (at '{name}'); a package may hold at "
                "most that many (max_package_files)."
            )

    def take_bytes(self, name: str, count: int) -> None:
        self._bytes += count
        if self._bytes > self._limits.max_bytes:
            raise ContentTooLarge(
                f"{self._what} unpacks to more than {self._limits.max_bytes:,} bytes (at '{name}'); a package may "
                "unpack to at most that many (max_package_unpacked_size)."
            )


def read_zip(body: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    """Every file of a zip by its relative path, a single top folder taken off (`app/main.cwl` → `main.cwl`)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as error:
        raise InvalidPackage("The body is not a zip archive; send a zip of the package's files.") from error
    budget = _Budget(limits, "The zip")
    files: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            budget.take_file(info.filename)
            path = _member_path(info.filename, "The zip member")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise InvalidPackage(f"The zip member '{info.filename}' is a symbolic link; a package holds files.")
            if path in files:
                raise InvalidPackage(f"The zip holds '{info.filename}' twice; each path may appear once.")
            files[path] = _inflate(archive, info, budget)
    return _without_common_folder(files)


def _member_path(name: str, what: str) -> str:
    """`name` as a package path; InvalidPackage when it is absolute, climbs out, or is not a usable path."""
    if "\\" in name or (len(name) > 1 and name[1] == ":"):
        raise InvalidPackage(f"{what} '{name}' leaves the package; use relative paths with '/' inside it.")
    try:
        path = safe_relative_path(name)
    except UnsafePath as error:
        raise InvalidPackage(f"{what} '{name}' leaves the package; use relative paths inside it ({error}).") from None
    return path


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    """The member's bytes, counted as they inflate: the header's size is the archive's claim, not a fact."""
    chunks: list[bytes] = []
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                budget.take_bytes(info.filename, len(chunk))
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise InvalidPackage(f"The zip member '{info.filename}' is damaged and cannot be read: {error}.") from error
    except (RuntimeError, NotImplementedError) as error:  # encrypted, or a compression zipfile lacks
        raise InvalidPackage(f"The zip member '{info.filename}' cannot be read: {error}.") from error
    return b"".join(chunks)


def _without_common_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """A zip of a folder (`app/main.cwl`, `app/tool.cwl`) is the package of its contents."""
    tops = {PurePosixPath(path).parts[0] for path in files}
    if len(tops) == 1 and all(len(PurePosixPath(path).parts) > 1 for path in files):
        return {str(PurePosixPath(*PurePosixPath(path).parts[1:])): content for path, content in files.items()}
    return files


def read_folder(folder: Path, limits: ArchiveLimits, what: str) -> dict[str, bytes]:
    """Every file under `folder` (a `.git` folder left out) by its relative path; a symbolic link, or anything
    that is not a plain file, refuses the whole folder (a link could name a file of the server)."""
    budget = _Budget(limits, what)
    files: dict[str, bytes] = {}
    for path in _walk(folder):
        relative = path.relative_to(folder).as_posix()
        budget.take_file(relative)
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            raise InvalidPackage(f"{what}'s file '{relative}' is a symbolic link; a package holds plain files.")
        if not stat.S_ISREG(mode):
            raise InvalidPackage(f"{what}'s entry '{relative}' is not a plain file; a package holds plain files.")
        budget.take_bytes(relative, path.lstat().st_size)
        files[_member_path(relative, f"{what}'s file")] = path.read_bytes()
    return files


def _walk(folder: Path) -> Iterator[Path]:
    for root, folders, names in os.walk(folder, followlinks=False):
        folders[:] = sorted(name for name in folders if name not in _SKIPPED_FOLDERS)
        base = Path(root)
        # A link to a folder is listed among `folders`; it is reported (and refused) as an entry, never entered.
        for name in sorted(names + [name for name in folders if (base / name).is_symlink()]):
            yield base / name
        folders[:] = [name for name in folders if not (base / name).is_symlink()]
