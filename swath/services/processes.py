"""Deploy, replace, undeploy and describe processes (OGC API - Processes Part 1 and Part 2).

A deployed process's id is `name:version` (the Unity convention, e.g. `l1b-cwl:develop`), and its bare `name`
always reaches the newest live version, so several versions can be deployed side by side. Built-in processes keep
their plain id (`echo`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from swath.errors import DuplicatedProcess, ImmutableProcess, InvalidPackage, NoSuchProcess
from swath.examples import EXAMPLES_DIR
from swath.services.builtin import echo_process
from swath.services.context import ServiceContext
from swath.services.package_sources import DocumentLimits
from swath.services.packages import ApplicationPackage, parse_package
from swath.store import processes as store
from swath.store.database import reading, transaction
from swath.store.records import ProcessKind, ProcessRecord

Fetch = Callable[[str], bytes]


def process_id_of(package: ApplicationPackage) -> str:
    return package.id if ":" in package.id else f"{package.id}:{package.version}"


def _process_name(process_id: str) -> str:
    return process_id.split(":", 1)[0]


def _new_revision(package: ApplicationPackage, user: str) -> ProcessRecord:
    return ProcessRecord(
        pk=0,
        id=process_id_of(package),
        version=package.version,
        kind=ProcessKind.cwl,
        description=package.description,
        cwl=package.cwl,
        workflow_id=package.workflow_id,
        package=package.package,
        package_media_type=package.media_type,
        created_by=user,
        created=datetime.now(UTC),
    )


def install_builtin_processes(context: ServiceContext) -> None:
    """Make sure the built-in processes are live (idempotent; safe when several servers start at once)."""
    echo = echo_process()
    with transaction(context.sessions) as session:
        if store.get_live_process(session, echo.id) is None:
            # Another server starting at the same moment may win the insert; the unique index then says so.
            with contextlib.suppress(DuplicatedProcess):
                store.insert_process(session, echo)


def _limits(context: ServiceContext) -> DocumentLimits:
    settings = context.settings
    return DocumentLimits(max_nodes=settings.max_package_nodes, max_depth=settings.max_nesting_depth)


def deploy_process(
    context: ServiceContext,
    body: bytes,
    media_type: str,
    user: str,
    workflow: str | None = None,
    fetch: Fetch | None = None,
) -> ProcessRecord:
    """Validate an application package and make it a live process; DuplicatedProcess if the id is taken."""
    package = parse_package(body, media_type, workflow, fetch, _limits(context))
    with transaction(context.sessions) as session:
        return store.insert_process(session, _new_revision(package, user))


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
    package = parse_package(body, media_type, workflow, fetch, _limits(context))
    with transaction(context.sessions) as session:
        current = _resolve(session, process_id)
        _refuse_builtin(current)
        if package.id.split(":", 1)[0] != _process_name(current.id):
            raise InvalidPackage(
                f"The package describes process '{package.id}', not '{_process_name(current.id)}'; "
                "a replacement must keep the process name."
            )
        store.retire_process(session, current.id, datetime.now(UTC))
        return store.insert_process(session, _new_revision(package, user))


def undeploy_process(context: ServiceContext, process_id: str) -> None:
    """Remove a process from the live list; its jobs and their results stay readable."""
    with transaction(context.sessions) as session:
        current = _resolve(session, process_id)
        _refuse_builtin(current)
        store.retire_process(session, current.id, datetime.now(UTC))


def get_process(context: ServiceContext, process_id: str) -> ProcessRecord:
    with reading(context.sessions) as session:
        return _resolve(session, process_id)


def list_processes(context: ServiceContext, limit: int, after: str | None = None) -> list[ProcessRecord]:
    with reading(context.sessions) as session:
        return store.list_live_processes(session, limit, after)


def _resolve(session: Session, process_id: str) -> ProcessRecord:
    process = store.get_live_process(session, process_id)
    if process is None and ":" not in process_id:
        process = store.get_latest_live_version(session, process_id)
    if process is None:
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
        deployed.append(process.id)
    return deployed
