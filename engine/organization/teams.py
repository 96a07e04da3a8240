"""Teams: the managers new clients of a segment are distributed among, how (the strategy),
each member's share (weight) and cap (most active clients)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from engine.organization import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.access import HEADS, SELLERS, Actor, require
from engine.shared.errors import InputInvalid, NotFound
from engine.shared.notices import coded
from storage.models import Team, TeamMember
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo
from storage.repositories import organization as organization_repo

#: round_robin: in member order, skipping who is away; weighted: smooth weighted round robin
#: by share; least_loaded: the member with the fewest active clients; manual: nobody, the head
#: gives clients by hand
STRATEGIES = ("round_robin", "weighted", "least_loaded", "manual")
STRATEGY_TEXT = {"round_robin": "round robin", "weighted": "weighted", "least_loaded": "least loaded",
                 "manual": "manual"}
MAX_SHARE = 100
MAX_MEMBERS = 50


def list_teams(session: Session) -> list[Team]:
    return list(organization_repo.teams(session))


def checked_name(session: Session, errors: dict[str, str], name: str | None,
                 by_name: Callable[[Session, str], Any], current: Any, kind: str) -> str:
    """``name`` stripped; what is wrong with it (missing, too long, another ``kind``'s, as
    ``by_name`` finds) goes into ``errors["name"]``. ``current`` is the one being changed."""
    name = (name or "").strip()
    if not name:
        errors["name"] = "is required"
    elif len(name) > 100:
        errors["name"] = "must be at most 100 characters"
    else:
        same = by_name(session, name)
        if same is not None and same is not current:
            errors["name"] = f"a {kind} named {name!r} exists already"
    return name


def _whole(value: Any, low: int, high: int | None) -> int | None:
    """A whole number in [low, high], from an int or its text; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.lstrip("-").isdigit():
            return None
        value = int(value)
    if not isinstance(value, int) or value < low or (high is not None and value > high):
        return None
    return value


def save_team(session: Session, actor: Actor, team_id: int | None, name: str, strategy: str,
              members: list[Any]) -> Team:
    """Create or change a team. ``members`` in order: {"login", "share" (1 by default),
    "cap" (none by default)}. Changing the strategy starts everyone's turns afresh."""
    require(actor, HEADS, "define teams")
    team = None
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None:
            raise coded(NotFound, "team_unknown", {"team_id": str(team_id)})
    errors: dict[str, str] = {}
    name = checked_name(session, errors, name, organization_repo.team_by_name, team, "team")
    strategy = (strategy or "").strip()
    if strategy not in STRATEGIES:
        errors["strategy"] = f"must be one of {', '.join(STRATEGIES)}"
    if not isinstance(members, list):
        raise coded(InputInvalid, "team_members_shape", {}, {"fields": {"members": "must be a list"}})
    if len(members) > MAX_MEMBERS:
        errors["members"] = f"at most {MAX_MEMBERS} members"
    logins = [str((m or {}).get("login") or "").strip().lower() for m in members if isinstance(m, dict)]
    users = accounts_repo.users_by_logins(session, [x for x in logins if x])
    wanted: list[tuple[int, int, int | None]] = []  # user id, share, cap
    seen: set[str] = set()
    for number, member in enumerate(members[:MAX_MEMBERS], start=1):
        where = f"members.{number}"
        if not isinstance(member, dict):
            errors[where] = "must be an object with login, share and cap"
            continue
        login = str(member.get("login") or "").strip().lower()
        user = users.get(login)
        if not login:
            errors[f"{where}.login"] = "is required"
        elif user is None:
            errors[f"{where}.login"] = f"no user {login!r}"
        elif not (user.role_set & SELLERS) or not user.active:
            errors[f"{where}.login"] = f"{login} is not an active manager"
        elif login in seen:
            errors[f"{where}.login"] = f"{login} is in the team twice"
        seen.add(login)
        raw_share = member.get("share")
        share = 1 if raw_share in (None, "") else _whole(raw_share, 1, MAX_SHARE)
        if share is None:
            errors[f"{where}.share"] = f"must be a whole number from 1 to {MAX_SHARE}"
        raw_cap = member.get("cap")
        cap = None if raw_cap in (None, "") else _whole(raw_cap, 0, None)
        if raw_cap not in (None, "") and cap is None:
            errors[f"{where}.cap"] = "must be a whole number, 0 or more (empty: no cap)"
        if user is not None and share is not None:
            wanted.append((user.id, share, cap))
    if errors:
        raise InputInvalid("the team cannot be saved: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                           {"fields": errors})
    if team is None:
        team = Team(name=name, strategy=strategy)
        session.add(team)
        session.flush()
    fresh = team.strategy != strategy
    team.name, team.strategy = name, strategy
    existing = {m.user_id: m for m in team.members}
    kept: list[TeamMember] = []
    for position, (user_id, share, cap) in enumerate(wanted):
        seat = existing.pop(user_id, None) or TeamMember(team_id=team.id, user_id=user_id, credit=0)
        seat.position, seat.share, seat.cap = position, share, cap
        if fresh:
            seat.credit = 0
        kept.append(seat)
    team.members = kept  # members left out are deleted (delete-orphan)
    session.flush()
    session.refresh(team)
    return team


def delete_team(session: Session, actor: Actor, team_id: int) -> None:
    """Delete a team; its segments are left without one (their new clients wait for the head)."""
    require(actor, HEADS, "delete teams")
    team = session.get(Team, team_id)
    if team is None:
        raise coded(NotFound, "team_unknown", {"team_id": str(team_id)})
    schemes = motivation_repo.scheme_names_of_team(session, team_id)
    if schemes:  # deleting it would make those versions everyone's (their team_id set to NULL)
        raise coded(InputInvalid, "team_has_schemes", {"team": repr(team.name), "schemes": ", ".join(schemes)},
                    {"schemes": schemes})
    for segment in organization_repo.segments_in_order(session):
        if segment.team_id == team_id:
            segment.team_id = None
    session.delete(team)
