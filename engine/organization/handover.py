"""Hand-over: the head moves clients (one, a list, or a manager's whole portfolio) to another
manager, for good or for a period.

What moves with a client: its owner; the open tasks of its cycles held by the old owner (tasks
of other people stay where they are); the old owner's planned ad-hoc contacts with it; and the
``owner`` variable of its active cycles, in the cycle's variables and in the workflow's data, so
tasks the regulation creates later for ``${owner}`` go to the new owner too (the regulation
core's seam for it: engine.regulation.owners.reassign_owner). Every moved client
gets a client event "owner", every affected cycle a history event "handover", and the new owner
a notification.

A temporary hand-over (``returns_at``) is returned by ``return_due`` (the worker's sweep): the
clients still owned by the substitute go back, with the same things moving back. Clients the
head has meanwhile given to someone else stay there. When the original owner is no longer
active the clients stay with the substitute and the hand-over becomes one for good.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.notify.notifications import Note, notify
from engine.organization import error_texts  # noqa: F401  (registers the codes raised here)
from engine.organization.views import HandoverView
from engine.regulation import owners
from engine.shared.access import HEADS, SELLERS, Actor, require
from engine.shared.errors import Forbidden, InputInvalid, NotFound
from engine.shared.notices import Notice, coded
from storage.models import Client, Handover, User
from storage.repositories import accounts as accounts_repo
from storage.repositories import clients as clients_repo
from storage.repositories import organization as organization_repo
from storage.repositories import regulation as regulation_repo

DONE, TEMPORARY, RETURNED = "done", "temporary", "returned"


def hand_over(session: Session, specs: owners.Specs, actor: Actor, from_login: str | None,
              to_login: str | None, client_ids: Sequence[int] | None, returns_at: datetime | None,
              reason: str | None, now: datetime) -> Handover:
    """Move ``client_ids`` (all of the first manager's clients when None) to another manager,
    for good or until ``returns_at``."""
    require(actor, HEADS, "hand clients over")
    errors: dict[str, Notice] = {}
    old = _person(session, from_login, "from", errors)
    new = _person(session, to_login, "to", errors)
    if new is not None and (not new.active or not (new.role_set & SELLERS)):
        errors["to"] = Notice("handover_not_manager", {"login": new.login})
    if old is not None and new is not None and old.id == new.id:
        errors["to"] = Notice("handover_same_person")
    if returns_at is not None and returns_at.tzinfo is None:
        raise ValueError("returns_at must be an aware datetime")
    if returns_at is not None and returns_at <= now:
        errors["returns_at"] = Notice("handover_in_future")
    reason = (reason or "").strip()
    if len(reason) > 300:
        errors["reason"] = Notice("handover_reason_long")
    clients: list[Client] = []
    if old is not None:
        clients = _clients_to_move(session, old, client_ids, errors)
    if errors:
        raise _not_handed_over(errors)
    assert old is not None and new is not None
    handover = Handover(from_user_id=old.id, to_user_id=new.id, client_ids=[c.id for c in clients],
                        returns_at=returns_at, status=TEMPORARY if returns_at else DONE, reason=reason,
                        created_by=actor.login, created_at=now)
    session.add(handover)
    session.flush()
    _move(session, specs, clients, old, new, handover, actor.login, now, returning=False)
    return handover


def _not_handed_over(errors: dict[str, Notice]) -> InputInvalid:
    """InputInvalid naming each field's problem ("to: no user 'x'"), in the reader's language too."""
    items = [Notice(f"handover_field_{name}", {"problem": problem}) for name, problem in errors.items()]
    chained: Notice = items[-1]
    for item in reversed(items[:-1]):
        chained = Notice("problem_list_more", {"first": item, "rest": chained})
    return coded(InputInvalid, "handover_invalid", {"problems": chained},
                 {"fields": {name: problem.text for name, problem in errors.items()},
                  "notices": {name: problem.as_dict() for name, problem in errors.items()}})


def _person(session: Session, login: str | None, field: str, errors: dict[str, Notice]) -> User | None:
    login = (login or "").strip().lower()
    if not login:
        errors[field] = Notice("handover_required")
        return None
    user = accounts_repo.user_by_login(session, login)
    if user is None:
        errors[field] = Notice("handover_no_user", {"login": repr(login)})
    return user


def _clients_to_move(session: Session, old: User, client_ids: Sequence[int] | None,
                     errors: dict[str, Notice]) -> list[Client]:
    if client_ids is None:
        clients = list(organization_repo.clients_of_owner(session, old.id))
        if not clients:
            errors["clients"] = Notice("handover_no_clients", {"login": old.login})
        return clients
    if not isinstance(client_ids, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in client_ids):
        errors["clients"] = Notice("handover_client_list")
        return []
    if not client_ids:
        errors["clients"] = Notice("handover_choose_client")
        return []
    found = {c.id: c for c in organization_repo.clients_by_ids(session, list(dict.fromkeys(client_ids)))}
    foreign = [i for i in dict.fromkeys(client_ids)
               if i not in found or found[i].owner_id != old.id or found[i].merged_into_id is not None]
    if foreign:
        errors["clients"] = Notice("handover_foreign_clients", {"login": old.login, "ids": ", ".join(map(str, foreign))})
    return list(found.values())


def _move(session: Session, specs: owners.Specs | None, clients: list[Client], old: User, new: User,
          handover: Handover, actor_login: str | None, now: datetime, returning: bool) -> None:
    if not clients:
        return
    ids = [c.id for c in clients]
    until = handover.returns_at.isoformat() if handover.returns_at and not returning else None
    common = {"from": old.login, "to": new.login, "reason": handover.reason, "until": until,
              "handover_id": handover.id, "returned": returning}
    cycles = organization_repo.live_cycles_of_clients_for_update(session, ids)  # locks first, then the tasks
    moved: dict[int, list[str]] = {}
    for task in organization_repo.open_tasks_of_clients(session, ids, old.login):
        task.assignee = new.login
        moved.setdefault(task.cycle_id, []).append(task.name)
    for activity in organization_repo.planned_activities_of_clients(session, ids, old.login):
        activity.assignee = new.login
    for client in clients:
        client.owner_id, client.owner, client.updated_at = new.id, new, now
    history: list[dict[str, Any]] = []
    owners.reassign_owner(session, specs, cycles, old.login, new.login)
    for cycle in cycles:
        history.append({"cycle_id": cycle.id, "client_id": cycle.client_id, "at": now, "type": "handover",
                        "actor": actor_login, "task_id": None, "element_id": None, "task_name": None,
                        "data": dict(common, tasks=moved.get(cycle.id, []))})
    session.flush()
    regulation_repo.add_history_events(session, history)
    clients_repo.add_client_events(session, [{"client_id": c.id, "at": now, "type": "owner", "actor": actor_login,
                                      "data": dict(common, client=c.name)} for c in clients])
    first = clients[0]
    count = len(clients)
    if returning:
        title = f"Clients returned to you from {old.name}: {count}"
    else:
        title = f"Clients handed over to you from {old.name}: {count}"
    notify(session, [Note(new.login, "client_assigned", f"handover:{handover.id}:{'back' if returning else 'to'}",
                          title, f"/clients/{first.id}" if count == 1 else "/clients",
                          dict(common, count=count, from_name=old.name,
                               client=first.name if count == 1 else None,
                               client_id=first.id if count == 1 else None))], now)


# ---------------------------------------------------------------- returns

def return_due(session: Session, now: datetime, specs: owners.Specs | None = None) -> int:
    """Return the temporary hand-overs whose time has come; returns how many."""
    due = organization_repo.handovers_due(session, now)
    for handover in due:
        _give_back(session, specs, handover, None, now)
    return len(due)


def return_now(session: Session, specs: owners.Specs, actor: Actor, handover_id: int,
               now: datetime) -> Handover:
    """The head ends a temporary hand-over early (the manager came back)."""
    require(actor, HEADS, "return hand-overs")
    handover = organization_repo.handover_for_update(session, handover_id)
    if handover is None:
        raise coded(NotFound, "handover_unknown", {"handover_id": str(handover_id)})
    if handover.status != TEMPORARY:
        code = "handover_not_temporary" + ("_" + handover.status if handover.status in (DONE, RETURNED) else "")
        raise coded(InputInvalid, code, {"handover_id": str(handover_id), "status": handover.status})
    _give_back(session, specs, handover, actor.login, now)
    return handover


def _give_back(session: Session, specs: owners.Specs | None, handover: Handover, actor_login: str | None,
               now: datetime) -> None:
    original = session.get(User, handover.from_user_id)
    substitute = session.get(User, handover.to_user_id)
    assert original is not None and substitute is not None
    if not original.active:
        handover.status = DONE  # nobody to return to: the substitute keeps them
        return
    still = [c for c in organization_repo.clients_by_ids(session, list(handover.client_ids or []))
             if c.owner_id == substitute.id and c.merged_into_id is None]
    _move(session, specs, still, substitute, original, handover, actor_login, now, returning=True)
    handover.status = RETURNED


# ---------------------------------------------------------------- reading

def list_handovers(session: Session, actor: Actor) -> list[HandoverView]:
    if not actor.reads_all:
        raise coded(Forbidden, "handovers_not_visible", {"login": actor.login})
    rows = organization_repo.handovers(session)
    users = {u.id: u for u in accounts_repo.users(session)}
    names = {c.id: c.name for c in organization_repo.clients_by_ids(session, sorted({i for h in rows for i in h.client_ids[:5]}))}
    return [HandoverView.of(h, users, names) for h in rows]


def portfolio(session: Session, actor: Actor, login: str) -> list[Client]:
    """A manager's clients (for choosing which to hand over)."""
    if not actor.reads_all:
        raise coded(Forbidden, "portfolio_not_visible", {"login": actor.login})
    user = accounts_repo.user_by_login(session, (login or "").strip().lower())
    if user is None:
        raise coded(NotFound, "organization_user_unknown", {"login": repr(login)})
    return list(organization_repo.clients_of_owner(session, user.id))
