"""Who is asking, and what they may do: identities, the three roles, and the one authenticator of a deployment.

A request carries a bearer token: a Swath API token (`swath token create`, services/tokens.py) or an OIDC access
token of the configured provider (services/oidc.py). Either becomes an `Identity`; services decide with it what the
caller sees (`may_see`: a job, an upload, a collection item belongs to its owner and to admins) and may do
(`require_role`). With authentication off every request is `LOCAL_ADMIN`, as a laptop's single user.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import Forbidden, Unauthorized
from swath.services import tokens
from swath.services.identity import LOCAL_ADMIN, Identity, Role
from swath.services.oidc import OidcVerifier
from swath.settings import Settings
from swath.store.database import reading


def require_role(identity: Identity, role: Role, action: str) -> None:
    """Refuse (403) a caller whose role ranks below `role`; `action` completes "may not ..."."""
    if identity.role.rank < role.rank:
        raise Forbidden(
            f"User '{identity.user}' has role '{identity.role}', which may not {action}; "
            f"that needs role '{role}' or higher."
        )


class Authenticator:
    """Turns a bearer token into an Identity, remembering verified tokens for `auth_cache_seconds`.

    `cached` costs a dictionary look-up and may run on the event loop; `verify` may read the database or fetch the
    provider's keys, so the API runs it in a thread. Refusals are not remembered: a token that became valid (a
    provider's new key) works at once.
    """

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._ttl = settings.auth_cache_seconds
        self._oidc = OidcVerifier(settings) if settings.auth_oidc_issuer else None
        self._cache: dict[str, tuple[float, Identity]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> Identity | None:
        entry = self._cache.get(tokens.token_digest(token))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def verify(self, token: str) -> Identity:
        """The identity behind `token`; Unauthorized for a token that is unknown, revoked, expired or forged."""
        digest = tokens.token_digest(token)
        if tokens.is_api_token(token):
            identity, expires_in = self._api_token(digest)
        elif self._oidc is not None and token.count(".") == 2:
            claims = self._oidc.verify(token)
            identity, expires_in = claims.identity, claims.expires_in
        else:
            raise Unauthorized("The bearer token is not a token this server issued or accepts.")
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (time.monotonic() + min(self._ttl, max(expires_in, 0.0)), identity)
        return identity

    def _api_token(self, digest: str) -> tuple[Identity, float]:
        with reading(self._sessions) as session:
            found = tokens.find_active_token(session, digest)
        if found is None:
            raise Unauthorized("The bearer token is unknown, revoked or expired.")
        identity = Identity(found.user, Role(found.role))
        expires_in = (found.expires.timestamp() - time.time()) if found.expires else self._ttl
        return identity, expires_in

    def forget(self) -> None:
        """Drop every remembered token (after a revocation made in this process)."""
        with self._lock:
            self._cache.clear()


__all__ = ["LOCAL_ADMIN", "Authenticator", "Identity", "Role", "require_role"]
