"""Absences: vacations, sick leave... Days are inclusive and in the person's own time zone.

The head (HEADS) enters and removes anyone's; a manager his own. Heads and analysts see
everyone's, a manager his own. Distribution skips whoever is away on the day.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.organization import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared import days, organization_defaults
from engine.shared.access import HEADS, SELLERS, Actor, require
from engine.shared.errors import Forbidden, InputInvalid, NotFound
from engine.shared.notices import coded
from storage.models import Absence, User
from storage.repositories import accounts as accounts_repo
from storage.repositories import organization as organization_repo

KINDS = ("vacation", "sick", "other")
#: how far back the list shows absences that already ended
RECENT = timedelta(days=30)
#: the longest absence one entry may cover
LONGEST = timedelta(days=366)


def local_day(user: User, moment: datetime) -> date:
    """The calendar day ``moment`` falls on where the user lives (their zone, else the organization's)."""
    return days.local_date(moment, days.zone(organization_defaults.of_user(user)[0]))


def _day(value: Any, field: str, errors: dict[str, str]) -> date | None:
    try:
        return days.to_date(value)
    except ValueError:
        errors[field] = "is required" if not str(value or "").strip() else "must be a date (YYYY-MM-DD)"
        return None


def add_absence(session: Session, actor: Actor, login: str | None, kind: str, starts_on: Any,
                ends_on: Any, note: str | None = None) -> Absence:
    """Record that someone (the actor when ``login`` is empty) is away from one day to another."""
    login = (login or "").strip().lower() or actor.login
    if login != actor.login:
        require(actor, HEADS, "enter other people's absences")
    else:
        require(actor, SELLERS, "enter absences")
    errors: dict[str, str] = {}
    user = accounts_repo.user_by_login(session, login)
    if user is None:
        errors["login"] = f"no user {login!r}"
    kind = (kind or "").strip()
    if kind not in KINDS:
        errors["kind"] = f"must be one of {', '.join(KINDS)}"
    first = _day(starts_on, "starts_on", errors)
    last = _day(ends_on, "ends_on", errors)
    if first and last:
        if last < first:
            errors["ends_on"] = "must be on or after the first day"
        elif last - first > LONGEST:
            errors["ends_on"] = "one absence may cover at most a year"
    note = (note or "").strip()
    if len(note) > 300:
        errors["note"] = "must be at most 300 characters"
    if errors:
        raise InputInvalid("the absence cannot be saved: " + "; ".join(f"{k} {v}" for k, v in errors.items()),
                           {"fields": errors})
    assert user is not None and first is not None and last is not None
    absence = Absence(user_id=user.id, user=user, kind=kind, starts_on=first, ends_on=last, note=note)
    session.add(absence)
    session.flush()
    return absence


def delete_absence(session: Session, actor: Actor, absence_id: int) -> None:
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise coded(NotFound, "absence_unknown", {"absence_id": str(absence_id)})
    if absence.user_id != actor.id:
        require(actor, HEADS, "remove other people's absences")
    elif not actor.has_any(SELLERS):
        raise coded(Forbidden, "absence_remove_forbidden", {"login": actor.login})
    session.delete(absence)


def list_absences(session: Session, actor: Actor, today: date) -> list[Absence]:
    """Current and coming absences, and those that ended in the last RECENT days."""
    user_id = None if actor.reads_all else actor.id
    return list(organization_repo.absences(session, user_id=user_id, ending_from=today - RECENT))


def absent_on(session: Session, day: date, user_ids: Sequence[int] | None = None) -> dict[int, Absence]:
    """Who is away on ``day`` (by user id): the absence covering it that ends last."""
    found: dict[int, Absence] = {}
    for absence in organization_repo.absences_overlapping(session, day, day, user_ids):
        held = found.get(absence.user_id)
        if held is None or absence.ends_on > held.ends_on:
            found[absence.user_id] = absence
    return found


@dataclass(frozen=True)
class Away:
    """Someone is away: why (the absence's kind) and the last day away."""

    kind: str
    until: date


def away_at(session: Session, users: Sequence[User], moment: datetime) -> dict[int, Away]:
    """Who of ``users`` is away at ``moment``, each judged by the day it is where they live.
    Absences back to back (a vacation, then sick leave from the next day) count as one stretch:
    ``until`` is its last day."""
    if not users:
        return {}
    local = {u.id: local_day(u, moment) for u in users}
    first, last = min(local.values()), max(local.values())
    rows = organization_repo.absences_overlapping(session, first, last + LONGEST, [u.id for u in users])
    found: dict[int, Away] = {}
    for user in users:
        day = local[user.id]
        mine = sorted((a for a in rows if a.user_id == user.id), key=lambda a: a.starts_on)
        covering = [a for a in mine if a.starts_on <= day <= a.ends_on]
        if not covering:
            continue
        until = max(a.ends_on for a in covering)
        for absence in mine:
            if absence.starts_on <= until + timedelta(days=1) and absence.ends_on > until:
                until = absence.ends_on
        found[user.id] = Away(covering[0].kind, until)
    return found
