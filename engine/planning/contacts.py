"""Ad-hoc contacts with a client (a call, a meeting...) planned outside any regulation task.

Who. The client's owner plans contacts with his own clients; a head (HEADS) plans them for
any client and may give one to another person (by default it goes to the client's owner).
The person a contact is planned for (its assignee) reschedules it, cancels it and marks it
done; a head may also reschedule and cancel it. Only the assignee marks it done: the done
work is counted as theirs.

On time. A planned contact is due by the end of its planned day in the assignee's time zone
(23:59:59.999999 local time): a call planned for Tuesday 10:00 and made on Tuesday at 17:00
is on time; made on Wednesday it is late. Done work goes into the done-work log (WorkDone)
with that deadline as ``due_at``; a piece of work is on time when ``done_at <= due_at``.
Completed regulation tasks are logged the same way (engine.cycles): due at their due time,
else at the end of their planned day, else with no deadline (then they do not count in plan
fulfilment).

A contact marked done is also the client's latest contact (contact norms read it) and, when
the client has an active cycle, a "contact" event in that cycle's history.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from engine.clients.records import get_client
from engine.planning import error_texts
from engine.planning.views import ActivityView, ClientWork, DoneWork, PlannedContact
from engine.regulation import cycles
from engine.shared import days
from engine.shared.access import HEADS, SELLERS, Actor
from engine.shared.errors import Forbidden, InputInvalid, NotFound, TaskNotActionable
from engine.shared.notices import coded
from storage.models import Activity, Client, WorkType
from storage.repositories import accounts as accounts_repo
from storage.repositories import planning as planning_repo
from storage.repositories import regulation as regulation_repo


class ContactStatus(StrEnum):
    """An ad-hoc contact is planned, then done (with a result) or cancelled."""

    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


PLANNED, DONE, CANCELLED = ContactStatus.PLANNED, ContactStatus.DONE, ContactStatus.CANCELLED
NOTE_MAX = 2000
RESULT_MAX = 4000


def may_plan_for(actor: Actor, client: Client) -> bool:
    """The client's owner plans contacts with his clients; a head with anyone's."""
    return actor.has_any(HEADS) or (client.owner_id is not None and client.owner_id == actor.id)


def may_change(actor: Actor, activity: Activity) -> bool:
    """Reschedule or cancel: the assignee, or a head."""
    return activity.assignee == actor.login or actor.has_any(HEADS)


def may_mark_done(actor: Actor, activity: Activity) -> bool:
    return activity.assignee == actor.login


def plan(session: Session, actor: Actor, client_id: int, work_type: str | None,
         planned_at: datetime | None, note: str | None, now: datetime,
         assignee: str | None = None) -> Activity:
    client = get_client(session, actor, client_id)
    if not may_plan_for(actor, client):
        raise coded(Forbidden, "contact_plan_forbidden", {"login": actor.login, "client_id": str(client_id)})
    errors: dict[str, str] = {}
    kind = _work_type(session, work_type, errors)
    _check_time(planned_at, now, errors)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"must be at most {NOTE_MAX} characters"
    who = _assignee(session, actor, client, assignee, errors)
    _raise("the contact cannot be planned", errors)
    active = planning_repo.active_cycle_of_client(session, client.id)
    activity = Activity(client_id=client.id, cycle_id=active.id if active else None, assignee=who,
                        work_type=kind, note=note, planned_at=planned_at.astimezone(UTC),  # type: ignore[union-attr]
                        status=PLANNED,
                        created_at=now, created_by=actor.login)
    session.add(activity)
    session.flush()
    return activity


def reschedule(session: Session, actor: Actor, activity_id: int, planned_at: datetime | None,
               now: datetime) -> Activity:
    activity = _open_for(session, actor, activity_id, may_change, "reschedule")
    errors: dict[str, str] = {}
    _check_time(planned_at, now, errors)
    _raise("the contact cannot be rescheduled", errors)
    activity.planned_at = planned_at.astimezone(UTC)  # type: ignore[union-attr]
    activity.reminded = 0  # a new time deserves new reminders
    return activity


def cancel(session: Session, actor: Actor, activity_id: int) -> Activity:
    activity = _open_for(session, actor, activity_id, may_change, "cancel")
    activity.status = CANCELLED
    return activity


def mark_done(session: Session, actor: Actor, activity_id: int, result: str | None,
              now: datetime) -> Activity:
    """The contact happened: log the work, make it the client's latest contact, tell its cycle."""
    activity = _open_for(session, actor, activity_id, may_mark_done, "mark done")
    result = (result or "").strip()
    errors: dict[str, str] = {}
    if not result:
        errors["result"] = "is required: what came of the contact?"
    elif len(result) > RESULT_MAX:
        errors["result"] = f"must be at most {RESULT_MAX} characters"
    _raise("the contact cannot be marked done", errors)
    activity.status, activity.done_at, activity.result = DONE, now, result
    cycle = planning_repo.active_cycle_of_client(session, activity.client_id)
    activity.cycle_id = cycle.id if cycle else activity.cycle_id
    due = days.end_of_day(activity.planned_at, days.zone(actor.timezone))
    planning_repo.add_work_done(session, {
        "login": activity.assignee, "client_id": activity.client_id, "cycle_id": activity.cycle_id,
        "task_id": None, "activity_id": activity.id, "name": _name(session, activity)[:300],
        "work_type": activity.work_type, "due_at": due, "done_at": now, "result": result})
    activity.client.last_contact_at = now
    if cycle is not None:
        rec = cycles.Recorder(session, cycle, actor.login, now)
        rec.add("contact", data={"work_type": activity.work_type, "note": activity.note or None,
                                 "result": result, "activity_id": activity.id})
        rec.write()
    return activity


def of_client(session: Session, actor: Actor, client_id: int) -> ClientWork:
    """The client's planned contacts (soonest first) with what the actor may do to each, its
    done-work log (newest first), and whether the actor may plan contacts with it."""
    client = get_client(session, actor, client_id)
    return ClientWork(
        may_plan=may_plan_for(actor, client),
        planned=tuple(PlannedContact(ActivityView.of(a), may_change(actor, a), may_mark_done(actor, a))
                      for a in planning_repo.activities_of_client(session, client.id)),
        log=tuple(DoneWork.of(w) for w in planning_repo.work_done_of_client(session, client.id)),
    )


# ---------------------------------------------------------------- rules

def _open_for(session: Session, actor: Actor, activity_id: int, allowed: Any, action: str) -> Activity:
    activity = planning_repo.activity_for_update(session, activity_id)
    if activity is None:
        raise coded(NotFound, "contact_unknown", {"contact_id": str(activity_id)})
    if not allowed(actor, activity):
        code = f"contact_{action.replace(' ', '_')}_forbidden"
        if code not in error_texts.ERRORS:
            raise Forbidden(f"{actor.login} may not {action} contact {activity_id}: it is planned for "
                            f"{activity.assignee}")
        raise coded(Forbidden, code, {"login": actor.login, "contact_id": str(activity_id),
                                      "assignee": activity.assignee})
    if activity.status == DONE:
        raise coded(TaskNotActionable, "contact_already_done",
                    {"contact_id": str(activity_id), "assignee": activity.assignee,
                     "at": f"{activity.done_at:%Y-%m-%d %H:%M}"}, {"activity_id": activity_id})
    if activity.status == CANCELLED:
        raise coded(TaskNotActionable, "contact_was_cancelled", {"contact_id": str(activity_id)},
                    {"activity_id": activity_id})
    if activity.status != PLANNED:
        raise TaskNotActionable(f"contact {activity_id} was {activity.status}", {"activity_id": activity_id})
    return activity


def _work_type(session: Session, name: str | None, errors: dict[str, str]) -> str:
    name = (name or "").strip().lower()
    if not name:
        errors["work_type"] = "is required"
    elif session.get(WorkType, name) is None:
        known = ", ".join(w.name for w in regulation_repo.work_types(session)) or "none defined"
        errors["work_type"] = f"unknown work type {name!r} (known: {known})"
    return name


def _check_time(planned_at: datetime | None, now: datetime, errors: dict[str, str]) -> None:
    if planned_at is None:
        errors["planned_at"] = "is required"
    elif planned_at.tzinfo is None:
        errors["planned_at"] = "needs a time zone"
    elif not now - timedelta(days=366) <= planned_at <= now + timedelta(days=3 * 366):
        errors["planned_at"] = "must be within a year back and three years ahead"


def _assignee(session: Session, actor: Actor, client: Client, login: str | None,
              errors: dict[str, str]) -> str:
    login = (login or "").strip().lower()
    if not login:
        return client.owner.login if client.owner else actor.login
    if login != actor.login and not actor.has_any(HEADS):
        raise coded(Forbidden, "contact_for_someone_else", {})
    user = accounts_repo.user_by_login(session, login)
    if user is None or not user.active:
        errors["assignee"] = f"no active user {login!r}"
    elif not user.role_set & SELLERS:  # an analyst changes nothing: no contact of his to do or cancel
        errors["assignee"] = f"{login} does not make contacts (not a manager)"
    return login


def _name(session: Session, activity: Activity) -> str:
    """The log line: the note's first line, else the work type's name."""
    first = (activity.note or "").strip().splitlines()
    if first:
        return first[0]
    kind = session.get(WorkType, activity.work_type)
    return kind.label if kind else activity.work_type


def _raise(what: str, errors: dict[str, str]) -> None:
    if errors:
        raise InputInvalid(f"{what}: " + "; ".join(f"{k} {v}" for k, v in errors.items()),
                           {"fields": errors})
