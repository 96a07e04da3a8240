"""Contact norms, forgotten clients, incidents and failed timer jobs."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.control import event_log
from engine.control import funnel as funnel_rules
from engine.control import norms as norm_rules
from engine.control.filters import Filters, scope
from engine.platform.base import Service
from engine.regulation import cycles
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import InputInvalid
from storage.repositories import jobs as jobs_repo


class ControlService(Service):
    def norms(self) -> dict[str, Any]:
        with self.query() as s:
            return norm_rules.grid(s)

    def save_norm(self, actor: Actor, stage: str, segment: str | None, max_days: Any) -> None:
        with self.command() as s:
            norm_rules.save(s, actor, stage, segment, max_days)

    def save_norms(self, actor: Actor, values: dict[tuple[str, str | None], str]) -> int:
        with self.command() as s:
            return norm_rules.save_grid(s, actor, values)

    def delete_norm(self, actor: Actor, norm_id: int) -> None:
        with self.command() as s:
            norm_rules.delete(s, actor, norm_id)

    def forgotten(self, actor: Actor) -> list[norm_rules.Forgotten]:
        """Clients past their contact norm: a manager's own, everyone's for heads and analysts."""
        with self.query() as s:
            return norm_rules.forgotten_clients(s, self.platform.ctx.now(), actor)

    def remind_forgotten(self) -> int:
        with self.command() as s:
            return norm_rules.remind_forgotten(s, self.platform.ctx.now())

    def incidents(self, actor: Actor) -> list[dict[str, Any]]:
        """Cycles in incident and timer jobs that failed every attempt (head, admin)."""
        require(actor, HEADS, "see incidents")
        with self.query() as s:
            return [cycles.cycle_dict(c) for c in cycles.list_cycles(s, actor, cycles.INCIDENT)]

    def failed_jobs(self, actor: Actor) -> list[dict[str, Any]]:
        """Timer jobs that failed every attempt, with their last error (head, admin)."""
        require(actor, HEADS, "see incidents")
        with self.query() as s:
            return [{"id": j.id, "cycle_id": j.cycle_id, "element_id": j.element_id, "due_at": j.due_at,
                     "attempts": j.attempts, "last_error": j.last_error} for j in jobs_repo.failed_jobs(s)]

    # ---------------------------------------------------------------- analytics

    @property
    def person_figures(self) -> bool:
        """Whether figures of single people are given (REGLAMENT_PERSON_FIGURES)."""
        return self.platform.settings.person_figures

    def funnel(self, actor: Actor, filters: Filters) -> dict[str, Any]:
        """The funnel by stage (engine.control.funnel): the head and analysts count every cycle,
        anyone else the cycles they manage."""
        with self.query() as s:
            return funnel_rules.funnel(s, actor, filters, self.person_figures)

    def cohorts(self, actor: Actor, filters: Filters) -> dict[str, Any]:
        with self.query() as s:
            return funnel_rules.cohorts(s, actor, filters, self.person_figures)

    def funnel_cycles(self, actor: Actor, filters: Filters, stage: str | None, part: str | None) -> dict[str, Any]:
        """The cycles behind one funnel figure."""
        with self.query() as s:
            return funnel_rules.funnel_cycles(s, actor, filters, self.person_figures, stage, part)

    def cohort_cycles(self, actor: Actor, filters: Filters, month: str | None, part: str | None) -> dict[str, Any]:
        """The cycles behind one cohort figure."""
        with self.query() as s:
            return funnel_rules.cohort_cycles(s, actor, filters, self.person_figures, month, part)

    def event_log(self, actor: Actor, filters: Filters, fmt: str) -> tuple[str, str, Iterator[str]]:
        """(content type, file extension, text chunks) of the event log of the cycles the actor may
        count with the filters (the period bounds their start). Filters are checked before the
        first chunk; the chunks read the history a page at a time."""
        if fmt not in event_log.FORMATS:
            raise InputInvalid(f"format must be one of {', '.join(event_log.FORMATS)}",
                               {"fields": {"format": "is not a known format"}})
        with self.query() as s:
            cycles = scope(s, actor, filters, self.person_figures, by_start=True)
        content_type, extension = event_log.FORMATS[fmt]
        return content_type, extension, event_log.stream(self.query, cycles, fmt, self.person_figures)
