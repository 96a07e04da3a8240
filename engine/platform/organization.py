"""Segments, teams, absences, distribution of clients and hand-over.

Reads return the frozen read models of engine.organization.views; each organization page is one
page-shaped read in one transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.users import to_actor
from engine.organization import absences, distribution, handover, segments, teams
from engine.organization.distribution import Decision
from engine.organization.views import (
    AbsencesPage,
    AbsenceView,
    ClientChoice,
    DistributedView,
    DistributionPage,
    HandoverPage,
    HandoverView,
    SegmentsPage,
    SegmentView,
    TeamsPage,
    TeamView,
    segments_of_teams,
)
from engine.platform.base import Service
from engine.shared.access import HEADS, READ_ALL, SELLERS, Actor, require
from storage.repositories import accounts as accounts_repo
from storage.repositories import organization as organization_repo


def _managers(session: Session) -> tuple[Actor, ...]:
    """Everyone who may own clients (managers, heads, admins), active or not, by login."""
    return tuple(a for a in (to_actor(u) for u in accounts_repo.users(session)) if a.has_any(SELLERS))


class OrganizationService(Service):
    # ------------------------------------------------------------------ segments
    def segment_list(self, actor: Actor) -> list[SegmentView]:
        """Segments in the order their rules apply (heads and analysts)."""
        require(actor, READ_ALL, "see the segment rules")
        with self.query() as s:
            return [SegmentView.of(x) for x in segments.list_segments(s)]

    def segments_page(self, actor: Actor) -> SegmentsPage:
        """The segments page: the segments in order and the teams a segment may go to."""
        with self.query():
            return SegmentsPage(segments=tuple(self.segment_list(actor)), teams=tuple(self.team_list(actor)))

    def save_segment(self, actor: Actor, segment_id: int | None, name: str, rules: Any,
                     team_id: int | None) -> SegmentView:
        with self.command() as s:
            return SegmentView.of(segments.save_segment(s, actor, segment_id, name, rules, team_id))

    def move_segment(self, actor: Actor, segment_id: int, offset: int) -> None:
        with self.command() as s:
            segments.move_segment(s, actor, segment_id, offset)

    def delete_segment(self, actor: Actor, segment_id: int) -> None:
        with self.command() as s:
            segments.delete_segment(s, actor, segment_id)

    # ------------------------------------------------------------------ teams
    def team_list(self, actor: Actor) -> list[TeamView]:
        require(actor, READ_ALL, "see the teams")
        with self.query() as s:
            return [TeamView.of(t) for t in teams.list_teams(s)]

    def teams_page(self, actor: Actor) -> TeamsPage:
        """The teams page: the teams, the segments each serves, the people who may be members."""
        with self.query() as s:
            listed = tuple(self.team_list(actor))
            return TeamsPage(teams=listed, segments_of=segments_of_teams(self.segment_list(actor)),
                             managers=_managers(s))

    def save_team(self, actor: Actor, team_id: int | None, name: str, strategy: str,
                  members: list[dict[str, Any]]) -> TeamView:
        with self.command() as s:
            return TeamView.of(teams.save_team(s, actor, team_id, name, strategy, members))

    def delete_team(self, actor: Actor, team_id: int) -> None:
        with self.command() as s:
            teams.delete_team(s, actor, team_id)

    # ------------------------------------------------------------------ absences
    def absence_list(self, actor: Actor) -> list[AbsenceView]:
        """Current, coming and recent absences: everyone's for heads and analysts, else one's own."""
        with self.query() as s:
            today = self.platform.ctx.now().date()
            return [AbsenceView.of(a) for a in absences.list_absences(s, actor, today)]

    def absences_page(self, actor: Actor) -> AbsencesPage:
        """The absences page: the absences listed, whom a head may record one for, and today."""
        with self.query() as s:
            return AbsencesPage(absences=tuple(self.absence_list(actor)),
                                people=_managers(s) if actor.has_any(HEADS) else (),
                                today=self.platform.ctx.now().date())

    def add_absence(self, actor: Actor, login: str | None, kind: str, starts_on: Any, ends_on: Any,
                    note: str | None = None) -> AbsenceView:
        with self.command() as s:
            return AbsenceView.of(absences.add_absence(s, actor, login, kind, starts_on, ends_on, note))

    def delete_absence(self, actor: Actor, absence_id: int) -> None:
        with self.command() as s:
            absences.delete_absence(s, actor, absence_id)

    # ------------------------------------------------------------------ distribution
    def unowned_count(self, actor: Actor) -> int:
        require(actor, READ_ALL, "see unowned clients")
        with self.query() as s:
            return organization_repo.count_unowned_clients(s)

    def distribute(self, actor: Actor, client_ids: list[int] | None = None) -> list[Decision]:
        """Distribute the given clients, or every unowned one, by the rules (head)."""
        with self.command() as s:
            return distribution.distribute(s, actor, client_ids, self.platform.ctx.now())

    def recent_distributions(self, actor: Actor, limit: int = 50) -> list[DistributedView]:
        with self.query() as s:
            return [DistributedView.of(event, name) for event, name in distribution.recent(s, actor, limit)]

    def distribution_page(self, actor: Actor, decisions: list[Decision] | None = None) -> DistributionPage:
        """The distribution page: how many clients wait for a manager and the latest decisions
        (with ``decisions``, those of the distribution just run)."""
        with self.query():
            return DistributionPage(unowned=self.unowned_count(actor), recent=tuple(self.recent_distributions(actor)),
                                    decisions=None if decisions is None else tuple(decisions))

    # ------------------------------------------------------------------ hand-over
    def hand_over(self, actor: Actor, from_login: str | None, to_login: str | None,
                  client_ids: list[int] | None, returns_at: datetime | None, reason: str | None) -> HandoverView:
        """Move clients (all of a manager's when ``client_ids`` is None) to another manager,
        for good or until ``returns_at`` (head)."""
        with self.command() as s:
            moved = handover.hand_over(s, self.platform.specs, actor, from_login, to_login, client_ids, returns_at,
                                       reason, self.platform.ctx.now())
            return HandoverView.of(moved, {u.id: u for u in accounts_repo.users(s)})

    def return_handover(self, actor: Actor, handover_id: int) -> None:
        with self.command() as s:
            handover.return_now(s, self.platform.specs, actor, handover_id, self.platform.ctx.now())

    def return_due_handovers(self) -> int:
        """Temporary hand-overs whose time has come go back (the worker's sweep)."""
        with self.command() as s:
            return handover.return_due(s, self.platform.ctx.now(), self.platform.specs)

    def handover_list(self, actor: Actor) -> list[HandoverView]:
        with self.query() as s:
            return handover.list_handovers(s, actor)

    def portfolio(self, actor: Actor, login: str) -> list[ClientChoice]:
        """A manager's clients, to choose which to hand over (heads and analysts)."""
        with self.query() as s:
            return [ClientChoice.of(c) for c in handover.portfolio(s, actor, login)]

    def handover_page(self, actor: Actor, from_login: str | None) -> HandoverPage:
        """The hand-over page: past hand-overs, the managers, the chosen manager's clients."""
        with self.query() as s:
            return HandoverPage(handovers=tuple(self.handover_list(actor)), managers=_managers(s),
                                clients=tuple(self.portfolio(actor, from_login)) if from_login else ())
