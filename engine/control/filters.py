"""The filters every analytics figure takes, and whose cycles an actor may count.

``from`` and ``to`` are dates, both included, in UTC. A regulation is named by its key, a
version by its number (with its regulation), a segment and a team by name, a manager by login.
Those who read everything (head, analyst, admin) count every cycle; anyone else only the cycles
they manage. A cycle's manager is the person it was credited to when it was decided, else its
client's owner now. With per-person figures switched off (REGLAMENT_PERSON_FIGURES=off) no
figure is given for one named manager.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.control import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, InputInvalid
from engine.shared.notices import coded
from storage.repositories import control as control_repo

#: the query-string names of the filters, in the order forms show them
NAMES = ("from", "to", "regulation", "version", "segment", "team", "manager")


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    regulation: str | None = None
    version: int | None = None
    segment: str | None = None
    team: str | None = None
    manager: str | None = None

    @classmethod
    def parse(cls, args: Mapping[str, Any]) -> Filters:
        """From query-string values (missing or empty: no filter); InputInvalid names each bad one."""
        errors: dict[str, str] = {}

        def text(name: str) -> str | None:
            value = args.get(name)
            return str(value).strip() or None if value is not None else None

        def day(name: str) -> date | None:
            raw = text(name)
            if raw is None:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors[name] = "must be a date like 2026-11-30"
                return None

        start, end = day("from"), day("to")
        if start and end and end < start:
            errors["to"] = "must not be before from"
        version = None
        raw_version = text("version")
        if raw_version is not None:
            if not raw_version.isdigit() or int(raw_version) < 1:
                errors["version"] = "must be a version number from 1"
            else:
                version = int(raw_version)
        regulation = text("regulation")
        if version is not None and regulation is None:
            errors["version"] = "needs the regulation it is a version of"
        if errors:
            raise InputInvalid("the filters are wrong: " + "; ".join(f"{k} {v}" for k, v in errors.items()),
                               {"fields": errors})
        return cls(start=start, end=end, regulation=regulation, version=version, segment=text("segment"),
                   team=text("team"), manager=text("manager") and str(text("manager")).lower())

    def as_args(self) -> dict[str, str]:
        """The filters as query-string values (only those given)."""
        values = {"from": self.start.isoformat() if self.start else None,
                  "to": self.end.isoformat() if self.end else None,
                  "regulation": self.regulation, "version": str(self.version) if self.version else None,
                  "segment": self.segment, "team": self.team, "manager": self.manager}
        return {k: v for k, v in values.items() if v}

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as [first moment, moment after the last day) in UTC."""
        start = datetime.combine(self.start, time(), UTC) if self.start else None
        end = datetime.combine(self.end + timedelta(days=1), time(), UTC) if self.end else None
        return start, end


def scope(session: Session, actor: Actor, filters: Filters, person_figures: bool,
          by_start: bool = False) -> control_repo.Scope:
    """The cycles the actor counts with these filters (``by_start``: the period bounds the
    cycles' start too)."""
    errors: dict[str, str] = {}
    manager_id = None
    if filters.manager is not None:
        if not person_figures:
            raise coded(Forbidden, "figures_person_off_setting", {})
        if not actor.reads_all and filters.manager != actor.login:
            raise coded(Forbidden, "figures_own_only", {"login": actor.login})
        manager_id = control_repo.user_id(session, filters.manager)
        if manager_id is None:
            errors["manager"] = f"no user {filters.manager!r}"
    if not actor.reads_all:
        manager_id = actor.id
    segment_id = team_id = None
    if filters.segment is not None:
        segment_id = control_repo.segment_id(session, filters.segment)
        if segment_id is None:
            errors["segment"] = f"no segment {filters.segment!r}"
    if filters.team is not None:
        team_id = control_repo.team_id(session, filters.team)
        if team_id is None:
            errors["team"] = f"no team {filters.team!r}"
    if errors:
        raise InputInvalid("the filters name nothing known: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                           {"fields": errors})
    found = control_repo.Scope(manager_id=manager_id, regulation=filters.regulation, version=filters.version,
                               segment_id=segment_id, team_id=team_id)
    if by_start:
        start, end = filters.bounds()
        found = replace(found, started_from=start, started_before=end)
    return found
