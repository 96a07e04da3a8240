"""Who may do what. Checked in the engine, whatever door the request came through."""
from __future__ import annotations

from dataclasses import dataclass

from engine.shared.errors import Forbidden

ROLES = ("manager", "head", "owner", "analyst", "admin")
#: roles that see every cycle and its history
READ_ALL = frozenset({"head", "analyst", "admin"})
#: roles that may start cycles and create clients
SELLERS = frozenset({"manager", "head", "admin"})
#: roles that may deploy regulations
PROCESS_OWNERS = frozenset({"owner", "admin"})
#: roles that lead the department: catalogue, plans of everyone, incidents, hand-overs
HEADS = frozenset({"head", "admin"})


@dataclass(frozen=True)
class Actor:
    """The authenticated user a command runs for."""

    id: int
    login: str
    name: str
    roles: frozenset[str]
    groups: frozenset[str]
    locale: str = "en"
    timezone: str = "UTC"  # IANA name; storage is UTC, days and forms are in this zone

    def has_any(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)

    @property
    def reads_all(self) -> bool:
        return self.has_any(READ_ALL)

    @property
    def candidate_keys(self) -> frozenset[str]:
        """Candidate-group keys that reach this user: groups and ``user:<login>``."""
        return self.groups | {f"user:{self.login}"}


def require(actor: Actor, roles: frozenset[str], action: str) -> None:
    if not actor.has_any(roles):
        raise Forbidden(f"{actor.login} may not {action}: it needs one of the roles "
                        f"{', '.join(sorted(roles))}")


def may_act_on_task(actor: Actor, assignee: str | None, candidate_keys: list[str]) -> bool:
    """Assigned tasks belong to their assignee; unassigned ones to their candidate groups."""
    if assignee is not None:
        return assignee == actor.login
    return bool(actor.candidate_keys & set(candidate_keys))
