"""What route handlers receive: the service context, and who is asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from swath.errors import UnsupportedMediaType
from swath.services.context import ServiceContext

# Until authentication is configured every request acts as this user; records keep it for per-user isolation.
ANONYMOUS = "anonymous"


# Both are `async def` although they never await: FastAPI runs a plain `def` dependency in its thread pool, and two
# thread hops per request cost more than everything else on the submission path but the database (bench/).
async def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


async def get_user() -> str:
    return ANONYMOUS


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
User = Annotated[str, Depends(get_user)]
