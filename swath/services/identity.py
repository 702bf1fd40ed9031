"""Identities and roles: plain records that every layer may hold (the store keeps a token's role by its value)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from swath.errors import InvalidParameterValue

# How a process's visibility names a group rather than a user (`visibleTo=alice,group:sounder-team`).
GROUP_PREFIX = "group:"


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
    def principals(self) -> tuple[str, ...] | None:
        """The names a restricted process may be shown to for this caller (its user, its `group:` names); None
        for admins, who see every process."""
        return None if self.is_admin else (self.user, *(f"{GROUP_PREFIX}{group}" for group in self.groups))

    @property
    def owner_filter(self) -> str | None:
        """The owner a listing is narrowed to; None for admins, who see everyone's."""
        return None if self.is_admin else self.user


# The one identity of a service without authentication (loopback only, see Settings._check_exposure).
LOCAL_ADMIN = Identity("anonymous", Role.admin)


_PRINCIPAL = re.compile(r"^(group:)?[A-Za-z0-9@._-]{1,200}$")


def parse_principals(value: str) -> tuple[str, ...]:
    """The users and `group:` names of a comma-separated `visibleTo` value; InvalidParameterValue names a bad one."""
    names = tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
    for name in names:
        if not _PRINCIPAL.match(name):
            raise InvalidParameterValue(
                f"visibleTo names '{name[:80]}', which is neither a user name nor 'group:<name>' (letters, digits, "
                "'@', '.', '_' and '-', at most 200)."
            )
    return names
