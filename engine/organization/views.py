"""Read models of the organization: segments, teams, absences, hand-overs, distribution decisions
and the pages that show them. Frozen: a page or an API answer reads them, nobody changes them.
``as_dict()`` is the JSON the API answers."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.clients.views import ClientView
from engine.organization.distribution import Decision
from engine.shared.access import Actor
from storage.models import Absence, Client, ClientEvent, Handover, Segment, Team, TeamMember, User


@dataclass(frozen=True)
class SegmentView:
    id: int
    name: str
    position: int
    #: the rules in order, each {field, op, value}; none: clients are put into it by hand
    rules: tuple[Mapping[str, Any], ...]
    team_id: int | None
    team: str | None

    @property
    def by_hand(self) -> bool:
        return not self.rules

    @classmethod
    def of(cls, segment: Segment) -> SegmentView:
        return cls(id=segment.id, name=segment.name, position=segment.position,
                   rules=tuple(dict(r) for r in segment.rules or []), team_id=segment.team_id,
                   team=segment.team.name if segment.team else None)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "position": self.position, "rules": [dict(r) for r in self.rules],
                "by_hand": self.by_hand, "team_id": self.team_id, "team": self.team}


@dataclass(frozen=True)
class MemberView:
    login: str
    name: str
    share: int
    cap: int | None
    position: int
    active: bool

    @classmethod
    def of(cls, member: TeamMember) -> MemberView:
        return cls(login=member.user.login, name=member.user.name, share=member.share, cap=member.cap,
                   position=member.position, active=member.user.active)

    def as_dict(self) -> dict[str, Any]:
        return {"login": self.login, "name": self.name, "share": self.share, "cap": self.cap,
                "position": self.position, "active": self.active}


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    strategy: str
    members: tuple[MemberView, ...]

    @classmethod
    def of(cls, team: Team) -> TeamView:
        return cls(id=team.id, name=team.name, strategy=team.strategy,
                   members=tuple(MemberView.of(m) for m in team.members))

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "strategy": self.strategy,
                "members": [m.as_dict() for m in self.members]}


@dataclass(frozen=True)
class AbsenceView:
    id: int
    login: str
    name: str
    kind: str
    starts_on: date
    ends_on: date
    note: str

    @classmethod
    def of(cls, absence: Absence) -> AbsenceView:
        return cls(id=absence.id, login=absence.user.login, name=absence.user.name, kind=absence.kind,
                   starts_on=absence.starts_on, ends_on=absence.ends_on, note=absence.note)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "login": self.login, "name": self.name, "kind": self.kind,
                "starts_on": self.starts_on.isoformat(), "ends_on": self.ends_on.isoformat(), "note": self.note}


@dataclass(frozen=True)
class HandoverView:
    id: int
    from_login: str | None
    from_name: str | None
    to_login: str | None
    to_name: str | None
    client_ids: tuple[int, ...]
    #: the names of the first five clients
    clients: tuple[str, ...]
    returns_at: datetime | None
    status: str  # done, temporary, returned
    reason: str
    created_by: str
    created_at: datetime

    @property
    def count(self) -> int:
        return len(self.client_ids)

    @classmethod
    def of(cls, handover: Handover, users: Mapping[int, User], names: Mapping[int, str] | None = None) -> HandoverView:
        names = names or {}
        old, new = users.get(handover.from_user_id), users.get(handover.to_user_id)
        return cls(id=handover.id, from_login=old.login if old else None, from_name=old.name if old else None,
                   to_login=new.login if new else None, to_name=new.name if new else None,
                   client_ids=tuple(handover.client_ids), clients=tuple(names[i] for i in handover.client_ids[:5] if i in names),
                   returns_at=handover.returns_at, status=handover.status, reason=handover.reason,
                   created_by=handover.created_by, created_at=handover.created_at)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "from": self.from_login, "from_name": self.from_name, "to": self.to_login,
                "to_name": self.to_name, "client_ids": list(self.client_ids), "count": self.count,
                "clients": list(self.clients), "returns_at": self.returns_at.isoformat() if self.returns_at else None,
                "status": self.status, "reason": self.reason, "created_by": self.created_by,
                "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class DistributedView:
    """A distribution decision as the client's event recorded it."""

    client_id: int
    client: str
    at: datetime
    actor: str | None
    owner: str | None
    reason: str | None
    data: Mapping[str, Any]

    @classmethod
    def of(cls, event: ClientEvent, client: str) -> DistributedView:
        data = dict(event.data or {})
        return cls(client_id=event.client_id, client=client, at=event.at, actor=event.actor,
                   owner=data.get("chosen"), reason=data.get("text"), data=data)

    def as_dict(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "client": self.client, "at": self.at.isoformat(), "actor": self.actor,
                "owner": self.owner, "reason": self.reason, "data": dict(self.data)}


@dataclass(frozen=True)
class SegmentsPage:
    segments: tuple[SegmentView, ...]
    teams: tuple[TeamView, ...]


@dataclass(frozen=True)
class TeamsPage:
    teams: tuple[TeamView, ...]
    #: the segments each team serves, by team id
    segments_of: Mapping[int, tuple[str, ...]]
    managers: tuple[Actor, ...]


@dataclass(frozen=True)
class AbsencesPage:
    absences: tuple[AbsenceView, ...]
    #: whom a head may record an absence for (empty for the others)
    people: tuple[Actor, ...]
    today: date


@dataclass(frozen=True)
class ClientChoice:
    id: int
    name: str
    segment: str | None

    @classmethod
    def of(cls, client: Client) -> ClientChoice:
        return cls(id=client.id, name=client.name, segment=client.segment.name if client.segment else None)


@dataclass(frozen=True)
class HandoverPage:
    handovers: tuple[HandoverView, ...]
    managers: tuple[Actor, ...]
    #: the clients of the manager chosen to hand over from (none chosen: empty)
    clients: tuple[ClientChoice, ...]


@dataclass(frozen=True)
class DistributionPage:
    unowned: int
    recent: tuple[DistributedView, ...]
    #: what a distribution just run decided (None when the page was only opened)
    decisions: tuple[Decision, ...] | None = None


def segments_of_teams(segments: Iterable[SegmentView]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for segment in segments:
        if segment.team_id:
            out.setdefault(segment.team_id, []).append(segment.name)
    return {team: tuple(names) for team, names in out.items()}


@dataclass(frozen=True)
class NewClient:
    """A client just created and, when it came without an owner, the distribution's decision."""

    client: ClientView
    distribution: Decision | None = None

    @property
    def id(self) -> int:
        return self.client.id

    def as_dict(self) -> dict[str, Any]:
        return {**self.client.as_dict(), "distribution": self.distribution.as_dict() if self.distribution else None}
