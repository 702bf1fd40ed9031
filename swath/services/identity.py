"""Identities and roles: plain records that every layer may hold (the store keeps a token's role by its value)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """`user` runs processes and sees its own jobs; `deployer` also deploys, replaces and undeploys; `admin` sees
    and dismisses every user's jobs."""

    user = "user"
    deployer = "deployer"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Role.user: 0, Role.deployer: 1, Role.admin: 2}


@dataclass(frozen=True)
class Identity:
    user: str
    role: Role
    groups: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    def may_see(self, owner: str) -> bool:
        """Whether a record owned by `owner` exists for this caller (others answer "not found", never 403)."""
        return self.is_admin or owner == self.user

    @property
    def owner_filter(self) -> str | None:
        """The owner a listing is narrowed to; None for admins, who see everyone's."""
        return None if self.is_admin else self.user


# The one identity of a service without authentication (loopback only, see Settings._check_exposure).
LOCAL_ADMIN = Identity("anonymous", Role.admin)
