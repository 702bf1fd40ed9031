"""Packages the catalog fetches itself: `{"href": URL}` (a CWL document or a zip) and `{"git": URL, "ref", "path"}`.

An href is read through services/network.py's checked fetch, like an ogcapppkg's linked execution unit. A git
repository is cloned with git, whose reach is narrowed to what any other fetch of the server may reach:

- only https and http URLs whose addresses services/network.py allows, pinned for git's connections (so a name
  cannot resolve anew to another address), redirects not followed (git would not check theirs); `file://` URLs
  and paths only when `allow_local_package_sources` is set (a service's own disk is not its users' to read);
  ssh, git://, `ext::` and every other transport are refused;
- git runs with an environment of its own: no system or global config, no credential helper, no prompt, no
  hooks (an empty template, `core.hooksPath` /dev/null), no submodules; nothing of the repository's is executed;
- a shallow fetch of the one ref, and the files read through package_archives's bounds, links refused.

Not bounded: what the shallow fetch itself writes to the temporary folder before the files are counted (git has no
limit on a fetch's size); the time limit (`_GIT_TIMEOUT`) is what stops a huge repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from swath.errors import InvalidPackage
from swath.paths import UnsafePath, confined, safe_relative_path
from swath.services.network import IPNetwork, check_url
from swath.services.package_archives import ArchiveLimits, read_folder, read_zip
from swath.store.records import JSON

__all__ = ["FetchedPackage", "PackageRules", "RemoteSource", "fetch_remote_package", "remote_source"]

_GIT_TIMEOUT = 120.0
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SINGLE_FILE = "package.cwl"
_SOURCE_KEYS = frozenset({"href", "git", "ref", "path"})


@dataclass(frozen=True)
class PackageRules:
    """What reading a registration may do: fetch links (through the checked fetch), reach `networks`, unpack up
    to `limits`, and read local repositories only when `allow_local_sources`."""

    fetch: Callable[[str], bytes]
    networks: Sequence[IPNetwork] = ()
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    allow_local_sources: bool = False


@dataclass(frozen=True)
class RemoteSource:
    """Where a registration asks the catalog to fetch the package from: an `href`, or a `git` repository at a
    `ref` (default its HEAD), the package being the folder (or the entry file) `path` names."""

    href: str | None = None
    git: str | None = None
    ref: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class FetchedPackage:
    files: dict[str, bytes]
    # The entry file the source named (a `path` to a .cwl file), if it named one.
    entry_path: str | None
    # Where it came from (`href`, or `git`, `commit` and `path`), kept in the version's metadata as `source`.
    origin: JSON


def remote_source(body: bytes, essence: str) -> RemoteSource | None:
    """The source a JSON registration body names (`{"href": ...}` or `{"git": ...}`); None for any other body."""
    if essence != "application/json":
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the package reader says what is wrong with it
    if not isinstance(document, dict) or not ({"href", "git"} & document.keys()):
        return None
    if "executionUnit" in document or "cwlVersion" in document or "$graph" in document:
        return None
    unknown = sorted(document.keys() - _SOURCE_KEYS)
    values = {key: document.get(key) for key in _SOURCE_KEYS}
    if unknown or not all(value is None or isinstance(value, str) for value in values.values()):
        raise InvalidPackage(
            'A registration to fetch is {"href": URL} or {"git": URL, "ref": REF, "path": PATH}, all strings'
            + (f"; '{unknown[0]}' is not one of its members." if unknown else ".")
        )
    if (values["href"] is None) == (values["git"] is None):
        raise InvalidPackage("A registration to fetch names either an `href` or a `git` repository, not both.")
    return RemoteSource(**values)


def fetch_remote_package(source: RemoteSource, rules: PackageRules) -> FetchedPackage:
    if source.git is not None:
        return _fetch_git(source.git, source.ref, source.path, rules)
    return _fetch_href(source.href or "", rules)


def _fetch_href(href: str, rules: PackageRules) -> FetchedPackage:
    if urlsplit(href).scheme not in ("http", "https"):
        raise InvalidPackage(f"The package href '{href[:200]}' is not allowed; use an http or https URL.")
    body = rules.fetch(href)
    files = read_zip(body, rules.limits) if body.startswith(_ZIP_MAGIC) else {_SINGLE_FILE: body}
    return FetchedPackage(files, None, {"href": href})


# git --------------------------------------------------------------------------------------------------------------


def _fetch_git(url: str, ref: str | None, path: str | None, rules: PackageRules) -> FetchedPackage:
    access = _git_access(url, rules)
    wanted = _checked_ref(ref)
    with tempfile.TemporaryDirectory(prefix="swath-git-") as directory:
        home, clone = Path(directory) / "home", Path(directory) / "clone"
        home.mkdir()
        git = _Git(home, access)
        git.run("init", "--quiet", "--template=", str(clone))
        git.run("-C", str(clone), "fetch", "--quiet", "--depth=1", "--no-tags", "--", url, wanted, what=url)
        git.run("-C", str(clone), "checkout", "--quiet", "--detach", "FETCH_HEAD")
        commit = git.run("-C", str(clone), "rev-parse", "HEAD").strip()
        folder, entry = _package_folder(clone, path, url)
        files = read_folder(folder, rules.limits, f"The repository {url}")
    origin: JSON = {"git": url, "commit": commit, **({"ref": ref} if ref else {}), **({"path": path} if path else {})}
    return FetchedPackage(files, entry, origin)


def _git_access(url: str, rules: PackageRules) -> list[str]:
    """The git configuration that lets this one URL through: for http(s), its addresses as checked, pinned so that
    git connects to those and no others (a name that resolves anew to a private address would pass otherwise);
    for a local repository, the file transport. InvalidPackage for a transport or an address not allowed."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    is_path = url.startswith(("/", "./")) and "::" not in url
    if scheme in ("http", "https") and "::" not in url and parts.hostname:
        addresses = check_url(url, rules.networks)
        port = parts.port or (443 if scheme == "https" else 80)
        pinned = ",".join(f"[{address}]" if address.version == 6 else str(address) for address in addresses)
        return [f"http.curloptResolve={parts.hostname}:{port}:{pinned}"]
    if (scheme == "file" or is_path) and rules.allow_local_sources:
        return ["protocol.file.allow=always"]
    local = scheme == "file" or is_path
    local_note = " (file:// URLs and paths where allow_local_package_sources is set)" if local else ""
    raise InvalidPackage(
        f"The git repository '{url[:200]}' is not allowed{local_note}; the catalog clones https (or http) URLs only."
    )


def _checked_ref(ref: str | None) -> str:
    if ref is None:
        return "HEAD"
    if not ref or ref.startswith("-") or any(char.isspace() or char in "~^:?*[\\" for char in ref) or ".." in ref:
        raise InvalidPackage(f"The git ref '{ref[:200]}' is not a branch, tag or commit name.")
    return ref


def _package_folder(clone: Path, path: str | None, url: str) -> tuple[Path, str | None]:
    """The folder that holds the package, and the entry file when `path` names a file."""
    if path is None:
        return clone, None
    try:
        target = confined(clone / safe_relative_path(path), clone)
    except UnsafePath as error:
        raise InvalidPackage(f"The path '{path[:200]}' is not a path inside the repository: {error}.") from None
    if (clone / path).is_symlink() or not target.exists():
        raise InvalidPackage(f"The repository {url} has no file or folder '{path}'.")
    return (target, None) if target.is_dir() else (target.parent, target.name)


class _Git:
    """git with nothing of this machine's or the repository's configuration: a fresh home, no system or global
    config, no prompts, only the transports allowed."""

    def __init__(self, home: Path, access: list[str]) -> None:
        executable = shutil.which("git")
        if executable is None:
            raise InvalidPackage("This server cannot clone git repositories: git is not installed.")
        self._command = [
            executable,
            "-c", "protocol.allow=never",
            "-c", "protocol.https.allow=always",
            "-c", "protocol.http.allow=always",
            "-c", "protocol.file.allow=never",
            "-c", "http.followRedirects=false",
            "-c", "core.hooksPath=/dev/null",
            "-c", "credential.helper=",
            "-c", "submodule.recurse=false",
            "-c", "advice.detachedHead=false",
            *(option for setting in access for option in ("-c", setting)),
        ]  # fmt: skip
        self._env = {
            "HOME": str(home),
            "PATH": "/usr/bin:/bin",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "/bin/false",
            "SSH_ASKPASS": "/bin/false",
            "LC_ALL": "C",
        }

    def run(self, *arguments: str, what: str = "") -> str:
        try:
            done = subprocess.run(
                [*self._command, *arguments],
                env=self._env,
                capture_output=True,
                text=True,
                timeout=_GIT_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise InvalidPackage(f"git took longer than {_GIT_TIMEOUT:g} s to fetch {what}.") from error
        if done.returncode != 0:
            said = " ".join(line.strip() for line in done.stderr.splitlines() if line.strip())[-400:]
            raise InvalidPackage(f"git could not fetch {what or 'the repository'}: {said or 'no reason given'}.")
        return done.stdout
