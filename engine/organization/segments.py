"""Market segments: defined by rules over client fields (or by hand), in order, each served
by a team.

A rule is ``{"field": "industry", "op": "in", "value": ["retail", "food"]}``. A segment's
rules must all hold (case-insensitive, spaces around values ignored); segments are tried in
their order and the first whose rules match is the client's. A segment with no rules is
"by hand": clients get into it only when someone puts them there.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from engine.organization import error_texts  # noqa: F401  (registers the codes raised here)
from engine.organization.teams import checked_name
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import InputInvalid, NotFound
from engine.shared.notices import coded
from storage.models import Client, Segment, Team
from storage.repositories import clients as clients_repo
from storage.repositories import organization as organization_repo

#: client fields a rule may test
FIELDS = ("industry", "region", "size", "source", "kind", "tax_id", "name", "status")
#: equals: the whole value; in: one of a list; starts_with: a prefix (a tax id's region
#: code...); contains: a part of it
OPS = ("equals", "in", "starts_with", "contains")
MAX_RULES = 20
MAX_VALUE = 200


# ---------------------------------------------------------------- rules

def _norm(value: Any) -> str:
    return str(value or "").strip().casefold()


def parse_rules(raw: Any) -> list[dict[str, Any]]:
    """Validated, normalised rules. Raises InputInvalid naming each bad rule's field, op or
    value (details ``fields``: ``rules.<n>.field|op|value``, n from 1)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise coded(InputInvalid, "segment_rules_shape", {},
                    {"fields": {"rules": "must be a list of {field, op, value}"}})
    errors: dict[str, str] = {}
    if len(raw) > MAX_RULES:
        errors["rules"] = f"at most {MAX_RULES} rules"
    rules: list[dict[str, Any]] = []
    for number, rule in enumerate(raw[:MAX_RULES], start=1):
        where = f"rules.{number}"
        if not isinstance(rule, dict):
            errors[where] = "must be an object with field, op and value"
            continue
        field = str(rule.get("field") or "").strip().lower()
        op = str(rule.get("op") or "").strip().lower()
        value = rule.get("value")
        if field not in FIELDS:
            errors[f"{where}.field"] = (f"unknown field {field!r}; known: {', '.join(FIELDS)}" if field
                                        else "is required")
        if op not in OPS:
            errors[f"{where}.op"] = (f"unknown operation {op!r}; known: {', '.join(OPS)}" if op
                                     else "is required")
            rules.append({"field": field, "op": op, "value": value})
            continue
        values = _values(value) if op == "in" else None
        if op == "in":
            if not values:
                errors[f"{where}.value"] = f"{field or 'in'}: give at least one value (a list, or separated by commas)"
            elif any(len(v) > MAX_VALUE for v in values):
                errors[f"{where}.value"] = f"values must be at most {MAX_VALUE} characters"
            rules.append({"field": field, "op": op, "value": values})
            continue
        if isinstance(value, (list, dict)) or not str(value if value is not None else "").strip():
            errors[f"{where}.value"] = f"{field or op}: give one value to compare with"
        elif len(str(value).strip()) > MAX_VALUE:
            errors[f"{where}.value"] = f"must be at most {MAX_VALUE} characters"
        rules.append({"field": field, "op": op, "value": str(value or "").strip()})
    if errors:
        raise InputInvalid("the rules are not valid: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                           {"fields": errors})
    return rules


def _values(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    seen: dict[str, None] = {}
    for item in items:
        if isinstance(item, (str, int, float)) and str(item).strip():
            seen.setdefault(str(item).strip(), None)
    return list(seen)


def rule_holds(client: Client, rule: dict[str, Any]) -> bool:
    actual = _norm(getattr(client, rule["field"], None))
    op, value = rule["op"], rule["value"]
    if op == "in":
        return actual in {_norm(v) for v in value}
    wanted = _norm(value)
    if not actual or not wanted:
        return False
    if op == "equals":
        return actual == wanted
    if op == "starts_with":
        return actual.startswith(wanted)
    if op == "contains":
        return wanted in actual
    return False


def matches(client: Client, rules: Sequence[dict[str, Any]]) -> bool:
    """All rules hold; a segment with no rules matches nothing (it is filled by hand)."""
    return bool(rules) and all(rule_holds(client, rule) for rule in rules)


def segment_for(client: Client, segments: Iterable[Segment]) -> Segment | None:
    """The first segment, in the given (rule) order, whose rules match the client."""
    return next((s for s in segments if matches(client, s.rules or [])), None)


def classify(session: Session, clients: Iterable[Client],
             segments: Sequence[Segment] | None = None) -> dict[int, Segment]:
    """Give each client without a segment the first segment whose rules match; returns the
    segments given, by client id."""
    ordered = list(segments) if segments is not None else list(organization_repo.segments_in_order(session))
    given: dict[int, Segment] = {}
    for client in clients:
        if client.segment_id is not None:
            continue
        found = segment_for(client, ordered)
        if found is not None:
            client.segment = found
            client.segment_id = found.id
            given[client.id] = found
    return given


# ---------------------------------------------------------------- the head's commands

def list_segments(session: Session) -> list[Segment]:
    return list(organization_repo.segments_in_order(session))


def save_segment(session: Session, actor: Actor, segment_id: int | None, name: str, rules: Any,
                 team_id: int | None) -> Segment:
    """Create a segment (last in order) or change one: name, rules, team."""
    require(actor, HEADS, "define segments")
    segment = None
    if segment_id is not None:
        segment = session.get(Segment, segment_id)
        if segment is None:
            raise coded(NotFound, "segment_unknown", {"segment_id": str(segment_id)})
    errors: dict[str, str] = {}
    name = checked_name(session, errors, name, clients_repo.segment_by_name, segment, "segment")
    if team_id is not None and session.get(Team, team_id) is None:
        errors["team"] = f"no team {team_id}"
    try:
        parsed = parse_rules(rules)
    except InputInvalid as exc:
        errors.update(exc.details.get("fields", {}))
        parsed = []
    if errors:
        raise InputInvalid("the segment cannot be saved: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                           {"fields": errors})
    if segment is None:
        ordered = organization_repo.segments_in_order(session)
        segment = Segment(name=name, position=(max((s.position for s in ordered), default=-1) + 1))
        session.add(segment)
    segment.name, segment.rules, segment.team_id = name, parsed, team_id
    session.flush()
    session.refresh(segment)
    return segment


def move_segment(session: Session, actor: Actor, segment_id: int, offset: int) -> None:
    """Move a segment up (offset -1) or down (+1) in the order its rules apply."""
    require(actor, HEADS, "order segments")
    ordered = list(organization_repo.segments_in_order(session))
    index = next((i for i, s in enumerate(ordered) if s.id == segment_id), None)
    if index is None:
        raise coded(NotFound, "segment_unknown", {"segment_id": str(segment_id)})
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    for position, segment in enumerate(ordered):
        segment.position = position


def delete_segment(session: Session, actor: Actor, segment_id: int) -> None:
    require(actor, HEADS, "delete segments")
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise coded(NotFound, "segment_unknown", {"segment_id": str(segment_id)})
    count = organization_repo.clients_in_segment(session, segment_id)
    if count:
        raise coded(InputInvalid, "segment_has_clients", {"segment": repr(segment.name), "count": str(count)},
                    {"clients": count})
    session.delete(segment)
