"""What route handlers receive: the service context, and who is asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from swath.services.context import ServiceContext

# Until authentication is configured every request acts as this user; records keep it for per-user isolation.
ANONYMOUS = "anonymous"


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


def get_user() -> str:
    return ANONYMOUS


Context = Annotated[ServiceContext, Depends(get_context)]
User = Annotated[str, Depends(get_user)]
