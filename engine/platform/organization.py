"""Segments, teams, absences, distribution of clients and hand-over."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.organization import absences, distribution, handover, segments, teams
from engine.platform.base import Service
from engine.shared.access import READ_ALL, Actor, require
from storage.models import Client
from storage.repositories import accounts as accounts_repo
from storage.repositories import organization as organization_repo


class OrganizationService(Service):
    def segment_list(self, actor: Actor) -> list[dict[str, Any]]:
        """Segments in the order their rules apply (heads and analysts)."""
        require(actor, READ_ALL, "see the segment rules")
        with self.query() as s:
            return [segments.segment_dict(x) for x in segments.list_segments(s)]

    def save_segment(self, actor: Actor, segment_id: int | None, name: str, rules: Any,
                     team_id: int | None) -> dict[str, Any]:
        with self.command() as s:
            return segments.segment_dict(segments.save_segment(s, actor, segment_id, name, rules, team_id))

    def move_segment(self, actor: Actor, segment_id: int, offset: int) -> None:
        with self.command() as s:
            segments.move_segment(s, actor, segment_id, offset)

    def delete_segment(self, actor: Actor, segment_id: int) -> None:
        with self.command() as s:
            segments.delete_segment(s, actor, segment_id)

    def team_list(self, actor: Actor) -> list[dict[str, Any]]:
        require(actor, READ_ALL, "see the teams")
        with self.query() as s:
            return [teams.team_dict(t) for t in teams.list_teams(s)]

    def save_team(self, actor: Actor, team_id: int | None, name: str, strategy: str,
                  members: list[dict[str, Any]]) -> dict[str, Any]:
        with self.command() as s:
            return teams.team_dict(teams.save_team(s, actor, team_id, name, strategy, members))

    def delete_team(self, actor: Actor, team_id: int) -> None:
        with self.command() as s:
            teams.delete_team(s, actor, team_id)

    def absence_list(self, actor: Actor) -> list[dict[str, Any]]:
        """Current, coming and recent absences: everyone's for heads and analysts, else one's own."""
        with self.query() as s:
            today = self.platform.ctx.now().date()
            return [absences.absence_dict(a) for a in absences.list_absences(s, actor, today)]

    def add_absence(self, actor: Actor, login: str | None, kind: str, starts_on: Any, ends_on: Any,
                    note: str | None = None) -> dict[str, Any]:
        with self.command() as s:
            return absences.absence_dict(absences.add_absence(s, actor, login, kind, starts_on, ends_on, note))

    def delete_absence(self, actor: Actor, absence_id: int) -> None:
        with self.command() as s:
            absences.delete_absence(s, actor, absence_id)

    def unowned_count(self, actor: Actor) -> int:
        require(actor, READ_ALL, "see unowned clients")
        with self.query() as s:
            return organization_repo.count_unowned_clients(s)

    def distribute(self, actor: Actor, client_ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Distribute the given clients, or every unowned one, by the rules (head)."""
        with self.command() as s:
            return [d.as_dict() for d in distribution.distribute(s, actor, client_ids, self.platform.ctx.now())]

    def recent_distributions(self, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
        with self.query() as s:
            return distribution.recent(s, actor, limit)

    def hand_over(self, actor: Actor, from_login: str | None, to_login: str | None,
                  client_ids: list[int] | None, returns_at: datetime | None, reason: str | None) -> dict[str, Any]:
        """Move clients (all of a manager's when ``client_ids`` is None) to another manager,
        for good or until ``returns_at`` (head)."""
        with self.command() as s:
            moved = handover.hand_over(s, self.platform.specs, actor, from_login, to_login, client_ids, returns_at,
                                       reason, self.platform.ctx.now())
            return handover.handover_dict(moved, {u.id: u for u in accounts_repo.users(s)})

    def return_handover(self, actor: Actor, handover_id: int) -> None:
        with self.command() as s:
            handover.return_now(s, self.platform.specs, actor, handover_id, self.platform.ctx.now())

    def return_due_handovers(self) -> int:
        """Temporary hand-overs whose time has come go back (the worker's sweep)."""
        with self.command() as s:
            return handover.return_due(s, self.platform.ctx.now(), self.platform.specs)

    def handover_list(self, actor: Actor) -> list[dict[str, Any]]:
        with self.query() as s:
            return handover.list_handovers(s, actor)

    def portfolio(self, actor: Actor, login: str) -> list[Client]:
        with self.query() as s:
            return handover.portfolio(s, actor, login)
