"""Motivation schemes: versions, drafts, activation, and the scheme in force.

A scheme (by name) is a list of versions; each version holds the terms: effective from a
day, for a role or a team (or everyone), the commission basis (won_amount or paid_amount),
currency, rounding, piece rates per work type, DMN decision tables by name and settings.

Life of a version:

* ``create`` makes version 1, a **draft**.
* Every edit (``save`` of the terms, ``save_table``, ``remove_table``) changes the scheme's
  draft in place. When the scheme has no draft (its newest version is active or retired),
  the edit first copies the newest version into a new draft, version newest + 1. So a
  scheme has at most one draft, always its newest version, and only drafts ever change.
* ``activate`` turns the draft into the **active** version, immutable from then on; the
  version that was active **retires**.
* In force for a person on a day: among activated versions (active or retired; never
  drafts) effective on or before the day, the newest version of each scheme (a later
  activation overrides earlier ones from its effective day on; days before it keep the
  versions that were in force then). Of the schemes that apply to the person, a team's
  scheme comes before a role's, and a role's before one for everyone; within a kind, the
  latest effective day wins.

Only HEADS edit. Heads, analysts and admins read everything; anyone else reads the
activated versions of the schemes that apply to them (their role, their team, everyone).
Every table is checked with ``dmn.check_table`` when it is saved and again on activation
(a UNIQUE table with overlapping rules is refused, naming the rules and where they
overlap): nothing invalid is stored. The terms are checked by engine.motivation.
scheme_validation; blank tables and the table check live in engine.motivation.scheme_tables.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.motivation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.motivation.payout import BASES, COMMISSION_TABLE
from engine.motivation.read_models import SchemeDetail, SchemeVersion
from engine.motivation.scheme_tables import TEMPLATES, blank_table, checked_xml, table_name
from engine.motivation.scheme_validation import FIELDS, MAX_TABLES, ROUNDINGS, validated
from engine.motivation.scheme_validation import team as find_team
from engine.regulation.decisions import dmn
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import FieldProblems, InputInvalid, NotFound
from engine.shared.notices import coded
from storage.models import MotivationScheme, Team
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo

#: re-exported: callers read the scheme vocabulary here
__all__ = [
    "ACTIVE", "BASES", "DRAFT", "FIELDS", "RETIRED", "ROUNDINGS", "TEMPLATES", "activate", "add_table",
    "applies_to", "blank_table", "create", "get_version", "in_force", "listing", "load_tables",
    "remove_table", "save", "save_table", "scheme_detail", "scheme_view", "table_xml", "versions",
]

DRAFT, ACTIVE, RETIRED = "draft", "active", "retired"
_NAME = re.compile(r"^\w[\w-]{0,99}$")


# ----------------------------------------------------------------------------- reading

def applies_to(scheme: MotivationScheme, roles: frozenset[str] | set[str], team_ids: set[int] | list[int]) -> bool:
    """Whether a scheme version is for someone with these roles in these teams."""
    if scheme.team_id is not None:
        return scheme.team_id in set(team_ids)
    return scheme.role is None or scheme.role in roles


def _may_read(session: Session, actor: Actor, scheme: MotivationScheme) -> bool:
    if actor.reads_all:
        return True
    if scheme.status == DRAFT:
        return False
    return applies_to(scheme, actor.roles, motivation_repo.team_ids_of_user(session, actor.id))


def listing(session: Session, actor: Actor) -> list[MotivationScheme]:
    """Each scheme the actor may read, as its newest version the actor may read."""
    if actor.reads_all:
        return list(motivation_repo.latest_schemes(session))
    team_ids = motivation_repo.team_ids_of_user(session, actor.id)
    newest: dict[str, MotivationScheme] = {}
    for scheme in motivation_repo.schemes_in_effect(session, date.max):
        if applies_to(scheme, actor.roles, team_ids):
            newest[scheme.name] = scheme  # ordered by version
    return [newest[name] for name in sorted(newest)]


def versions(session: Session, actor: Actor, name: str) -> list[MotivationScheme]:
    """The versions of a scheme the actor may read, oldest first; NotFound when none."""
    found = [s for s in motivation_repo.scheme_versions(session, name) if _may_read(session, actor, s)]
    if not found:
        raise coded(NotFound, "scheme_unknown", {"name": repr(name)})
    return found


def get_version(session: Session, actor: Actor, name: str, version: int | None = None) -> MotivationScheme:
    """One version; without a number, the draft for heads, else the active (else newest) one."""
    readable = versions(session, actor, name)
    if version is None:
        return _default_version(readable)
    for scheme in readable:
        if scheme.version == version:
            return scheme
    raise coded(NotFound, "scheme_version_unknown", {"version": str(version), "name": repr(name)})


def _default_version(readable: list[MotivationScheme]) -> MotivationScheme:
    for status in (DRAFT, ACTIVE):
        for scheme in reversed(readable):
            if scheme.status == status:
                return scheme
    return readable[-1]


def table_xml(session: Session, actor: Actor, name: str, table: str, version: int | None = None) -> str:
    scheme = get_version(session, actor, name, version)
    xml = (scheme.tables or {}).get(table)
    if xml is None:
        raise coded(NotFound, "scheme_table_unknown", {"name": name, "version": str(scheme.version), "table": repr(table)})
    return str(xml)


def load_tables(scheme: MotivationScheme) -> dict[str, dmn.DecisionTable]:
    """The version's tables, loaded (each was checked when it was saved)."""
    return {table: dmn.load_table(str(xml), table) for table, xml in sorted((scheme.tables or {}).items())}


def in_force(session: Session, on: date, login: str | None = None, role: str | None = None,
             team: str | int | None = None) -> MotivationScheme | None:
    """The scheme version in force on a day for a person (their roles and teams), or for a
    role or a team; None when no scheme applies."""
    roles: set[str] = {role} if role else set()
    team_ids: set[int] = set()
    if login is not None:
        user = accounts_repo.user_by_login(session, login)
        if user is None:
            raise coded(NotFound, "scheme_user_unknown", {"login": repr(login)})
        roles |= user.role_set
        team_ids |= set(motivation_repo.team_ids_of_user(session, user.id))
    if team is not None:
        team_ids.add(find_team(session, team).id)
    current: dict[str, MotivationScheme] = {}
    for scheme in motivation_repo.schemes_in_effect(session, on):  # by name, then version
        current[scheme.name] = scheme
    applying = [s for s in current.values() if applies_to(s, roles, team_ids)]
    by_team = [s for s in applying if s.team_id is not None]
    by_role = [s for s in applying if s.team_id is None and s.role is not None]
    general = [s for s in applying if s.team_id is None and s.role is None]
    for kind in (by_team, by_role, general):
        if kind:
            return max(kind, key=lambda s: (s.effective_from, s.created_at, s.id))
    return None


def scheme_view(session: Session, scheme: MotivationScheme, active_version: int | None = None) -> SchemeVersion:
    """The version as the pages and the API read it."""
    team = session.get(Team, scheme.team_id) if scheme.team_id is not None else None
    return SchemeVersion(
        id=scheme.id, name=scheme.name, version=scheme.version, status=scheme.status,
        effective_from=scheme.effective_from, role=scheme.role, team_id=scheme.team_id,
        team=team.name if team is not None else None, basis=scheme.basis, currency=scheme.currency,
        rounding=scheme.rounding, piece_rates=dict(sorted((scheme.piece_rates or {}).items())),
        tables=tuple(sorted(scheme.tables or {})), settings=dict(scheme.settings or {}),
        created_by=scheme.created_by, created_at=scheme.created_at, editable=scheme.status == DRAFT,
        active_version=active_version)


def scheme_detail(session: Session, scheme: MotivationScheme) -> SchemeDetail:
    """The version with its tables loaded."""
    view = scheme_view(session, scheme)
    return SchemeDetail(**{f.name: getattr(view, f.name) for f in fields(SchemeVersion)},
                        loaded=load_tables(scheme))


# ----------------------------------------------------------------------------- editing

def create(session: Session, actor: Actor, name: str, terms: Mapping[str, Any], now: datetime) -> MotivationScheme:
    """A new scheme: version 1, a draft. Without tables it starts with a blank commission table."""
    require(actor, HEADS, "edit motivation schemes")
    name = (name or "").strip()
    problems = FieldProblems()
    if not _NAME.match(name):
        problems.add("name", "scheme_name", "must be 1-100 letters, digits, '_' or '-', starting with a letter "
                     "or digit (it appears in addresses)")
    elif motivation_repo.scheme_versions(session, name):
        problems.add("name", "scheme_taken", f"a motivation scheme named {name!r} exists; edit it to make a new "
                     "version", value=name)
    if not terms.get("effective_from"):
        problems.add("effective_from", "required", "is required")
    problems.raise_if_any("The scheme cannot be created")
    defaults: dict[str, Any] = {"role": None, "team": None, "basis": "won_amount", "currency": "RUB",
                                "rounding": "ROUND_HALF_UP", "piece_rates": {}, "settings": {},
                                "tables": {COMMISSION_TABLE: blank_table(COMMISSION_TABLE)}}
    values = validated(session, {**defaults, **terms})
    scheme = MotivationScheme(name=name, version=1, status=DRAFT, created_by=actor.login, created_at=now,
                              **values)
    session.add(scheme)
    session.flush()
    return scheme


def save(session: Session, actor: Actor, name: str, changes: Mapping[str, Any], now: datetime) -> MotivationScheme:
    """Change the scheme's terms in its draft (made from the newest version when there is none)."""
    require(actor, HEADS, "edit motivation schemes")
    values = validated(session, changes)
    draft = _draft(session, actor, name, now)
    for key, value in values.items():
        setattr(draft, key, value)
    return draft


def save_table(session: Session, actor: Actor, name: str, table: str, xml: str | bytes,
               now: datetime) -> MotivationScheme:
    """Put one decision table in the draft; DmnError (nothing saved) when it is not valid."""
    require(actor, HEADS, "edit motivation schemes")
    table = table_name(table)
    text = checked_xml(xml, table)
    draft = _draft(session, actor, name, now)
    tables = dict(draft.tables or {})
    if table not in tables and len(tables) >= MAX_TABLES:
        raise coded(InputInvalid, "scheme_tables_max", {"limit": str(MAX_TABLES)})
    tables[table] = text
    draft.tables = tables
    return draft


def add_table(session: Session, actor: Actor, name: str, table: str, now: datetime) -> MotivationScheme:
    """A new blank table (see ``blank_table``) in the draft; refused when the table exists."""
    require(actor, HEADS, "edit motivation schemes")
    table = table_name((table or "").strip())
    newest = motivation_repo.newest_scheme_version_for_update(session, name)
    if newest is not None and table in (newest.tables or {}):
        raise coded(InputInvalid, "scheme_table_exists", {"name": name, "table": table})
    return save_table(session, actor, name, table, blank_table(table), now)


def remove_table(session: Session, actor: Actor, name: str, table: str, now: datetime) -> MotivationScheme:
    require(actor, HEADS, "edit motivation schemes")
    draft = _draft(session, actor, name, now)
    tables = dict(draft.tables or {})
    if table not in tables:
        raise coded(NotFound, "scheme_table_missing", {"name": name, "table": repr(table)})
    del tables[table]
    draft.tables = tables
    return draft


def activate(session: Session, actor: Actor, name: str, version: int, now: datetime) -> MotivationScheme:
    """The draft becomes the active version (immutable); the one that was active retires."""
    require(actor, HEADS, "activate motivation schemes")
    all_versions = list(motivation_repo.scheme_versions(session, name))
    scheme = next((s for s in all_versions if s.version == version), None)
    if scheme is None:
        raise coded(NotFound, "scheme_version_unknown", {"version": str(version), "name": repr(name)})
    if scheme.status != DRAFT:
        if scheme.status in (ACTIVE, RETIRED):
            raise coded(InputInvalid, f"scheme_activate_{scheme.status}", {"version": str(version), "name": name})
        raise InputInvalid(f"Version {version} of {name} is {scheme.status}; only a draft can be activated")
    tables = scheme.tables or {}
    if COMMISSION_TABLE not in tables:
        raise coded(InputInvalid, "scheme_needs_table", {"name": name, "table": COMMISSION_TABLE})
    for table, xml in tables.items():
        dmn.check_table(str(xml), table)
    for other in all_versions:
        if other.status == ACTIVE:
            other.status = RETIRED
    scheme.status = ACTIVE
    return scheme


def _draft(session: Session, actor: Actor, name: str, now: datetime) -> MotivationScheme:
    """The scheme's draft, made from its newest version when it has none."""
    newest = motivation_repo.newest_scheme_version_for_update(session, name)
    if newest is None:
        raise coded(NotFound, "scheme_unknown", {"name": repr(name)})
    if newest.status == DRAFT:
        return newest
    draft = MotivationScheme(
        name=name, version=newest.version + 1, status=DRAFT, effective_from=newest.effective_from,
        role=newest.role, team_id=newest.team_id, basis=newest.basis, currency=newest.currency,
        rounding=newest.rounding, piece_rates=dict(newest.piece_rates or {}), tables=dict(newest.tables or {}),
        settings=dict(newest.settings or {}), created_by=actor.login, created_at=now)
    session.add(draft)
    session.flush()
    return draft
