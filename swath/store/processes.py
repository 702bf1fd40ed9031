"""Queries on deployed processes. Writers take the caller's session; the caller commits."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from swath.errors import DuplicatedProcess
from swath.store.records import ProcessDescription, ProcessKind, ProcessRecord
from swath.store.tables import ProcessRow


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
    )


def insert_process(session: Session, process: ProcessRecord) -> ProcessRecord:
    """Add a live revision; raises DuplicatedProcess when a live process already has its id."""
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
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as error:
        raise DuplicatedProcess(
            f"A process with id '{process.id}' is already deployed; replace it with PUT /processes/{process.id} "
            "or undeploy it first.",
            process_id=process.id,
        ) from error
    return _record(row)


def get_live_process(session: Session, process_id: str) -> ProcessRecord | None:
    row = session.scalar(select(ProcessRow).where(ProcessRow.id == process_id, ProcessRow.retired.is_(None)))
    return _record(row) if row else None


def get_latest_live_version(session: Session, name: str) -> ProcessRecord | None:
    """The newest live process whose id is `name:<version>`."""
    pattern = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":%"
    row = session.scalar(
        select(ProcessRow)
        .where(ProcessRow.id.like(pattern, escape="\\"), ProcessRow.retired.is_(None))
        .order_by(ProcessRow.created.desc(), ProcessRow.pk.desc())
        .limit(1)
    )
    return _record(row) if row else None


def get_process_revision(session: Session, pk: int) -> ProcessRecord:
    row = session.get(ProcessRow, pk)
    if row is None:
        raise LookupError(f"process revision {pk} does not exist")
    return _record(row)


def list_live_processes(session: Session, limit: int, after: str | None = None) -> list[ProcessRecord]:
    """Live processes ordered by id, keyset-paged after the id `after`."""
    query = select(ProcessRow).where(ProcessRow.retired.is_(None))
    if after is not None:
        query = query.where(ProcessRow.id > after)
    rows = session.scalars(query.order_by(ProcessRow.id).limit(limit))
    return [_record(row) for row in rows]


def retire_process(session: Session, process_id: str, when: datetime) -> bool:
    """Retire the live revision of `process_id`; reports whether there was one."""
    result = session.execute(
        update(ProcessRow).where(ProcessRow.id == process_id, ProcessRow.retired.is_(None)).values(retired=when)
    )
    return bool(getattr(result, "rowcount", 0))
