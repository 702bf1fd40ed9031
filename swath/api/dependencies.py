"""What route handlers receive: the service context, and who is asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

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


Context = Annotated[ServiceContext, Depends(get_context)]
User = Annotated[str, Depends(get_user)]
