"""The loss-reason catalogue the head maintains, and the report of losses by reason, stage and manager.

A lost cycle's reason is the one a person chose for it from the catalogue, else the catalogue
reason whose code or name (English or Russian, in any case) is the text the cycle ended with (a
regulation's form field or end event ``loss_reason``, e.g. an enum whose ids are the codes). A
lost cycle with neither is *not classified*; its text stays on the cycle as the comment.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.control import error_texts  # noqa: F401  (registers the codes raised here)
from engine.control.filters import Filters, scope
from engine.shared.access import HEADS, Actor, Permission, require
from engine.shared.errors import InputInvalid, NotFound
from engine.shared.notices import coded
from storage.models import Cycle, CycleLossReason, LossReason
from storage.repositories import analytics as analytics_repo

MAX_REASONS = 200
MAX_NAME = 200
CODE = re.compile(r"[a-z][a-z0-9_]{0,49}")
DEFAULTS = (  # code, English, Russian
    ("no_budget", "No budget", "Нет бюджета"),
    ("competitor", "Chose a competitor", "Выбрал конкурента"),
    ("price", "Too expensive", "Слишком дорого"),
    ("no_need", "No need", "Нет потребности"),
    ("timing", "Not now, later", "Не сейчас, позже"),
    ("silent", "Client silent for 30 days after the proposal", "Клиент молчит 30 дней после предложения"),
    ("other", "Other", "Другое"),
)
DEFINITION = (
    "Cycles lost in the period (ended lost between from and to, UTC). A lost cycle's reason is the one chosen "
    "for it from the catalogue, else the catalogue reason whose code or name is the text it ended with; "
    "otherwise it is not classified. The stage is the one the cycle was at when it was lost; the amount is "
    "the sum of the cycle variable amount. Reasons are sorted by count (a Pareto: the share and the running share "
    "of all losses).")
UNCLASSIFIED = "-"


@dataclass(frozen=True)
class LossReasonEntry:
    """A reason of the catalogue, with its English and Russian names."""

    id: int
    code: str
    name: str
    name_ru: str
    active: bool
    position: int


@dataclass(frozen=True)
class ReasonLosses:
    """One row of the Pareto: a reason (code ``-``, no names: not classified) with its lost cycles'
    count, amount, share and running share, and the count per stage and per manager's login."""

    reason_id: int | None
    code: str
    name: str | None
    name_ru: str | None
    count: int
    amount: Decimal
    share: float
    cumulative_share: float
    stages: Mapping[str, int]
    managers: Mapping[str, int]


@dataclass(frozen=True)
class LossReport:
    definition: str
    filters: dict[str, str]
    total: int
    amount: Decimal
    reasons: tuple[ReasonLosses, ...]
    #: the stages lost at, in the order first met ("" for none)
    stages: tuple[str, ...]
    #: the managers' logins (empty without person figures)
    managers: tuple[str, ...]
    #: login -> name (empty without person figures)
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LostCycle:
    """A lost cycle behind a figure; times are ISO strings, the amount a decimal string."""

    cycle_id: int
    client_id: int
    client_name: str
    regulation: str
    version: int
    stage: str | None
    status: str
    entered_at: str
    started_at: str
    ended_at: str | None
    loss_reason: str | None
    reason_id: int | None
    amount: str | None


@dataclass(frozen=True)
class LostCycles:
    """The lost cycles behind a reason's figure (``reason`` None: all, ``-``: not classified)."""

    figure: str
    reason: str | None
    definition: str
    filters: dict[str, str]
    cycles: tuple[LostCycle, ...]
    truncated: bool


def ensure_defaults(session: Session) -> int:
    """The starting catalogue, when it is empty; returns how many reasons were added."""
    if analytics_repo.loss_reasons(session):
        return 0
    for position, (code, name, name_ru) in enumerate(DEFAULTS):
        session.add(LossReason(code=code, name=name, name_ru=name_ru, position=position))
    session.flush()
    return len(DEFAULTS)


def entry(r: LossReason) -> LossReasonEntry:
    return LossReasonEntry(r.id, r.code, r.name, r.name_ru, r.active, r.position)


def catalogue(session: Session) -> list[LossReasonEntry]:
    return [entry(r) for r in analytics_repo.loss_reasons(session)]


def save(session: Session, actor: Actor, code: str, name: str, name_ru: str, active: bool = True) -> LossReasonEntry:
    """Adds a reason or changes the one with this code (head, admin). Codes, English and Russian
    names are unique in any case across the catalogue, so a text names at most one reason."""
    require(actor, HEADS, "maintain the loss reasons")
    code, name, name_ru = (code or "").strip().lower(), (name or "").strip(), (name_ru or "").strip()
    errors: dict[str, str] = {}
    if not CODE.fullmatch(code):
        errors["code"] = "must be 1-50 lower-case Latin letters, digits or _, starting with a letter"
    if not name:
        errors["name"] = "is required"
    for key, text in (("name", name), ("name_ru", name_ru)):
        if len(text) > MAX_NAME:
            errors[key] = f"must be at most {MAX_NAME} characters"
    existing = analytics_repo.loss_reasons(session)
    current = next((r for r in existing if r.code == code), None)
    if current is None and len(existing) >= MAX_REASONS:
        errors["code"] = f"the catalogue holds at most {MAX_REASONS} reasons"
    taken = {_key(t): r.code for r in existing if r is not current for t in (r.code, r.name, r.name_ru) if t}
    for key, text in (("code", code), ("name", name), ("name_ru", name_ru)):
        if text and _key(text) in taken and key not in errors:
            errors[key] = f"is already used by the reason {taken[_key(text)]!r}"
    if errors:
        raise InputInvalid("the loss reason is wrong: " + "; ".join(f"{k} {v}" for k, v in errors.items()),
                           {"fields": errors})
    if current is None:
        current = LossReason(code=code, name=name, name_ru=name_ru, active=active,
                             position=max((r.position for r in existing), default=-1) + 1)
        session.add(current)
    else:
        current.name, current.name_ru, current.active = name, name_ru, active
    session.flush()
    return entry(current)


def choose(session: Session, actor: Actor, cycle_id: int, reason_id: int | None) -> None:
    """Gives a lost cycle its catalogue reason (head, admin); None takes the choice back."""
    require(actor, HEADS, "classify lost cycles")
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise coded(NotFound, "loss_cycle_unknown", {"cycle_id": str(cycle_id)})
    if cycle.status != "lost":
        raise coded(InputInvalid, "loss_cycle_not_lost", {"cycle_id": str(cycle_id)}, {"fields": {"cycle_id": "is not a lost cycle"}})
    chosen = analytics_repo.cycle_loss_reason(session, cycle_id)
    if reason_id is None:
        if chosen is not None:
            session.delete(chosen)
        return
    reason = analytics_repo.loss_reason(session, reason_id)
    if reason is None or not reason.active:
        raise coded(InputInvalid, "loss_reason_inactive", {"reason_id": str(reason_id)}, {"fields": {"reason": "is not in the catalogue"}})
    if chosen is None:
        session.add(CycleLossReason(cycle_id=cycle_id, reason_id=reason_id, set_by=actor.login))
    else:
        chosen.reason_id, chosen.set_by = reason_id, actor.login


def report(session: Session, actor: Actor, filters: Filters, person_figures: bool) -> LossReport:
    """Losses by reason (Pareto by count, with amounts), by reason x stage and by reason x manager."""
    cycles = scope(session, actor, filters, person_figures)
    start, end = filters.bounds()
    catalogue = analytics_repo.loss_reasons(session)
    reasons = {r.id: r for r in catalogue}
    named = _names(catalogue)
    rows = analytics_repo.lost_rows(session, cycles, start, end)
    people = analytics_repo.people(session, sorted({m for *_, m, _, _ in rows if m is not None}))
    by_reason: dict[int | None, dict[str, Any]] = {}
    stages: dict[str, None] = {}
    for chosen, text, stage, manager_id, count, amount in rows:
        reason_id = chosen if chosen is not None else named.get(_key(text))
        r = by_reason.setdefault(reason_id, {"count": 0, "amount": Decimal(0), "stages": {}, "managers": {}})
        r["count"] += count
        r["amount"] += amount
        stage_key = stage or ""
        stages.setdefault(stage_key, None)
        r["stages"][stage_key] = r["stages"].get(stage_key, 0) + count
        login = people.get(manager_id, ("", ""))[0] if manager_id is not None else ""
        r["managers"][login] = r["managers"].get(login, 0) + count
    total = sum(r["count"] for r in by_reason.values())
    ordered = sorted(by_reason.items(), key=lambda kv: (-kv[1]["count"], -kv[1]["amount"], kv[0] is None, kv[0] or 0))
    out, running = [], 0
    for reason_id, r in ordered:
        running += r["count"]
        reason = reasons.get(reason_id) if reason_id is not None else None
        out.append(ReasonLosses(
            reason_id, reason.code if reason else UNCLASSIFIED, reason.name if reason else None,
            reason.name_ru if reason else None, r["count"], r["amount"],
            round(r["count"] / total, 4) if total else 0.0, round(running / total, 4) if total else 0.0,
            r["stages"], r["managers"] if person_figures else {}))
    managers = sorted({login for r in by_reason.values() for login in r["managers"]}) if person_figures else []
    return LossReport(DEFINITION, filters.as_args(), total, sum((r["amount"] for r in by_reason.values()), Decimal(0)),
                      tuple(out), tuple(stages), tuple(managers),
                      {p[0]: p[1] for p in people.values()} if person_figures else {})


def lost_cycles(session: Session, actor: Actor, filters: Filters, person_figures: bool, reason: str | None,
                limit: int) -> LostCycles:
    """The lost cycles behind a reason's figure (``reason``: a code, ``-`` for not classified,
    None for all), newest first, at most ``limit`` (``truncated`` says there were more)."""
    rows = cycles(session, actor, filters, person_figures, reason, limit + 1)
    return LostCycles("losses", reason, DEFINITION, filters.as_args(), tuple(rows[:limit]), len(rows) > limit)


def cycles(session: Session, actor: Actor, filters: Filters, person_figures: bool, reason: str | None,
           limit: int) -> list[LostCycle]:
    """The lost cycles behind a reason's figure (``reason``: a code, ``-`` for not classified,
    None for all), newest first."""
    found = scope(session, actor, filters, person_figures)
    start, end = filters.bounds()
    reason_id = None
    if reason not in (None, UNCLASSIFIED):
        known = analytics_repo.loss_reason_by_code(session, str(reason))
        if known is None:
            raise coded(InputInvalid, "loss_reason_unknown", {"reason": repr(reason)}, {"fields": {"reason": "is not in the catalogue"}})
        reason_id = known.id
    named = _names(analytics_repo.loss_reasons(session))
    out: list[LostCycle] = []
    for r in analytics_repo.lost_cycles(session, found, start, end, reason_id):
        of = r.chosen_id if r.chosen_id is not None else named.get(_key(r.loss_reason))
        if (reason == UNCLASSIFIED and of is not None) or (reason_id is not None and of != reason_id):
            continue
        out.append(LostCycle(r.cycle_id, r.client_id, r.client_name, r.regulation, r.version, r.stage, r.status,
                             r.entered_at.isoformat(), r.started_at.isoformat(),
                             r.ended_at.isoformat() if r.ended_at else None, r.loss_reason, of,
                             str(r.amount) if r.amount is not None else None))
        if len(out) >= limit:
            break
    return out


def _key(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _names(catalogue: Sequence[LossReason]) -> dict[str, int]:
    """Each code and name (English, Russian) of the catalogue, case-folded -> the reason's id."""
    return {_key(t): r.id for r in catalogue for t in (r.code, r.name, r.name_ru) if t}


def may_classify(actor: Actor) -> bool:
    return actor.may(Permission.LEAD)
