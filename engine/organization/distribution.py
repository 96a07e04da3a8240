"""Distribution of new clients with no owner among managers (issue 5).

Interface used by client creation (UI, API) and imports:

    distribute_new(session, now, actor_login, clients) -> list[Decision]

assigns an owner to each given client that has none, by the rules in order, records every
decision with its reason as a client event ("distributed"), tells the new owners, and returns
the decisions. The head can run it on demand for unowned clients: ``distribute``.

The rules, in order:

1. the client's segment; a client with none gets the first segment whose rules match
   (engine.segments). No segment, or a segment with no team: left unowned ("manual").
2. the segment's team and its strategy. Inside a team a member is unavailable, and skipped by
   every strategy, while inactive, away (engine.absences: judged by the day where he lives) or
   at his cap of active clients (a lead or prospect, or any client with an active cycle).
   The strategies are pure functions (engine.organization.strategies):
   - round_robin: the turn goes round in member order; unavailable members lose the turns
     that come to them while away. ``TeamMember.credit`` holds the team's lead number each
     member last received, so the next turn is the first available member after the one
     with the highest. Someone who comes back waits for his normal turn: no catch-up burst.
   - weighted: smooth weighted round robin by share (each available member's credit grows by
     his share, the highest credit takes the client and gives back the total of the available
     shares). Unavailable members neither earn credit nor keep it: it is set to 0 while
     they are away, so on their return they start level, again without a burst.
   - least_loaded: the available member with the fewest active clients (ties: member order).
   - manual: nobody; the head gives the clients by hand.
   Nobody available: left unowned, with the reason.

Concurrency: the teams are read and their turns taken under a row lock on PostgreSQL
(``SELECT ... FOR UPDATE``, in team id order); SQLite serialises writers by its write
transaction. Two simultaneous distributions therefore never take the same turn.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.notify.notifications import Note, notify
from engine.organization import (
    absences,
    error_texts,  # noqa: F401  (registers the codes raised here)
)
from engine.organization import segments as segment_rules
from engine.organization.strategies import STRATEGIES, Seat
from engine.organization.teams import STRATEGY_TEXT
from engine.shared.access import HEADS, READ_ALL, Actor, require
from engine.shared.errors import InputInvalid, NotFound
from engine.shared.notices import coded
from storage.models import Client, ClientEvent, Team, TeamMember, User, utcnow
from storage.repositories import clients as clients_repo
from storage.repositories import organization as organization_repo

#: decision.data["rule"]: what decided
ASSIGNED, NO_SEGMENT, NO_TEAM, MANUAL, NO_MEMBERS, NOBODY, OWNED = (
    "assigned", "no_segment", "no_team", "manual", "no_members", "nobody_available", "owned")
ABSENCE_TEXT = {"vacation": "vacation", "sick": "sick leave", "other": "away"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Decision:
    client_id: int
    owner: str | None  # the login given the client, None when left for manual distribution
    reason: str  # e.g. "team Retail, round robin; skipped boris (vacation until 3 Dec)"
    #: the same, structured: rule, segment, team, strategy, chosen, skipped [{login, why...}]
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def client(self) -> str | None:
        """The client's name."""
        return self.data.get("client")

    def as_dict(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "client": self.client, "owner": self.owner,
                "reason": self.reason, "data": self.data}


def distribute_new(session: Session, now: datetime, actor_login: str | None,
                   clients: list[Client]) -> list[Decision]:
    todo = [c for c in clients if c.owner_id is None and c.merged_into_id is None]
    if not todo:
        return []
    if any(c.id is None for c in todo):
        session.flush()  # the decisions name the clients by id
    ordered = list(organization_repo.segments_in_order(session))
    by_rules = segment_rules.classify(session, todo, ordered)
    segments = {s.id: s for s in ordered}
    teams = organization_repo.teams_for_update(session, sorted({
        s.team_id for c in todo if (s := segments.get(c.segment_id or 0)) is not None and s.team_id}))
    members = [m for t in teams.values() for m in t.members]
    users = {m.user_id: m.user for m in members}
    away = absences.away_at(session, list(users.values()), now)
    loads = organization_repo.active_client_counts(session, list(users))
    decisions: list[Decision] = []
    for client in todo:
        segment = segments.get(client.segment_id or 0)
        data: dict[str, Any] = {
            "client": client.name, "segment": segment.name if segment else None,
            "segment_id": segment.id if segment else None, "segment_by_rules": client.id in by_rules,
            "team": None, "team_id": None, "strategy": None, "chosen": None, "skipped": []}
        team = teams.get(segment.team_id) if segment is not None and segment.team_id else None
        chosen: TeamMember | None = None
        if segment is None:
            data["rule"] = NO_SEGMENT
        elif team is None:
            data["rule"] = NO_TEAM
        else:
            data.update(team=team.name, team_id=team.id, strategy=team.strategy)
            if team.strategy == "manual":
                data["rule"] = MANUAL
            elif not team.members:
                data["rule"] = NO_MEMBERS
            else:
                chosen, data["skipped"] = _choose(team, away, loads, now)
                data["rule"] = ASSIGNED if chosen is not None else NOBODY
        owner: User | None = None
        if chosen is not None:
            owner = users[chosen.user_id]
            loads[owner.id] = loads.get(owner.id, 0) + 1
            client.owner_id, client.owner = owner.id, owner
            data["chosen"] = owner.login
        data["text"] = reason_text(data, now.date())
        decisions.append(Decision(client.id, owner.login if owner else None, data["text"], data))
    session.flush()
    clients_repo.add_client_events(session, [{"client_id": d.client_id, "at": now, "type": "distributed",
                                      "actor": actor_login, "data": d.data} for d in decisions])
    _tell_owners(session, decisions, actor_login, now)
    return decisions


def distribute(session: Session, actor: Actor, client_ids: Sequence[int] | None = None,
               now: datetime | None = None) -> list[Decision]:
    """The head distributes the given clients, or all unowned ones, now. Given clients that
    already have an owner are answered with "owned" and left as they are (no event)."""
    require(actor, HEADS, "distribute clients")
    now = now or utcnow()
    if client_ids is None:
        return distribute_new(session, now, actor.login, list(organization_repo.unowned_clients(session)))
    if not isinstance(client_ids, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in client_ids):
        raise coded(InputInvalid, "distribution_client_ids", {},
                    {"fields": {"client_ids": "must be a list of integers"}})
    found = {c.id: c for c in organization_repo.clients_by_ids(session, list(dict.fromkeys(client_ids)))}
    missing = [i for i in client_ids if i not in found]
    if missing:
        raise coded(NotFound, "distribution_clients_unknown", {"client_ids": ", ".join(map(str, missing))}, {"client_ids": missing})
    owned = [Decision(c.id, c.owner.login, f"already owned by {c.owner.login}",
                      {"client": c.name, "rule": OWNED, "chosen": c.owner.login,
                       "text": f"already owned by {c.owner.login}"})
             for c in found.values() if c.owner is not None]
    return distribute_new(session, now, actor.login, [c for c in found.values() if c.owner is None]) + owned


def recent(session: Session, actor: Actor, limit: int = 50) -> list[tuple[ClientEvent, str]]:
    """The latest distribution decisions (the client's event and name), newest first (heads and analysts)."""
    require(actor, READ_ALL, "see distribution decisions")
    return [(e, name) for e, name in clients_repo.recent_client_events(session, "distributed", limit)]


# ---------------------------------------------------------------- choosing inside a team

def _unavailable(member: TeamMember, away: dict[int, absences.Away],
                 loads: dict[int, int]) -> dict[str, Any] | None:
    user = member.user
    if not user.active:
        return {"login": user.login, "why": "inactive"}
    gone = away.get(user.id)
    if gone is not None:
        return {"login": user.login, "why": "absent", "kind": gone.kind, "until": gone.until.isoformat()}
    if member.cap is not None and loads.get(user.id, 0) >= member.cap:
        return {"login": user.login, "why": "cap", "cap": member.cap}
    return None


def _choose(team: Team, away: dict[int, absences.Away], loads: dict[int, int],
            now: datetime) -> tuple[TeamMember | None, list[dict[str, Any]]]:
    """The member the team's strategy (engine.organization.strategies) gives the client to, and
    why the members it passed over were unavailable; the members' credits are updated."""
    members = sorted(team.members, key=lambda m: (m.position, m.user_id))
    why = {m.user_id: _unavailable(m, away, loads) for m in members}
    seats = [Seat(m.user_id, m.credit, m.share, loads.get(m.user_id, 0), why[m.user_id] is None) for m in members]
    turn = STRATEGIES[team.strategy](seats)
    for member in members:
        member.credit = turn.credits[member.user_id]
    chosen = next((m for m in members if m.user_id == turn.chosen), None)
    return chosen, [w for user_id in turn.passed if (w := why[user_id]) is not None]


# ---------------------------------------------------------------- reasons

def short_date(day: date, today: date) -> str:
    """3 Dec (with the year when it is not this year's)."""
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def skipped_text(item: dict[str, Any], today: date) -> str:
    login = item.get("login")
    if item.get("why") == "absent":
        until = date.fromisoformat(item["until"])
        kind = ABSENCE_TEXT.get(item.get("kind") or "", "away")
        return f"{login} ({kind} until {short_date(until, today)})"
    if item.get("why") == "cap":
        return f"{login} (at the cap of {item.get('cap')} active clients)"
    return f"{login} (inactive)"


def reason_text(data: dict[str, Any], today: date) -> str:
    """The decision in English (the UI renders ``data`` in the reader's language)."""
    rule = data.get("rule")
    if rule == NO_SEGMENT:
        return "no segment's rules match the client; left for manual distribution"
    segment = f"segment {data['segment']}" + (" (by its rules)" if data.get("segment_by_rules") else "")
    if rule == NO_TEAM:
        return f"{segment} has no team; left for manual distribution"
    team = f"team {data['team']}"
    if rule == MANUAL:
        return f"{segment}, {team} distributes by hand; left for manual distribution"
    if rule == NO_MEMBERS:
        return f"{segment}, {team} has no members; left for manual distribution"
    strategy = STRATEGY_TEXT.get(data.get("strategy") or "", data.get("strategy"))
    skipped = "; skipped " + ", ".join(skipped_text(s, today) for s in data.get("skipped", [])) \
        if data.get("skipped") else ""
    if rule == NOBODY:
        return f"{segment}, {team}, {strategy}: nobody available{skipped}; left for manual distribution"
    return f"{segment}, {team}, {strategy}: {data.get('chosen')}{skipped}"


def _tell_owners(session: Session, decisions: list[Decision], actor_login: str | None, now: datetime) -> None:
    """One notification per new owner: the client, or how many clients this run gave him."""
    given: dict[str, list[Decision]] = {}
    for decision in decisions:
        if decision.owner and decision.owner != actor_login:
            given.setdefault(decision.owner, []).append(decision)
    notes = []
    for login, mine in given.items():
        first = mine[0]
        key = f"client_assigned:{first.client_id}:{now.isoformat()}"
        if len(mine) == 1:
            client = first.data.get("client")
            notes.append(Note(login, "client_assigned", key, f"New client: {client}", f"/clients/{first.client_id}",
                              {"client": client, "client_id": first.client_id, "count": 1,
                               "reason": first.reason}))
        else:
            notes.append(Note(login, "client_assigned", key, f"{len(mine)} new clients", "/clients",
                              {"count": len(mine), "client_ids": [d.client_id for d in mine][:200]}))
    notify(session, notes, now)
