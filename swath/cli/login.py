"""`swath login`: keep a token for a Swath server in the user's config directory (owner-only), so that `swath`
and `Client` send it. `SWATH_TOKEN`, when set, still wins.

With `--issuer` and `--client-id`, and a provider whose discovery document offers a device authorization
endpoint (RFC 8628), the user signs in in a browser and the access and refresh tokens are kept. Otherwise the
user pastes a token (a Swath API token, or an access token they obtained elsewhere).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import httpx
import typer

from swath.cli.common import SERVER_ERROR, USAGE_ERROR, UrlOption, fail
from swath.client.credentials import StoredToken, forget_token, from_token_response, save_token
from swath.client.settings import ClientSettings

_DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def login(
    url: UrlOption = None,
    token: Annotated[
        str | None, typer.Option(help="The token to keep (default: asked for, hidden, unless --issuer is given).")
    ] = None,
    issuer: Annotated[str | None, typer.Option(help="Sign in with this OIDC provider's device flow.")] = None,
    client_id: Annotated[str | None, typer.Option(help="The OAuth client id registered for Swath.")] = None,
    scope: Annotated[str, typer.Option(help="Scopes asked for in the device flow.")] = "openid",
    logout: Annotated[bool, typer.Option("--logout", help="Forget the kept token for this server.")] = False,
) -> None:
    """Keep a token for a Swath server: pasted, or from an OIDC provider's device sign-in."""
    server = (url or ClientSettings().url).rstrip("/")
    if logout:
        typer.echo(f"Forgot the token for {server}." if forget_token(server) else f"No token was kept for {server}.")
        return
    if issuer:
        if not client_id:
            fail("--issuer needs --client-id, the OAuth client registered for Swath.", USAGE_ERROR)
        stored = _device_login(issuer, client_id, scope)
    else:
        pasted = token or typer.prompt("Token", hide_input=True)
        stored = StoredToken(access_token=pasted.strip())
    _check_token(server, stored.access_token)
    path = save_token(server, stored)
    typer.echo(f"Signed in to {server}; the token is kept in {path}.")


def _check_token(server: str, token: str) -> None:
    try:
        response = httpx.get(f"{server}/jobs?limit=1", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    except httpx.HTTPError as error:
        fail(f"Cannot reach the Swath server at {server} ({error}).", SERVER_ERROR)
    if response.status_code == 401:
        fail(f"The Swath server at {server} does not accept this token: {_detail(response)}", USAGE_ERROR)


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.reason_phrase))
    except ValueError:
        return response.reason_phrase


def _device_login(issuer: str, client_id: str, scope: str) -> StoredToken:
    discovery = _json_get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
    device_endpoint = discovery.get("device_authorization_endpoint")
    token_endpoint = discovery.get("token_endpoint")
    if not isinstance(device_endpoint, str) or not isinstance(token_endpoint, str):
        fail(
            f"The provider {issuer} offers no device sign-in; run `swath login` without --issuer and paste a token.",
            USAGE_ERROR,
        )
    grant = _json_post(device_endpoint, {"client_id": client_id, "scope": scope})
    where = grant.get("verification_uri_complete") or grant.get("verification_uri")
    typer.echo(f"Open {where} and enter the code {grant.get('user_code')} to sign in.")
    interval = float(grant.get("interval", 5))
    deadline = time.monotonic() + float(grant.get("expires_in", 600))
    form = {"grant_type": _DEVICE_GRANT, "device_code": str(grant["device_code"]), "client_id": client_id}
    while time.monotonic() < deadline:
        response = httpx.post(token_endpoint, data=form, timeout=30)
        document = _document(response)
        if response.is_success and "access_token" in document:
            return from_token_response(document, token_endpoint, client_id)
        error = document.get("error")
        if error == "slow_down":
            interval += 5
        elif error != "authorization_pending":
            fail(f"The provider refused the sign-in: {document.get('error_description') or error}.", USAGE_ERROR)
        time.sleep(interval)  # RFC 8628 section 3.5: the provider sets the polling pace
    fail("The sign-in was not completed before its code expired; run `swath login` again.", USAGE_ERROR)


def _document(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _json_get(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=30)
        response.raise_for_status()
    except httpx.HTTPError as error:
        fail(f"Cannot read {url} ({error}).", SERVER_ERROR)
    return _document(response)


def _json_post(url: str, form: dict[str, str]) -> dict[str, Any]:
    try:
        response = httpx.post(url, data=form, timeout=30)
        response.raise_for_status()
    except httpx.HTTPError as error:
        fail(f"The provider refused the device sign-in at {url} ({error}).", SERVER_ERROR)
    return _document(response)
