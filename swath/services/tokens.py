"""Swath's own API tokens: made by an operator (`swath token create`), shown once, kept as a digest.

A token reads `swath_<id>_<secret>`: the id names it in listings and revocations, the 256-bit secret makes it
unguessable, and only SHA-256 of the whole token is stored (a high-entropy secret needs no salt or stretching).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import InvalidParameterValue, NotFound
from swath.services.identity import Role
from swath.store import tokens as store
from swath.store.database import reading, transaction
from swath.store.tokens import TokenRecord

_PREFIX = "swath_"
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._+-]{0,254}$")
_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class NewToken:
    """A token just made: `token` is the only copy of the secret there will ever be."""

    token: str
    record: TokenRecord


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_api_token(token: str) -> bool:
    return token.startswith(_PREFIX)


def parse_lifetime(text: str) -> timedelta:
    """A lifetime such as `30d`, `12h`, `90m`: a number and one of s, m, h, d, w."""
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise InvalidParameterValue(f"Lifetime '{text}' is not a duration such as 90m, 12h, 30d or 8w.")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def create_token(
    sessions: sessionmaker[Session], user: str, role: str, lifetime: timedelta | None = None, description: str = ""
) -> NewToken:
    if not _USER.match(user):
        raise InvalidParameterValue(
            f"User name '{user}' is not allowed; use letters, digits and @ . _ + -, starting with a letter or digit."
        )
    if role not in {member.value for member in Role}:
        raise InvalidParameterValue(f"Role '{role}' is not a role; allowed: user, deployer, admin.")
    token_id = secrets.token_hex(6)
    token = f"{_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    now = datetime.now(UTC)
    record = TokenRecord(
        id=token_id,
        user=user,
        role=role,
        description=description,
        created=now,
        expires=now + lifetime if lifetime else None,
        revoked=None,
    )
    with transaction(sessions) as session:
        store.insert_token(session, record, token_digest(token))
    return NewToken(token, record)


def list_tokens(sessions: sessionmaker[Session], user: str | None = None) -> list[TokenRecord]:
    with reading(sessions) as session:
        return store.list_tokens(session, user)


def revoke_token(sessions: sessionmaker[Session], token_id: str) -> None:
    with transaction(sessions) as session:
        revoked = store.revoke_token(session, token_id, datetime.now(UTC))
    if not revoked:
        raise NotFound(f"No live token with id '{token_id}' exists.")


def find_active_token(session: Session, digest: str) -> TokenRecord | None:
    return store.find_active_token(session, digest, datetime.now(UTC))
