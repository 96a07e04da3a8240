"""Who may do what. Checked in the engine, whatever door the request came through."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.shared import error_texts
from engine.shared.errors import Forbidden
from engine.shared.notices import Notice, coded


class Role(StrEnum):
    MANAGER = "manager"
    HEAD = "head"
    OWNER = "owner"      # process owner: models and deploys regulations
    ANALYST = "analyst"
    ADMIN = "admin"


ROLES = tuple(Role)
#: roles that see every cycle and its history
READ_ALL = frozenset({"head", "analyst", "admin"})
#: roles that may start cycles and create clients
SELLERS = frozenset({"manager", "head", "admin"})
#: roles that may deploy regulations
PROCESS_OWNERS = frozenset({"owner", "admin"})
#: roles that lead the department: catalogue, plans of everyone, incidents, hand-overs
HEADS = frozenset({"head", "admin"})
#: roles that administer users: accounts, roles, departments, passwords
ADMINS = frozenset({"admin"})
#: roles that operate running cycles: cancel, suspend, move, edit variables, migrate (the cockpit)
OPERATORS = frozenset({"owner", "head", "admin"})
#: roles that may act for another system: external task workers, messages and signals to cycles
INTEGRATORS = frozenset({"owner", "head", "admin"})


class Permission(StrEnum):
    """What an actor may do, by name: the engine checks these, the templates ask ``actor.may(...)``."""

    LEAD = "lead"          # lead the department: catalogue, everyone's plans, incidents, hand-overs, pay
    SELL = "sell"          # start cycles, create and import clients, hold contacts
    READ_ALL = "read_all"  # see every cycle, client and history
    MODEL = "model"        # edit and deploy regulations
    ADMIN = "admin"        # administer users: create, roles and departments, deactivate, reset passwords
    OPERATE = "operate"    # operate running cycles: cancel, suspend, move tokens, edit variables, migrate
    INTEGRATE = "integrate"  # act for another system: external task workers, messages and signals


#: the one table of who may do what
PERMISSIONS: dict[Permission, frozenset[str]] = {
    Permission.LEAD: HEADS,
    Permission.SELL: SELLERS,
    Permission.READ_ALL: READ_ALL,
    Permission.MODEL: PROCESS_OWNERS,
    Permission.ADMIN: ADMINS,
    Permission.OPERATE: OPERATORS,
    Permission.INTEGRATE: INTEGRATORS,
}


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

    def may(self, permission: Permission | str) -> bool:
        """Whether the actor holds the permission (an unknown name raises ValueError)."""
        return self.has_any(PERMISSIONS[Permission(permission)])

    @property
    def reads_all(self) -> bool:
        return self.has_any(READ_ALL)

    @property
    def candidate_keys(self) -> frozenset[str]:
        """Candidate-group keys that reach this user: groups, ``user:<login>`` and ``role:<role>``
        (a task nobody was named for, in a cycle without an owner, waits in ``role:head``)."""
        return self.groups | {f"user:{self.login}"} | {f"role:{role}" for role in self.roles}


def require(actor: Actor, roles: frozenset[str], action: str) -> None:
    """Forbidden unless the actor holds one of ``roles``; ``action`` is an English phrase ("edit
    sales plans"), the roles are named in the reader's language."""
    if not actor.has_any(roles):
        raise coded(Forbidden, "access_forbidden",
                    {"login": actor.login, "action": action, "roles": roles_notice(roles)})


def roles_notice(roles: frozenset[str]) -> Notice | str:
    """The roles as a list of role names each reader reads in his language (the English: the keys,
    ``head, admin``)."""
    names = sorted(roles)
    if not 1 <= len(names) <= 5:
        return ", ".join(names)
    return Notice(f"access_roles_{len(names)}",
                  {f"role_{i}": Notice(f"access_role_{name}") if f"access_role_{name}" in error_texts.ERRORS
                   else name for i, name in enumerate(names, 1)})


def may_act_on_task(actor: Actor, assignee: str | None, candidate_keys: list[str]) -> bool:
    """Assigned tasks belong to their assignee; unassigned ones to their candidate groups."""
    if assignee is not None:
        return assignee == actor.login
    return bool(actor.candidate_keys & set(candidate_keys))
