"""Deploy, replace, undeploy and describe processes (OGC API - Processes Part 1 and Part 2).

A process's id is the package's own and its version a separate member; `id:version` reaches one version and a bare
id the newest live one (swath.process_ids), so several versions can be deployed side by side.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from swath.errors import DuplicatedProcess, ImmutableProcess, InvalidPackage, NoSuchProcess
from swath.examples import EXAMPLES_DIR
from swath.process_ids import ProcessRef, format_process_ref, parse_process_ref
from swath.services.builtin import echo_process
from swath.services.catalog import CatalogFetch
from swath.services.context import ServiceContext
from swath.services.network import parse_networks
from swath.services.package_sources import fetch_url
from swath.services.packages import ApplicationPackage, parse_package
from swath.store import processes as store
from swath.store.database import reading, transaction
from swath.store.records import ApplicationVersionRecord, ProcessKind, ProcessRecord

Fetch = Callable[[str], bytes]


def _new_revision(
    package: ApplicationPackage, user: str, source: ApplicationVersionRecord | None = None
) -> ProcessRecord:
    # A package from the catalog keeps the catalog's checksum, so a job's checksum finds its version there.
    checksum = source.checksum if source else "sha256:" + hashlib.sha256(package.package).hexdigest()
    return ProcessRecord(
        pk=0,
        id=package.id,
        version=package.version,
        kind=ProcessKind.cwl,
        description=package.description,
        cwl=package.cwl,
        workflow_id=package.workflow_id,
        package=package.package,
        package_media_type=package.media_type,
        created_by=user,
        created=datetime.now(UTC),
        package_checksum=checksum,
        application_name=source.name if source else None,
        application_version=source.version if source else None,
    )


def _parse(
    context: ServiceContext, body: bytes, media_type: str, workflow: str | None, fetch: Fetch | None
) -> tuple[ApplicationPackage, ApplicationVersionRecord | None]:
    """The package of a deploy body, and the catalog version its execution unit linked to, if it did."""
    networks = parse_networks(context.settings.allowed_networks)
    reader = CatalogFetch(context, fetch or functools.partial(fetch_url, allowed_networks=networks))
    package = parse_package(body, media_type, workflow, reader, context.settings.allowed_networks)
    return package, reader.used


def install_builtin_processes(context: ServiceContext) -> None:
    """Make sure the built-in processes are live (idempotent; safe when several servers start at once)."""
    echo = echo_process()
    with transaction(context.sessions) as session:
        if store.get_live_process(session, ProcessRef(echo.id)) is None:
            # Another server starting at the same moment may win the insert; the unique index then says so.
            with contextlib.suppress(DuplicatedProcess):
                store.insert_process(session, echo)


def deploy_process(
    context: ServiceContext,
    body: bytes,
    media_type: str,
    user: str,
    workflow: str | None = None,
    fetch: Fetch | None = None,
) -> ProcessRecord:
    """Validate an application package and make it a live process; DuplicatedProcess if the id is taken.

    An ogcapppkg whose executionUnit links to a version of this server's catalog deploys that version.
    """
    package, source = _parse(context, body, media_type, workflow, fetch)
    with transaction(context.sessions) as session:
        return store.insert_process(session, _new_revision(package, user, source))


def replace_process(
    context: ServiceContext,
    process_id: str,
    body: bytes,
    media_type: str,
    user: str,
    workflow: str | None = None,
    fetch: Fetch | None = None,
) -> ProcessRecord:
    """Retire the live revision of `process_id` and deploy the package in its place, in one transaction.

    Jobs already created keep the revision they were created with.
    """
    package, source = _parse(context, body, media_type, workflow, fetch)
    with transaction(context.sessions) as session:
        current = _resolve(session, process_id)
        _refuse_builtin(current)
        if package.id != current.id:
            raise InvalidPackage(
                f"The package describes process '{package.id}', not '{current.id}'; a replacement must keep the "
                "process id."
            )
        store.retire_process(session, current.pk, datetime.now(UTC))
        return store.insert_process(session, _new_revision(package, user, source))


def undeploy_process(context: ServiceContext, process_id: str) -> None:
    """Remove a process from the live list; its jobs and their results stay readable."""
    with transaction(context.sessions) as session:
        current = _resolve(session, process_id)
        _refuse_builtin(current)
        store.retire_process(session, current.pk, datetime.now(UTC))


def get_process(context: ServiceContext, process_id: str) -> ProcessRecord:
    with reading(context.sessions) as session:
        return _resolve(session, process_id)


def list_versions(context: ServiceContext, process_id: str) -> list[ProcessRecord]:
    """Every live version of a process, newest first; NoSuchProcess when none is (a version named is ignored)."""
    ref = parse_process_ref(process_id)
    with reading(context.sessions) as session:
        found = store.list_live_versions(session, ref.id)
    if not found:
        raise NoSuchProcess(f"No process with id '{ref.id}' is deployed.")
    return found


def list_processes(context: ServiceContext, limit: int, after: str | None = None) -> list[ProcessRecord]:
    with reading(context.sessions) as session:
        return store.list_live_processes(session, limit, after)


def _resolve(session: Session, process_id: str) -> ProcessRecord:
    ref = parse_process_ref(process_id)
    process = store.get_live_process(session, ref)
    if process is None:
        if ref.version is not None and store.get_live_process(session, ProcessRef(ref.id)) is not None:
            raise NoSuchProcess(f"Process '{ref.id}' has no deployed version '{ref.version}'.", process_id=process_id)
        raise NoSuchProcess(f"No process with id '{process_id}' is deployed.", process_id=process_id)
    return process


def _refuse_builtin(process: ProcessRecord) -> None:
    if process.kind is ProcessKind.builtin:
        raise ImmutableProcess(
            f"Process '{process.id}' is built into Swath and cannot be replaced or undeployed.", process_id=process.id
        )


def deploy_examples(context: ServiceContext) -> list[str]:
    """Deploy the example applications shipped with Swath, skipping those already live; returns the new ids."""
    deployed = []
    for path in sorted(EXAMPLES_DIR.glob("*.cwl")):
        try:
            process = deploy_process(context, path.read_bytes(), "application/cwl+yaml", user="swath")
        except DuplicatedProcess:
            continue
        deployed.append(format_process_ref(process.id, process.version))
    return deployed
