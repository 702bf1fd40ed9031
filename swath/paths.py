"""Names and paths that come from data, made safe or refused: the one place that decides.

Data names files: a STAC item id becomes a folder, a CWL `basename` a file, an output id and a tool's catalog ids
become storage keys, an upload's name part of its URL. Any of them could say `../..` (or hold a NUL byte, a
backslash, an empty segment) and write or read outside the directory it was meant for. Every such name passes
`safe_name` (one path segment) or `safe_relative_path` (segments joined by `/`) before it is joined to a directory
or a key, and every file a run leaves behind passes `confined` (symbolic links followed) before it is stored.

`UnsafePath` is not a `SwathError`: the caller says what the name was in its own terms, as a job's failure
(`JobFailed`) in the runner or an HTTP error in a service.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DATA_DIR_SHOWN",
    "MAX_NAME_BYTES",
    "UnsafePath",
    "confined",
    "safe_name",
    "safe_relative_path",
    "without_data_dir",
]

# What a job's message and log show in place of the data directory: where it lies is the operator's business.
DATA_DIR_SHOWN = "<data>"

# The longest file name Linux file systems take (NAME_MAX), in bytes of UTF-8.
MAX_NAME_BYTES = 255
_FORBIDDEN = ("/", "\\", "\x00")


class UnsafePath(ValueError):
    """A name from data that would leave its directory or cannot be a file name; `str()` says why."""


def safe_name(name: str) -> str:
    """`name` itself when it is one usable path segment: not empty, not `.` or `..`, no `/`, `\\` or NUL, and
    at most `MAX_NAME_BYTES` bytes; else `UnsafePath`."""
    if name in ("", ".", ".."):
        raise UnsafePath(f"{name!r} is not a file name")
    for character in _FORBIDDEN:
        if character in name:
            raise UnsafePath(f"{_shown(name)} holds {character!r}, which a file name may not")
    if any(ord(character) < 0x20 for character in name):
        raise UnsafePath(f"{_shown(name)} holds a control character, which a file name may not")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise UnsafePath(f"{_shown(name)} is longer than {MAX_NAME_BYTES} bytes")
    return name


def safe_relative_path(path: str) -> str:
    """A relative `/`-separated path whose every segment is a `safe_name`; doubled or trailing slashes are dropped,
    a leading one (an absolute path) is refused."""
    if path.startswith("/"):
        raise UnsafePath(f"{_shown(path)} is an absolute path, not a relative one")
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        raise UnsafePath(f"{path!r} names no file")
    try:
        return "/".join(safe_name(segment) for segment in segments)
    except UnsafePath as error:
        raise UnsafePath(f"{_shown(path)}: {error}") from None


def confined(path: Path, root: Path) -> Path:
    """`path` with every symbolic link followed, when that lies under `root` (also resolved); else `UnsafePath`.

    A tool's output may be a link to anything on the machine (`ln -s /etc/shadow out.txt`); only what lies inside
    its own job's directory may be stored.
    """
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError) as error:  # a link loop, a NUL byte
        raise UnsafePath(f"{path.name!r} cannot be resolved: {error}") from error
    if not resolved.is_relative_to(root.resolve()):
        raise UnsafePath(f"{path.name!r} is a link to a file outside the job's directory")
    return resolved


def without_data_dir(text: str, data_dir: Path) -> str:
    """`text` with the data directory's absolute path (work directories, outputs, the database) replaced by
    `DATA_DIR_SHOWN`: cwltool's messages and tracebacks name the files they were at."""
    return text.replace(str(data_dir.resolve()), DATA_DIR_SHOWN)


def _shown(value: str, limit: int = 80) -> str:
    """A name as an error shows it: quoted, and cut short, since it came from data of any length."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
