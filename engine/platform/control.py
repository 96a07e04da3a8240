"""Contact norms, forgotten clients, incidents and failed timer jobs; the analytics of control
(dashboard, funnel, durations, loss reasons, managers, event logs), composed with motivation's plans."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from engine.control import compare as compare_rules
from engine.control import dashboard as dashboard_rules
from engine.control import durations as duration_rules
from engine.control import event_log
from engine.control import funnel as funnel_rules
from engine.control import heatmap as heatmap_rules
from engine.control import incidents as incident_rules
from engine.control import loss_reasons as loss_rules
from engine.control import managers as manager_rules
from engine.control import norms as norm_rules
from engine.control import variants as variant_rules
from engine.control.filters import Filters, scope
from engine.motivation import plans as plan_rules
from engine.platform.base import Service
from engine.regulation.reading import CycleView
from engine.regulation.version_reads import RegulationSummary
from engine.shared import periods
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import InputInvalid


@dataclass(frozen=True)
class FilterChoices:
    """What the control pages' filter form offers: regulations and segments, and to those who read
    everything the teams and (when figures per person are shown) the managers as (login, name)."""

    regulations: tuple[RegulationSummary, ...]
    segments: tuple[str, ...]
    teams: tuple[str, ...]
    managers: tuple[tuple[str, str], ...]


T = TypeVar("T")


@dataclass(frozen=True)
class ControlPage(Generic[T]):
    """A control page's one read: its figures and what its filter form offers."""

    figures: T
    choices: FilterChoices


class ControlService(Service):
    def page(self, actor: Actor, figures: Callable[[], T]) -> ControlPage[T]:
        """A control page in one read: ``figures`` (this service's reads, which join it) and the
        filter form's choices, from the same snapshot."""
        with self.query():
            return ControlPage(figures(), self.filter_choices(actor))

    def filter_choices(self, actor: Actor) -> FilterChoices:
        """The choices of the filter form, in one read."""
        p = self.platform
        with self.query():
            everyone = actor.reads_all
            teams = tuple(t.name for t in p.organization.team_list(actor)) if everyone else ()
            managers = tuple((a.login, a.name) for a in p.accounts.users()
                             if "manager" in a.roles) if everyone and self.person_figures else ()
            return FilterChoices(tuple(p.regulation.regulations()), tuple(p.clients.segments()), teams, managers)

    def norms(self) -> norm_rules.NormGrid:
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

    def incidents(self, actor: Actor) -> list[CycleView]:
        """Cycles in incident (head, admin)."""
        require(actor, HEADS, "see incidents")
        with self.query() as s:
            return incident_rules.incidents(s, actor)

    def failed_jobs(self, actor: Actor) -> list[incident_rules.FailedJob]:
        """Timer jobs that failed every attempt, with their last error (head, admin)."""
        require(actor, HEADS, "see incidents")
        with self.query() as s:
            return incident_rules.failed_jobs(s)

    # ---------------------------------------------------------------- analytics

    @property
    def person_figures(self) -> bool:
        """Whether figures of single people are given (REGLAMENT_PERSON_FIGURES)."""
        return self.platform.settings.person_figures

    def funnel(self, actor: Actor, filters: Filters) -> funnel_rules.Funnel:
        """The funnel by stage (engine.control.funnel): the head and analysts count every cycle,
        anyone else the cycles they manage."""
        with self.query() as s:
            return funnel_rules.funnel(s, actor, filters, self.person_figures)

    def cohorts(self, actor: Actor, filters: Filters) -> funnel_rules.Cohorts:
        with self.query() as s:
            return funnel_rules.cohorts(s, actor, filters, self.person_figures)

    def funnel_cycles(self, actor: Actor, filters: Filters, stage: str | None, part: str | None) -> funnel_rules.FunnelCycles:
        """The cycles behind one funnel figure."""
        with self.query() as s:
            return funnel_rules.funnel_cycles(s, actor, filters, self.person_figures, stage, part)

    def cohort_cycles(self, actor: Actor, filters: Filters, month: str | None, part: str | None) -> funnel_rules.CohortCycles:
        """The cycles behind one cohort figure."""
        with self.query() as s:
            return funnel_rules.cohort_cycles(s, actor, filters, self.person_figures, month, part)

    def event_log(self, actor: Actor, filters: Filters, fmt: str) -> tuple[str, str, event_log.Chunks]:
        """(content type, file extension, chunks: text, bytes for SQLite) of the event log of the cycles the actor may
        count with the filters (the period bounds their start). Filters are checked before the
        first chunk; the chunks read the history a page at a time."""
        if fmt not in event_log.FORMATS:
            raise InputInvalid(f"format must be one of {', '.join(event_log.FORMATS)}",
                               {"fields": {"format": "is not a known format"}})
        with self.query() as s:
            cycles = scope(s, actor, filters, self.person_figures, by_start=True)
        content_type, extension = event_log.FORMATS[fmt]
        return content_type, extension, event_log.stream(self.query, cycles, fmt, self.person_figures)

    # ---------------------------------------------------------------- the head's dashboard

    def dashboard(self, actor: Actor, filters: Filters) -> dashboard_rules.Dashboard:
        """The dashboard (engine.control.dashboard) with the revenue plan of the period's managers
        from motivation's sales plans (composed here: control and motivation are peers)."""
        now = self.platform.ctx.now()
        with self.query() as s:
            result = dashboard_rules.dashboard(s, actor, filters, self.person_figures, now)
            revenue: dict[str, Any] = {}
            names: dict[str, str] = {}
            key = result.period.plan_period
            if key is not None:
                people = [u for u in plan_rules.managers(s) if filters.manager in (None, u.login)]
                if not actor.reads_all:
                    people = [u for u in people if u.login == actor.login]
                names = {u.login: u.name for u in people}
                revenue = {login: t.revenue for login, t in plan_rules.targets(s, sorted(names), periods.parse(key)).items()}
            return dashboard_rules.with_plans(result, revenue, names, now)

    def dashboard_cycles(self, actor: Actor, filters: Filters, part: str | None, stage: str | None,
                         manager: str | None) -> dashboard_rules.DashboardCycles:
        """The cycles behind one dashboard figure."""
        with self.query() as s:
            return dashboard_rules.drill(s, actor, filters, self.person_figures, self.platform.ctx.now(), part,
                                         stage, manager)

    # ---------------------------------------------------------------- loss reasons

    def loss_reasons(self) -> list[loss_rules.LossReasonEntry]:
        with self.query() as s:
            return loss_rules.catalogue(s)

    def ensure_loss_reasons(self) -> int:
        with self.command() as s:
            return loss_rules.ensure_defaults(s)

    def save_loss_reason(self, actor: Actor, code: str, name: str, name_ru: str, active: bool = True) -> loss_rules.LossReasonEntry:
        with self.command() as s:
            return loss_rules.save(s, actor, code, name, name_ru, active)

    def choose_loss_reason(self, actor: Actor, cycle_id: int, reason_id: int | None) -> None:
        with self.command() as s:
            loss_rules.choose(s, actor, cycle_id, reason_id)

    def losses(self, actor: Actor, filters: Filters) -> loss_rules.LossReport:
        """Losses by reason (Pareto), stage and manager."""
        with self.query() as s:
            return loss_rules.report(s, actor, filters, self.person_figures)

    def lost_cycles(self, actor: Actor, filters: Filters, reason: str | None) -> loss_rules.LostCycles:
        with self.query() as s:
            return loss_rules.lost_cycles(s, actor, filters, self.person_figures, reason, dashboard_rules.DRILL_LIMIT)

    # ---------------------------------------------------------------- durations and managers

    def durations(self, actor: Actor, filters: Filters) -> duration_rules.Durations:
        """Time in stage, task times against their norms, Kaplan–Meier time to decision."""
        with self.query() as s:
            return duration_rules.durations(s, actor, filters, self.person_figures, self.platform.ctx.now())

    def managers(self, actor: Actor, filters: Filters) -> manager_rules.Managers:
        """Managers side by side, with their plan's revenue and activity targets (motivation plans)."""
        with self.query() as s:
            result = manager_rules.managers(s, actor, filters, self.person_figures, self.platform.ctx.now())
            key = result.period.plan_period
            revenue: dict[str, Any] = {}
            activities: dict[str, Any] = {}
            if key is not None:
                found = plan_rules.targets(s, [r.login for r in result.managers], periods.parse(key))
                revenue = {login: t.revenue for login, t in found.items()}
                activities = {login: dict(t.activities) for login, t in found.items()}
            return manager_rules.with_plans(result, revenue, activities)

    def variants(self, actor: Actor, filters: Filters) -> variant_rules.Variants:
        """The paths cycles took (engine.control.variants)."""
        with self.query() as s:
            return variant_rules.variants(s, actor, filters, self.person_figures, self.platform.ctx.now())

    def heatmap(self, actor: Actor, filters: Filters) -> heatmap_rules.HeatMap:
        """The heat map of a regulation version (engine.control.heatmap) with its gateways' branch shares."""
        with self.query() as s:
            return heatmap_rules.heatmap(s, actor, filters, self.person_figures, self.platform.ctx.now())

    def compare(self, actor: Actor, filters: Filters, before: int | None) -> compare_rules.Comparison:
        """A regulation version against an earlier one (engine.control.compare)."""
        with self.query() as s:
            return compare_rules.compare(s, actor, filters, self.person_figures, self.platform.ctx.now(), before)
