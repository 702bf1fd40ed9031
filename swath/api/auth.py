"""Who is asking: the bearer token of a request (a signed download URL, or a signed-in browser's cookie) as an
Identity.

With authentication off every request is the local admin. With it on, a request without a token, or with one
that is unknown, revoked, expired or forged, answers 401 with `WWW-Authenticate: Bearer` (RFC 6750); a role that
is too low answers 403 (`require_role`). Tokens never reach a log line or an error document: details name what
was wrong with a token, never the token.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request

from swath.api.render import base_url
from swath.errors import Forbidden, Unauthorized
from swath.services import signed_urls
from swath.services.auth import Authenticator, require_role
from swath.services.identity import LOCAL_ADMIN, Identity, Role

# The cookie a signed-in browser carries its token in (api/routes/signin.py).
SESSION_COOKIE = "swath_token"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


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
        token = _cookie_token(request)
    else:
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


def _cookie_token(request: Request) -> str:
    """The token of a signed-in browser; writes must come from this origin's own pages (no cross-site request)."""
    token = request.cookies.get(SESSION_COOKIE, "").strip()
    if not token:
        raise Unauthorized("This request needs a bearer token in the Authorization header.", "")
    if request.method not in _SAFE_METHODS:
        origin = request.headers.get("origin") or request.headers.get("referer") or ""
        if not (origin + "/").startswith(base_url(request) + "/"):
            raise Forbidden(
                "A write with the sign-in cookie must come from this service's own pages (its Origin header); "
                "scripts and other sites send a bearer token instead."
            )
    return token


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
