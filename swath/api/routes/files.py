"""Uploaded input files: a client sends a local file's bytes, and gets back the URL a job can read it from."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from swath.api.dependencies import Caller, Context
from swath.api.render import base_url
from swath.services import uploads
from swath.storage.local import guess_media_type

router = APIRouter(tags=["Files"])
_UNTYPED = ("application/octet-stream", "application/x-www-form-urlencoded")

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes, as they are (not a multipart form).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _file_url(request: Request, upload: uploads.Upload) -> str:
    return f"{base_url(request)}/files/{upload.upload_id}/{quote(upload.name)}"


@router.post("/files", status_code=201, openapi_extra=_UPLOAD_BODY)
async def upload(
    request: Request,
    context: Context,
    caller: Caller,
    name: Annotated[str, Query(description="The file's name, kept in its URL (letters, digits, '.', '_', '-').")],
    content_type: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Upload a file for jobs to read, e.g. a notebook's local file that the server cannot see.

    The body is the file itself. The answer (201) gives the file's absolute `href`, also in `Location`: pass it
    as an input (`{"href": ...}`) of an execute request.
    """
    used = await asyncio.to_thread(uploads.begin_upload, context, name, caller)
    # Generic types say nothing of the file (curl sends a form type by default): then the name decides.
    essence = (content_type or "").split(";", 1)[0].strip().lower()
    media_type = None if essence in ("", *_UNTYPED) else content_type
    with tempfile.NamedTemporaryFile(dir=context.settings.data_dir, prefix=".upload-", delete=False) as spool:
        path = Path(spool.name)
        try:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                uploads.check_size(context, name, size, used)  # before the rest of a too large body is read
                spool.write(chunk)
            spool.close()
            stored = await asyncio.to_thread(uploads.store_upload, context, name, path, caller, media_type)
        except OSError as error:
            if (full := uploads.spool_failure(error)) is not None:
                raise full from error
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    href = _file_url(request, stored)
    document = {"href": href, "type": stored.media_type, "size": stored.size, "checksum": stored.checksum}
    return JSONResponse(document, status_code=201, headers={"Location": href})


@router.get("/files/{upload_id}/{name}", response_class=FileResponse)
def uploaded_file(upload_id: str, name: str, context: Context, caller: Caller) -> FileResponse:
    """An uploaded file, as it was sent, for the user who sent it (and admins)."""
    path = uploads.upload_path(context, upload_id, name, caller)
    return FileResponse(path, media_type=guess_media_type(name))
