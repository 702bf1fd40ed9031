"""Deploy, replace, undeploy and describe processes (OGC API - Processes Part 1 and Part 2).

A process's id is the package's own and its version a separate member; `id:version` reaches one version and a bare
id the newest live one (swath.process_ids), so several versions can be deployed side by side.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from swath.errors import DuplicatedProcess, ImmutableProcess, InvalidPackage, NoSuchProcess
from swath.examples import EXAMPLES_DIR
from swath.process_ids import ProcessRef, format_process_ref, parse_process_ref
from swath.services.builtin import cwl_dag_process, echo_process
from swath.services.catalog import CatalogFetch
from swath.services.containers import check_package_may_run, choose_container_runtime
from swath.services.context import ServiceContext
from swath.services.identity import Identity, Role
from swath.services.network import parse_networks
from swath.services.package_check import PackageCheckLimits
from swath.services.package_sources import DocumentLimits, fetch_url
from swath.services.packages import ApplicationPackage, parse_package
from swath.services.retries import check_retry_hint
from swath.services.reuse import check_reuse_hint
from swath.store import processes as store
from swath.store.database import reading, transaction
from swath.store.records import ApplicationVersionRecord, ProcessKind, ProcessRecord

Fetch = Callable[[str], bytes]
log = logging.getLogger("swath.services")
# Who deploys the examples at start-up: the service itself.
_EXAMPLES_DEPLOYER = Identity("swath", Role.admin)


def _new_revision(
    package: ApplicationPackage,
    user: str,
    source: ApplicationVersionRecord | None = None,
    visible_to: Sequence[str] = (),
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
        visible_to=tuple(visible_to),
        package_checksum=checksum,
        application_name=source.name if source else None,
        application_version=source.version if source else None,
    )


def _parse(
    context: ServiceContext,
    body: bytes,
    media_type: str,
    deployer: Identity,
    workflow: str | None,
    fetch: Fetch | None,
) -> tuple[ApplicationPackage, ApplicationVersionRecord | None]:
    """The package of a deploy body, and the catalog version (one `deployer` may see) its execution unit linked
    to, if it did."""
    networks = parse_networks(context.settings.allowed_networks)
    reader = CatalogFetch(context, fetch or functools.partial(fetch_url, allowed_networks=networks), deployer)
    settings = context.settings
    check = PackageCheckLimits(settings.deploy_cpu_limit, settings.deploy_memory_limit)
    package = parse_package(body, media_type, workflow, reader, settings.allowed_networks, _limits(context), check)
    _check_may_run(context, package)
    check_retry_hint(package.cwl, package.workflow_id, context.settings)
    check_reuse_hint(package.cwl, package.workflow_id)
    return package, reader.used


def install_builtin_processes(context: ServiceContext) -> None:
    """Make sure the built-in processes are live (idempotent; safe when several servers start at once)."""
    for builtin in (echo_process(), cwl_dag_process()):
        with transaction(context.sessions) as session:
            if store.get_live_process(session, ProcessRef(builtin.id)) is None:
                # Another server starting at the same moment may win the insert; the unique index then says so.
                with contextlib.suppress(DuplicatedProcess):
                    store.insert_process(session, builtin)


def _limits(context: ServiceContext) -> DocumentLimits:
    settings = context.settings
    return DocumentLimits(max_nodes=settings.max_package_nodes, max_depth=settings.max_nesting_depth)


def deploy_process(
    context: ServiceContext,
    body: bytes,
    media_type: str,
    deployer: Identity,
    workflow: str | None = None,
    fetch: Fetch | None = None,
    visible_to: Sequence[str] = (),
) -> ProcessRecord:
    """Validate an application package and make it a live process; DuplicatedProcess if the id is taken.

    `visible_to` restricts it to those users and `group:` names (and its deployer and admins); empty: every user.
    An ogcapppkg whose executionUnit links to a version of this server's catalog deploys that version.
    """
    package, source = _parse(context, body, media_type, deployer, workflow, fetch)
    with transaction(context.sessions) as session:
        return store.insert_process(session, _new_revision(package, deployer.user, source, visible_to))


def replace_process(
    context: ServiceContext,
    process_id: str,
    body: bytes,
    media_type: str,
    deployer: Identity,
    workflow: str | None = None,
    fetch: Fetch | None = None,
    visible_to: Sequence[str] | None = None,
) -> ProcessRecord:
    """Retire the live revision of `process_id` and deploy the package in its place, in one transaction.

    Jobs already created keep the revision they were created with; the new revision keeps the visibility of the
    old one unless `visible_to` is given.
    """
    package, source = _parse(context, body, media_type, deployer, workflow, fetch)
    with transaction(context.sessions) as session:
        current = _resolve(session, process_id, deployer)
        _refuse_builtin(current)
        if package.id != current.id:
            raise InvalidPackage(
                f"The package describes process '{package.id}', not '{current.id}'; a replacement must keep the "
                "process id."
            )
        store.retire_process(session, current.pk, datetime.now(UTC))
        kept = current.visible_to if visible_to is None else visible_to
        return store.insert_process(session, _new_revision(package, deployer.user, source, kept))


def undeploy_process(context: ServiceContext, process_id: str, deployer: Identity) -> None:
    """Remove a process from the live list; its jobs and their results stay readable."""
    with transaction(context.sessions) as session:
        current = _resolve(session, process_id, deployer)
        _refuse_builtin(current)
        store.retire_process(session, current.pk, datetime.now(UTC))


def get_process(context: ServiceContext, process_id: str, viewer: Identity) -> ProcessRecord:
    """The live revision `process_id` reaches, if `viewer` may see it: a restricted process does not exist for
    anyone else (404, as another user's job)."""
    with reading(context.sessions) as session:
        return _resolve(session, process_id, viewer)


def list_versions(context: ServiceContext, process_id: str, viewer: Identity) -> list[ProcessRecord]:
    """Every live version of a process `viewer` may see, newest first; NoSuchProcess when none is (a version
    named is ignored)."""
    ref = parse_process_ref(process_id)
    with reading(context.sessions) as session:
        found = store.list_live_versions(session, ref.id, viewer.principals)
    if not found:
        raise NoSuchProcess(f"No process with id '{ref.id}' is deployed.")
    return found


def list_processes(
    context: ServiceContext, viewer: Identity, limit: int, after: str | None = None
) -> list[ProcessRecord]:
    with reading(context.sessions) as session:
        return store.list_live_processes(session, limit, after, viewer.principals)


def _resolve(session: Session, process_id: str, viewer: Identity) -> ProcessRecord:
    ref = parse_process_ref(process_id)
    process = store.get_live_process(session, ref, viewer.principals)
    if process is None:
        other_version = ref.version is not None and store.get_live_process(
            session, ProcessRef(ref.id), viewer.principals
        )
        if other_version:
            raise NoSuchProcess(f"Process '{ref.id}' has no deployed version '{ref.version}'.", process_id=process_id)
        raise NoSuchProcess(f"No process with id '{process_id}' is deployed.", process_id=process_id)
    return process


def _check_may_run(context: ServiceContext, package: ApplicationPackage) -> None:
    """The operator's rules for images and host tools, against the runtime this service chose at start-up."""
    runtime = choose_container_runtime(context.settings.container_runtime)
    check_package_may_run(package.cwl, context.settings, runtime)


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
            process = deploy_process(context, path.read_bytes(), "application/cwl+yaml", _EXAMPLES_DEPLOYER)
        except DuplicatedProcess:
            continue
        except InvalidPackage as refused:
            # An operator who allows no host tools, or only some images, may refuse an example too.
            log.info("Example %s not deployed: %s", path.name, refused.detail)
            continue
        deployed.append(format_process_ref(process.id, process.version))
    return deployed
