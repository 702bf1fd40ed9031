"""What route handlers receive: the service context, and who is asking (api/auth.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from swath.api.auth import Caller, Deployer
from swath.services.context import ServiceContext


# `async def` although it never awaits: FastAPI runs a plain `def` dependency in its thread pool, and two thread
# hops per request cost more than everything else on the submission path but the database (bench/).
async def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


Context = Annotated[ServiceContext, Depends(get_context)]
# Who is asking: any signed-in caller, or one whose role may deploy.
User = Caller

__all__ = ["Caller", "Context", "Deployer", "User"]
