"""Signing in from a browser: a token pasted once, kept in a cookie that only this origin's pages send.

A browser cannot add an `Authorization` header to a link it follows, so the pages carry the caller's token in a
cookie instead: `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends it) and `Secure`
behind https. The token is the same bearer token the API takes (a Swath API token or the identity provider's
access token), verified when it is pasted and again on every request (api/auth.py), so revoking it signs the
browser out. Writes made with the cookie must also come from this origin (api/auth.py checks `Origin`).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from swath.api.auth import SESSION_COOKIE, get_authenticator
from swath.api.html import render_html
from swath.api.render import base_url
from swath.errors import Unauthorized

router = APIRouter(tags=["Sign-in"], include_in_schema=False)

# A pasted token is at most a few kilobytes (an OIDC access token with many groups); anything longer is not one.
_FORM_LIMIT = 16 * 1024
# How long a browser keeps the cookie; the token's own expiry still applies on every request.
_COOKIE_SECONDS = 12 * 3600


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    return render_html(request, "signin.html", html_only=True, next=_local_path(next), problem=None)


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    body = await request.body()
    form = parse_qs(body[:_FORM_LIMIT].decode("utf-8", errors="replace"))
    token = (form.get("token") or [""])[0].strip()
    target = _local_path((form.get("next") or ["/"])[0])
    try:
        if not token or len(body) > _FORM_LIMIT:
            raise Unauthorized("Paste a bearer token: a Swath API token or your identity provider's access token.")
        authenticator = get_authenticator(request)
        await asyncio.to_thread(authenticator.verify, token)
    except Unauthorized as refused:
        return render_html(
            request, "signin.html", status_code=401, html_only=True, next=target, problem=refused.detail
        )
    response = RedirectResponse(base_url(request) + target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=_COOKIE_SECONDS,
        path=_cookie_path(request),
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/signout")
def sign_out(request: Request) -> Response:
    response = RedirectResponse(base_url(request) + "/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=_cookie_path(request))
    return response


def _cookie_path(request: Request) -> str:
    return urlsplit(base_url(request)).path or "/"


def _local_path(target: str) -> str:
    """Where to go after signing in: a path of this service only, never another site (`//evil`, `https://`)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target
