"""What route handlers receive: the service context, and who is asking (api/auth.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from swath.api.auth import Caller, Deployer
from swath.errors import UnsupportedMediaType
from swath.services.context import ServiceContext


# `async def` although it never awaits: FastAPI runs a plain `def` dependency in its thread pool, and two thread
# hops per request cost more than everything else on the submission path but the database (bench/).
async def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


async def require_json_body(request: Request) -> None:
    """An execute request is JSON: any other declared type is 415 (OGC Part 1), not a 400 about its shape."""
    content_type = request.headers.get("content-type")
    if content_type is None:
        return  # FastAPI reads an untyped body as JSON
    essence = content_type.split(";", 1)[0].strip().lower()
    if essence != "application/json" and not essence.endswith("+json"):
        raise UnsupportedMediaType(
            f"Media type '{content_type[:100]}' is not supported for an execute request; send application/json."
        )


JsonBody = Depends(require_json_body)
Context = Annotated[ServiceContext, Depends(get_context)]
# Who is asking: any signed-in caller, or one whose role may deploy.
User = Caller

__all__ = ["Caller", "Context", "Deployer", "JsonBody", "User"]
