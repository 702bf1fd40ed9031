"""Queries on the application catalog. Writers take the caller's session; the caller commits."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from swath.store.processes import Principals, as_utc, visibility_clause
from swath.store.records import ApplicationVersionRecord
from swath.store.tables import ApplicationAccessRow, ApplicationFileRow, ApplicationVersionRow, ProcessRow


def _visible(principals: Principals) -> ColumnElement[bool]:
    """Versions `principals` may see (None: all), by the one rule processes follow too."""
    return visibility_clause(
        ApplicationVersionRow.access, ApplicationAccessRow.principal, ApplicationVersionRow.registered_by, principals
    )


def _record(session: Session, row: ApplicationVersionRow, with_files: bool = True) -> ApplicationVersionRecord:
    files: dict[str, bytes] = {}
    if with_files:
        query = select(ApplicationFileRow).where(ApplicationFileRow.version_pk == row.pk)
        files = {file.path: file.content for file in session.scalars(query.order_by(ApplicationFileRow.path))}
    return ApplicationVersionRecord(
        pk=row.pk,
        name=row.name,
        version=row.version,
        checksum=row.checksum,
        entry_path=row.entry_path,
        entry_id=row.entry_id,
        files=files,
        metadata=row.metadata_,
        warnings=list(row.warnings),
        registered_by=row.registered_by,
        registered=as_utc(row.registered),
        packed=row.packed if with_files else None,
        visible_to=tuple(sorted(access.principal for access in row.access)),
    )


def insert_version(session: Session, version: ApplicationVersionRecord) -> ApplicationVersionRecord | None:
    """Add a version with its files; None when that name and version are registered already (the unique index
    says so, inside a savepoint, so the caller's transaction goes on and can read the one registered)."""
    row = ApplicationVersionRow(
        name=version.name,
        version=version.version,
        checksum=version.checksum,
        entry_path=version.entry_path,
        entry_id=version.entry_id,
        metadata_=version.metadata,
        warnings=version.warnings,
        registered_by=version.registered_by,
        registered=version.registered,
        packed=version.packed,
        access=[ApplicationAccessRow(principal=principal) for principal in version.visible_to],
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
            session.add_all(
                ApplicationFileRow(version_pk=row.pk, path=path, content=content)
                for path, content in version.files.items()
            )
    except IntegrityError:
        return None
    return _record(session, row)


def get_version(
    session: Session, name: str, version: str, with_files: bool = True, principals: Principals = None
) -> ApplicationVersionRecord | None:
    """One version, None when it does not exist or `principals` may not see it (the two look the same)."""
    row = session.scalar(
        select(ApplicationVersionRow).where(
            ApplicationVersionRow.name == name, ApplicationVersionRow.version == version, _visible(principals)
        )
    )
    return _record(session, row, with_files) if row else None


def list_versions(session: Session, name: str, principals: Principals = None) -> list[ApplicationVersionRecord]:
    """Every version of an application `principals` may see, newest registration first, without their files."""
    query = select(ApplicationVersionRow).where(ApplicationVersionRow.name == name, _visible(principals))
    rows = session.scalars(query.order_by(ApplicationVersionRow.registered.desc(), ApplicationVersionRow.pk.desc()))
    return [_record(session, row, with_files=False) for row in rows]


def list_all_versions(session: Session, principals: Principals = None) -> list[ApplicationVersionRecord]:
    """Every version of every application `principals` may see, by name then newest first, without their files.

    Searching by keyword or author filters these in the service: a catalog holds hundreds of versions, not
    millions, and the metadata's JSON shape differs between SQLite and PostgreSQL.
    """
    query = (
        select(ApplicationVersionRow)
        .where(_visible(principals))
        .order_by(ApplicationVersionRow.name, ApplicationVersionRow.registered.desc(), ApplicationVersionRow.pk.desc())
    )
    return [_record(session, row, with_files=False) for row in session.scalars(query)]


def deployed_process_ids(session: Session, name: str, version: str) -> list[tuple[str, str]]:
    """The live processes (id, version) deployed from a catalog version."""
    query = select(ProcessRow.id, ProcessRow.version).where(
        ProcessRow.application_name == name, ProcessRow.application_version == version, ProcessRow.retired.is_(None)
    )
    return [(row.id, row.version) for row in session.execute(query.order_by(ProcessRow.id))]


def delete_version(session: Session, name: str, version: str) -> bool:
    """Remove a version and its files; reports whether it existed."""
    pk = session.scalar(
        select(ApplicationVersionRow.pk).where(
            ApplicationVersionRow.name == name, ApplicationVersionRow.version == version
        )
    )
    if pk is None:
        return False
    session.execute(delete(ApplicationFileRow).where(ApplicationFileRow.version_pk == pk))
    session.execute(delete(ApplicationAccessRow).where(ApplicationAccessRow.version_pk == pk))
    session.execute(delete(ApplicationVersionRow).where(ApplicationVersionRow.pk == pk))
    return True
