"""Access tokens of an external OIDC/OAuth2 provider (Cognito, Keycloak, Auth0, Entra), verified with PyJWT.

The provider is named by its issuer; its discovery document gives the JWKS address, and PyJWT's `PyJWKClient`
keeps the keys. A token is accepted only when its signature checks with the key its `kid` names (asymmetric
algorithms only: `alg: none` and HMAC are refused before any key is looked at), its `iss` is the issuer, its `aud`
or `client_id` is an accepted audience, and `exp` (required), `nbf` and `iat` hold within `auth_clock_skew`.
A `kid` the cached key set lacks fetches the set again (key rotation), at most once per `_REFRESH_INTERVAL`, so
tokens with made-up ids cannot make Swath hammer the provider.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from swath.errors import Unauthorized
from swath.services.identity import Identity, Role
from swath.settings import Settings

# Asymmetric only: with an HMAC algorithm a public key would serve as the shared secret (the classic confusion).
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
_REFRESH_INTERVAL = 10.0
_FETCH_TIMEOUT = 10.0


@dataclass(frozen=True)
class VerifiedToken:
    identity: Identity
    # Seconds until the token expires: how long its verification may be remembered.
    expires_in: float


class OidcVerifier:
    def __init__(self, settings: Settings, refresh_interval: float = _REFRESH_INTERVAL) -> None:
        self._issuer = settings.auth_oidc_issuer
        self._discovery_url = settings.resolved_discovery_url
        self._audiences = set(settings.auth_oidc_audiences)
        self._leeway = settings.auth_clock_skew
        self._user_claim = settings.auth_oidc_user_claim
        self._roles_claim = settings.auth_oidc_roles_claim
        self._role_map = dict(settings.auth_oidc_role_map)
        self._refresh_interval = refresh_interval
        self._keys: jwt.PyJWKClient | None = None
        self._last_refresh = float("-inf")
        self._lock = threading.Lock()

    def verify(self, token: str) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise Unauthorized("The bearer token is not a well-formed JWT.") from error
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise Unauthorized(f"The bearer token is signed with '{algorithm}'; accepted: {', '.join(ALGORITHMS)}.")
        key = self._signing_key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthorized("The bearer token has expired.") from error
        except jwt.InvalidIssuerError as error:
            raise Unauthorized(f"The bearer token was not issued by {self._issuer}.") from error
        except jwt.InvalidTokenError as error:
            raise Unauthorized(f"The bearer token is not valid: {error}.") from error
        self._check_audience(claims)
        return VerifiedToken(self._identity(claims), float(claims["exp"]) - time.time() + self._leeway)

    def _check_audience(self, claims: Mapping[str, Any]) -> None:
        audience = claims.get("aud", [])
        offered = {audience} if isinstance(audience, str) else set(audience or [])
        if isinstance(claims.get("client_id"), str):
            offered.add(claims["client_id"])
        if not offered & self._audiences:
            raise Unauthorized("The bearer token is meant for another audience or client.")

    def _identity(self, claims: Mapping[str, Any]) -> Identity:
        user = claims.get(self._user_claim)
        if not isinstance(user, str) or not user:
            raise Unauthorized(f"The bearer token has no '{self._user_claim}' claim naming the user.")
        groups = _claim_path(claims, self._roles_claim)
        roles = [Role.user]
        for group in groups:
            mapped = self._role_map.get(group, group)
            if mapped in Role.__members__:
                roles.append(Role(mapped))
        return Identity(user, max(roles, key=lambda role: role.rank), tuple(groups))

    def _signing_key(self, kid: str) -> jwt.PyJWK:
        client = self._client()
        try:
            keys = client.get_signing_keys()
            found = _matching(keys, kid)
            if found is None:
                with self._lock:
                    due = time.monotonic() - self._last_refresh >= self._refresh_interval
                    if due:
                        self._last_refresh = time.monotonic()
                if due:
                    found = _matching(client.get_signing_keys(refresh=True), kid)
        except jwt.PyJWKClientError as error:
            raise Unauthorized("The identity provider's signing keys could not be read; try again later.") from error
        if found is None:
            raise Unauthorized(f"The bearer token names signing key '{kid}', which the identity provider lacks.")
        return found

    def _client(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._keys is None:
                self._keys = jwt.PyJWKClient(self._jwks_uri(), cache_keys=False, lifespan=300, timeout=10)
            return self._keys

    def _jwks_uri(self) -> str:
        try:
            response = httpx.get(self._discovery_url, timeout=_FETCH_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise Unauthorized("The identity provider's discovery document could not be read; retry later.") from error
        if document.get("issuer") != self._issuer or not isinstance(document.get("jwks_uri"), str):
            raise Unauthorized("The identity provider's discovery document names another issuer or no jwks_uri.")
        return str(document["jwks_uri"])


def _matching(keys: list[jwt.PyJWK], kid: str) -> jwt.PyJWK | None:
    return next((key for key in keys if key.key_id == kid), None)


def _claim_path(claims: Mapping[str, Any], path: str) -> list[str]:
    """The strings at a claim path: `cognito:groups` is one claim, `realm_access.roles` a claim inside another."""
    value: Any = claims.get(path)
    if value is None and "." in path:
        value = claims
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return value.split()
    return [item for item in value or [] if isinstance(item, str)] if isinstance(value, list) else []
