"""The application catalog: register, find, read and delete application versions.

A version is immutable. Registering a name and version again with the same package (the same checksum) is a
no-op that answers with the version registered; with another package it is refused (ApplicationVersionExists).
The decision comes from the unique index on (name, version), not from a look-up done first, so two registrations
racing for one pair cannot both win.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from swath.errors import ApplicationInUse, ApplicationVersionExists, InvalidPackage, NoSuchApplication
from swath.process_ids import ProcessRef, format_process_ref, is_valid_process_id, is_valid_version, parse_process_ref
from swath.services.catalog_packages import CatalogPackage, package_checksum, read_catalog_package
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.services.network import parse_networks
from swath.services.package_archives import ArchiveLimits
from swath.services.package_fetches import PackageRules
from swath.services.package_sources import fetch_url
from swath.store import catalog as store
from swath.store.database import reading, transaction
from swath.store.processes import get_live_process
from swath.store.records import ApplicationVersionRecord

__all__ = [
    "ApplicationQuery",
    "CatalogFetch",
    "Registration",
    "catalog_reference",
    "delete_version",
    "get_version",
    "list_versions",
    "register_application",
    "search_applications",
]

_DEFAULT_VERSION = "1.0.0"


@dataclass(frozen=True)
class Registration:
    version: ApplicationVersionRecord
    # False when the same package was registered before under this name and version (a no-op).
    created: bool


@dataclass(frozen=True)
class ApplicationQuery:
    """`GET /applications` filters; each is a case-insensitive substring, and all given must match."""

    name: str | None = None
    keyword: str | None = None
    author: str | None = None


def register_application(
    context: ServiceContext,
    body: bytes,
    media_type: str,
    registrant: Identity,
    name: str | None = None,
    version: str | None = None,
    fetch: Callable[[str], bytes] | None = None,
    entry: str | None = None,
    visible_to: Sequence[str] = (),
) -> Registration:
    """Validate a package and keep it as `name` `version` (by default the package's own id and
    s:softwareVersion). `entry` names the entry file of a multi-file package; `visible_to` restricts the version
    to those users and `group:` names (and its registrant and admins), as a process's visibility does."""
    package = read_catalog_package(body, media_type, _package_rules(context, fetch), entry)
    record = _new_version(package, registrant, name, version, tuple(visible_to))
    with transaction(context.sessions) as session:
        inserted = store.insert_version(session, record)
        if inserted is not None:
            return Registration(inserted, created=True)
        existing = store.get_version(session, record.name, record.version)
    if existing is None:  # deleted between the refused insert and the read; the caller may simply try again
        raise ApplicationVersionExists(f"Application '{record.name}' version '{record.version}' changed meanwhile.")
    if existing.checksum != record.checksum:
        raise ApplicationVersionExists(
            f"Application '{record.name}' version '{record.version}' is registered with other content "
            f"({existing.checksum}); a version is immutable, so register this package as a new version."
        )
    return Registration(existing, created=False)


def _package_rules(context: ServiceContext, fetch: Callable[[str], bytes] | None) -> PackageRules:
    settings = context.settings
    networks = parse_networks(settings.allowed_networks)
    limits = ArchiveLimits(max_files=settings.max_package_files, max_bytes=settings.max_package_unpacked_size)
    return PackageRules(
        fetch=fetch or functools.partial(fetch_url, allowed_networks=networks, max_bytes=limits.max_bytes),
        networks=networks,
        limits=limits,
        allow_local_sources=settings.allow_local_package_sources,
    )


def _new_version(
    package: CatalogPackage, registrant: Identity, name: str | None, version: str | None, visible_to: tuple[str, ...]
) -> ApplicationVersionRecord:
    # A package id written `name:version` (Unity's registrations) names its version when nothing else does.
    ref = parse_process_ref(name or package.name or "")
    chosen_version = version or package.version or ref.version or _DEFAULT_VERSION
    if not ref.id or not is_valid_process_id(ref.id):
        raise InvalidPackage(
            f"Application name '{ref.id}' is not allowed; give the entry point an `id`, or a `name` parameter of "
            "letters, digits, '.', '_' and '-', starting with a letter or digit."
        )
    if not is_valid_version(chosen_version):
        raise InvalidPackage(
            f"Application version '{chosen_version}' is not allowed; use letters, digits, '.', '_', '+' and '-', "
            "starting with a letter or digit."
        )
    return ApplicationVersionRecord(
        name=ref.id,
        version=chosen_version,
        checksum=package_checksum(package.files),
        entry_path=package.entry_path,
        entry_id=package.entry_id,
        files=package.files,
        metadata=package.metadata,
        warnings=package.warnings,
        registered_by=registrant.user,
        registered=datetime.now(UTC),
        packed=package.packed,
        visible_to=visible_to,
    )


def search_applications(
    context: ServiceContext, query: ApplicationQuery, viewer: Identity
) -> list[ApplicationVersionRecord]:
    """The newest version `viewer` may see of each application whose name, keywords and authors match."""
    with reading(context.sessions) as session:
        versions = store.list_all_versions(session, viewer.principals)
    newest: dict[str, ApplicationVersionRecord] = {}
    for version in versions:
        newest.setdefault(version.name, version)
    return [version for version in newest.values() if _matches(version, query)]


def _matches(version: ApplicationVersionRecord, query: ApplicationQuery) -> bool:
    def holds(values: list[str], wanted: str | None) -> bool:
        return wanted is None or any(wanted.lower() in value.lower() for value in values)

    return (
        holds([version.name], query.name)
        and holds(list(version.metadata.get("keywords", [])), query.keyword)
        and holds(list(version.metadata.get("author", [])), query.author)
    )


def list_versions(context: ServiceContext, name: str, viewer: Identity) -> list[ApplicationVersionRecord]:
    """Every version of an application `viewer` may see, newest first; NoSuchApplication when none is."""
    with reading(context.sessions) as session:
        found = store.list_versions(session, name, viewer.principals)
    if not found:
        raise NoSuchApplication(f"No application named '{name}' is in the catalog.")
    return found


def get_version(context: ServiceContext, name: str, version: str, viewer: Identity) -> ApplicationVersionRecord:
    """One version with its files, if `viewer` may see it: a restricted version does not exist for anyone else
    (404, as a restricted process)."""
    with reading(context.sessions) as session:
        found = store.get_version(session, name, version, principals=viewer.principals)
        if found is None:
            raise _missing(session, name, version, viewer)
    return found


def delete_version(context: ServiceContext, name: str, version: str, deployer: Identity, force: bool = False) -> None:
    """Remove a version from the catalog; refused while a live process deployed from it (or of its id and version,
    deployed from the same package by other means) runs, unless `force` (the process keeps running: it holds its
    own copy of the package)."""
    with transaction(context.sessions) as session:
        if store.get_version(session, name, version, with_files=False, principals=deployer.principals) is None:
            raise _missing(session, name, version, deployer)
        users = store.deployed_process_ids(session, name, version)
        if get_live_process(session, ProcessRef(name, version)) is not None:
            users.append((name, version))
        if users and not force:
            reference = format_process_ref(*users[0])
            raise ApplicationInUse(
                f"Application '{name}' version '{version}' is deployed as process '{reference}'; undeploy it "
                "first, or delete with force=true.",
                process_id=reference,
            )
        if not store.delete_version(session, name, version):
            raise _missing(session, name, version, deployer)


def _missing(session: Session, name: str, version: str, viewer: Identity) -> NoSuchApplication:
    if store.list_versions(session, name, viewer.principals):
        return NoSuchApplication(f"Application '{name}' has no version '{version}' in the catalog.")
    return NoSuchApplication(f"No application named '{name}' is in the catalog.")


# Deploying from the catalog ---------------------------------------------------------------------------------------

# The addresses of a version on this server: its catalog resource or package, or a TRS tool version or descriptor.
_VERSION_PATHS = (
    re.compile(r"^/applications/(?P<name>[^/]+)/versions/(?P<version>[^/]+)(?:/package)?$"),
    re.compile(r"^/(?:ga4gh/trs/v2|api/ga4gh/v2)/tools/(?P<name>[^/]+)/versions/(?P<version>[^/]+)(?:/.*)?$"),
)


def catalog_reference(href: str, public_url: str) -> tuple[str, str] | None:
    """The name and version a URL of this server's catalog (or TRS face) names; None for any other URL."""
    base = urlsplit(public_url)
    target = urlsplit(href)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc):
        return None
    path = target.path.removeprefix(base.path.rstrip("/"))
    for pattern in _VERSION_PATHS:
        matched = pattern.match(path)
        if matched:
            return unquote(matched["name"]), unquote(matched["version"])
    return None


class CatalogFetch:
    """The fetch of a deploy: a link to a version of this server's catalog is read from the database (no HTTP
    request to itself, which the address checks would refuse anyway), any other through `fallback`. It
    remembers the version it read, so that the process records where it came from. Only versions the deployer
    may see are read; a version of several files deploys as its packed document."""

    def __init__(self, context: ServiceContext, fallback: Callable[[str], bytes], deployer: Identity) -> None:
        self._context = context
        self._fallback = fallback
        self._deployer = deployer
        self.used: ApplicationVersionRecord | None = None

    def __call__(self, href: str) -> bytes:
        reference = catalog_reference(href, self._context.settings.resolved_public_url)
        if reference is None:
            return self._fallback(href)
        found = get_version(self._context, *reference, self._deployer)
        if len(found.files) == 1:
            self.used = found
            return found.files[found.entry_path]
        if found.packed is None:
            raise InvalidPackage(
                f"Application '{found.name}' version '{found.version}' has {len(found.files)} files and no packed "
                "document; register it packed (`cwltool --pack`) to deploy it."
            )
        self.used = found
        return found.packed
