"""Files that clients upload so that jobs can read them: a notebook's local file, for a server that cannot see it.

An upload is kept through the storage interface under `uploads/<id>/<name>` and served back by the API at an
absolute URL; a job takes that URL as an input, and the runner reads the file from storage. An upload belongs to
the user who sent it (and to admins): for anyone else it does not exist. Uploads are not tied to a job and are
kept until the data directory is cleaned. Each is recorded with its owner and size: one user's uploads together
stay under `upload_quota` (checked as the body arrives, so two uploads at once may pass it by at most one file).
"""

from __future__ import annotations

import errno
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from swath.errors import ContentTooLarge, InvalidParameterValue, NoSuchFile, StorageFull
from swath.layout import upload_key
from swath.services.context import ServiceContext
from swath.services.health import refuse_new_work
from swath.services.identity import Identity
from swath.storage.local import guess_media_type
from swath.store.database import reading, transaction
from swath.store.uploads import bytes_uploaded, record_upload, upload_owner

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
# Whose uploads these are when nobody says: the API's one anonymous user until authentication is configured.
ANONYMOUS_OWNER = "anonymous"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Upload:
    upload_id: str
    name: str
    size: int
    checksum: str
    media_type: str


def check_name(name: str) -> str:
    """A file name safe to keep and to put in a URL: letters, digits, `.`, `_` and `-`, starting with neither."""
    if not _SAFE_NAME.match(name):
        raise InvalidParameterValue(
            f"File name '{name}' is not allowed; use up to 200 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def begin_upload(context: ServiceContext, name: str, owner: Identity) -> int:
    """Refuse an upload before its body is read (a bad name, a service that could not keep it now, an owner at
    the quota); returns the bytes the owner's uploads already hold, for `check_size`."""
    check_name(name)
    refuse_new_work(context)
    with reading(context.sessions) as session:
        used = bytes_uploaded(session, owner.user)
    check_size(context, name, 0, used)
    return used


def spool_failure(error: OSError) -> StorageFull | None:
    """What to answer when spooling an upload's body failed for a full disk: the service's 503, not a 500."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull("The data directory ran out of space while the upload was received; try again later.")
    return None


def check_size(context: ServiceContext, name: str, size: int, used: int = 0) -> None:
    """Refuse an upload that has grown past `max_upload_size` bytes, or past what is left of its owner's quota
    (`used` bytes of it are taken already)."""
    limit = context.settings.max_upload_size
    if size > limit:
        raise ContentTooLarge(f"The file '{name}' is larger than the {limit:,} bytes an upload may hold.")
    quota = context.settings.upload_quota
    if used + size > quota or used >= quota:
        raise ContentTooLarge(
            f"The file '{name}' does not fit in your upload quota: {used:,} of {quota:,} bytes are used "
            "(setting upload_quota)."
        )


def store_upload(
    context: ServiceContext, name: str, source: Path, owner: Identity, media_type: str | None = None
) -> Upload:
    """Keep the file at `source` (a temporary file the caller removes) as a new upload named `name`."""
    check_name(name)
    refuse_new_work(context)
    upload_id = uuid.uuid4().hex
    stored = context.storage.put_file(upload_key(upload_id, name), source, media_type or guess_media_type(name))
    with transaction(context.sessions) as session:
        record_upload(session, upload_id, owner.user, name, stored.size, datetime.now(UTC))
    return Upload(upload_id, name, stored.size, stored.checksum, stored.media_type)


def upload_path(context: ServiceContext, upload_id: str, name: str, viewer: Identity) -> Path:
    """The stored file of an upload `viewer` may see; NoSuchFile for anything else."""
    if not _UPLOAD_ID.match(upload_id) or not _SAFE_NAME.match(name):
        raise NoSuchFile(f"No uploaded file '{upload_id}/{name}' exists.")
    with reading(context.sessions) as session:
        owner = upload_owner(session, upload_id)
    # Uploads made before owners were recorded have no row: they were the one anonymous user's.
    if not viewer.may_see(owner or "anonymous"):
        raise NoSuchFile(f"No uploaded file '{upload_id}/{name}' exists.")
    try:
        return context.storage.local_path(upload_key(upload_id, name))
    except NoSuchFile as error:
        raise NoSuchFile(f"No uploaded file '{upload_id}/{name}' exists.") from error
