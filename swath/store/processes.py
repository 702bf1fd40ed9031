"""Queries on deployed processes. Writers take the caller's session; the caller commits."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from swath.errors import DuplicatedProcess
from swath.process_ids import ProcessRef, format_process_ref
from swath.store.records import ProcessDescription, ProcessKind, ProcessRecord
from swath.store.tables import ProcessAccessRow, ProcessRow

# Who is asking, for the queries that hide restricted processes: a user's name and its `group:` names, or None
# for a caller who sees every process (an admin, or a service without authentication).
Principals = Sequence[str] | None


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; every time Swath stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record(row: ProcessRow) -> ProcessRecord:
    return ProcessRecord(
        pk=row.pk,
        id=row.id,
        version=row.version,
        kind=ProcessKind(row.kind),
        description=ProcessDescription(**row.description),
        cwl=row.cwl,
        workflow_id=row.workflow_id,
        package=row.package,
        package_media_type=row.package_media_type,
        created_by=row.created_by,
        created=as_utc(row.created),
        retired=as_utc(row.retired) if row.retired else None,
        package_checksum=row.package_checksum,
        application_name=row.application_name,
        application_version=row.application_version,
        visible_to=tuple(sorted(access.principal for access in row.access)),
    )


def _visible(entity: Any, principals: Principals) -> ColumnElement[bool]:
    return visibility_clause(entity.access, ProcessAccessRow.principal, entity.created_by, principals)


def visibility_clause(access: Any, principal: Any, owner: Any, principals: Principals) -> ColumnElement[bool]:
    """Rows `principals` may see, for any record restricted by access rows (processes, catalog versions):
    unrestricted ones (no access row), ones restricted to any of them, and their own (`owner`)."""
    if principals is None:
        return true()
    return or_(~access.any(), access.any(principal.in_(principals)), owner.in_(principals))


def insert_process(session: Session, process: ProcessRecord) -> ProcessRecord:
    """Add a live revision; raises DuplicatedProcess when that version of its id is already live."""
    row = ProcessRow(
        id=process.id,
        version=process.version,
        kind=process.kind.value,
        description=dataclasses.asdict(process.description),
        cwl=process.cwl,
        workflow_id=process.workflow_id,
        package=process.package,
        package_media_type=process.package_media_type,
        created_by=process.created_by,
        created=process.created,
        retired=None,
        access=[ProcessAccessRow(principal=principal) for principal in process.visible_to],
        package_checksum=process.package_checksum,
        application_name=process.application_name,
        application_version=process.application_version,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as error:
        reference = format_process_ref(process.id, process.version)
        raise DuplicatedProcess(
            f"Process '{process.id}' version '{process.version}' is already deployed; replace it with "
            f"PUT /processes/{reference} or undeploy it first.",
            process_id=reference,
        ) from error
    return _record(row)


def _newest_first(query: Select[ProcessRow]) -> Select[ProcessRow]:
    # "Newest" is the revision deployed last (swath.process_ids: a bare id reaches it).
    return query.order_by(ProcessRow.created.desc(), ProcessRow.pk.desc())


def get_live_process(session: Session, ref: ProcessRef, principals: Principals = None) -> ProcessRecord | None:
    """The live revision a reference reaches: its version, or the newest live version of a bare id (of those
    `principals` may see)."""
    query = select(ProcessRow).where(
        ProcessRow.id == ref.id, ProcessRow.retired.is_(None), _visible(ProcessRow, principals)
    )
    if ref.version is not None:
        query = query.where(ProcessRow.version == ref.version)
    row = session.scalar(_newest_first(query).limit(1))
    return _record(row) if row else None


def get_process_revision(session: Session, pk: int) -> ProcessRecord:
    row = session.get(ProcessRow, pk)
    if row is None:
        raise LookupError(f"process revision {pk} does not exist")
    return _record(row)


def list_live_processes(
    session: Session, limit: int, after: str | None = None, principals: Principals = None
) -> list[ProcessRecord]:
    """The newest live version of each id that `principals` may see, ordered by id, keyset-paged after `after`."""
    newer = aliased(ProcessRow)
    has_newer = (
        select(newer.pk)
        .where(
            newer.id == ProcessRow.id,
            newer.retired.is_(None),
            _visible(newer, principals),
            or_(
                newer.created > ProcessRow.created, and_(newer.created == ProcessRow.created, newer.pk > ProcessRow.pk)
            ),
        )
        .exists()
    )
    query = select(ProcessRow).where(ProcessRow.retired.is_(None), _visible(ProcessRow, principals), ~has_newer)
    if after is not None:
        query = query.where(ProcessRow.id > after)
    rows = session.scalars(query.order_by(ProcessRow.id).limit(limit))
    return [_record(row) for row in rows]


def list_live_versions(session: Session, process_id: str, principals: Principals = None) -> list[ProcessRecord]:
    """Every live version of an id that `principals` may see, newest first."""
    query = select(ProcessRow).where(
        ProcessRow.id == process_id, ProcessRow.retired.is_(None), _visible(ProcessRow, principals)
    )
    return [_record(row) for row in session.scalars(_newest_first(query))]


def retire_process(session: Session, pk: int, when: datetime) -> bool:
    """Retire a live revision; reports whether it was still live."""
    result = session.execute(
        update(ProcessRow).where(ProcessRow.pk == pk, ProcessRow.retired.is_(None)).values(retired=when)
    )
    return bool(getattr(result, "rowcount", 0))
