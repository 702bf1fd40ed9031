"""Who is asking: the bearer token of a request (or a signed download URL) as an Identity.

With authentication off every request is the local admin. With it on, a request without a token, or with one
that is unknown, revoked, expired or forged, answers 401 with `WWW-Authenticate: Bearer` (RFC 6750); a role that
is too low answers 403 (`require_role`). Tokens never reach a log line or an error document: details name what
was wrong with a token, never the token.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request

from swath.errors import Unauthorized
from swath.services import signed_urls
from swath.services.auth import Authenticator, require_role
from swath.services.identity import LOCAL_ADMIN, Identity, Role


def get_authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


# `async def` for the reason api/dependencies.py gives: a remembered token costs no thread hop.
async def get_identity(request: Request) -> Identity:
    if not request.app.state.auth_on:
        return LOCAL_ADMIN
    header = request.headers.get("authorization")
    if header is None:
        signed = _signed_identity(request)
        if signed is not None:
            return signed
        raise Unauthorized("This request needs a bearer token in the Authorization header.", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("The Authorization header must read 'Bearer <token>'.", "invalid_request")
    authenticator = get_authenticator(request)
    identity = authenticator.cached(token)
    if identity is None:
        identity = await asyncio.to_thread(authenticator.verify, token)
    request.state.identity = identity
    return identity


def _signed_identity(request: Request) -> Identity | None:
    query = request.query_params
    if request.method not in ("GET", "HEAD") or not all(name in query for name in signed_urls.SIGNATURE_PARAMETERS):
        return None
    user = signed_urls.signed_user(
        request.app.state.signing_key, request.url.path, query["user"], query["expires"], query["signature"]
    )
    if user is None:
        raise Unauthorized("This signed URL has expired or does not match its path; ask for the results again.")
    return Identity(user, Role.user)


async def get_deployer(identity: Annotated[Identity, Depends(get_identity)]) -> Identity:
    require_role(identity, Role.deployer, "deploy, replace or undeploy processes")
    return identity


Caller = Annotated[Identity, Depends(get_identity)]
Deployer = Annotated[Identity, Depends(get_deployer)]
