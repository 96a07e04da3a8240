"""Due and planned work, My plan, plans of the week, ad-hoc contacts, calendar feed."""
from __future__ import annotations

from datetime import datetime

from engine.accounts import users as accounts
from engine.planning import agenda as planning
from engine.planning import calendar_feed
from engine.planning import contacts as activities
from engine.planning.views import (
    ActivityView,
    ClientWork,
    FulfilmentReport,
    PlanEntry,
    PlanPage,
    PlansOverview,
    PlansPage,
)
from engine.platform.base import Service
from engine.regulation.reading import TaskView
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid


class PlanningService(Service):
    def rotate_calendar(self, actor: Actor) -> str:
        """A new calendar feed token (the old URL stops working)."""
        with self.command() as s:
            user = accounts.rotate_calendar(s, actor)
            return calendar_feed.token(self.platform.secret_key, user.id, user.calendar_salt)

    def calendar_feed(self, user_id: int, token: str, base_url: str) -> str:
        """The user's calendar (iCalendar text); NotFound unless the token is their current one."""
        with self.query() as s:
            return calendar_feed.feed(s, self.platform.secret_key, user_id, token, base_url, self.platform.ctx.now())

    def plan_task(self, actor: Actor, task_id: str, planned_at: datetime | None) -> None:
        with self.command() as s:
            planning.plan_task(s, self.platform.ctx, actor, task_id, planned_at)

    def my_plan(self, actor: Actor) -> dict[str, list[TaskView]]:
        with self.query() as s:
            return planning.my_plan(s, self.platform.ctx, actor)

    def plans_overview(self, actor: Actor) -> PlansOverview:
        with self.query() as s:
            return planning.plans_overview(s, self.platform.ctx, actor)

    def agenda(self, actor: Actor) -> dict[str, list[PlanEntry]]:
        """My plan: open tasks and planned contacts by section, in the actor's days."""
        with self.query() as s:
            return planning.agenda(s, self.platform.ctx, actor)

    def fulfilment(self, actor: Actor, period: str | None = None, start: str | None = None,
                   end: str | None = None, only_self: bool = False) -> FulfilmentReport:
        """Plan fulfilment in a period (week, month, custom from-to): every manager's for heads."""
        with self.query() as s:
            return planning.fulfilment_report(s, self.platform.ctx, actor, period, start, end, only_self)

    def _fulfilment_or_week(self, actor: Actor, period: str | None, start: str | None, end: str | None,
                            only_self: bool) -> tuple[FulfilmentReport, bool]:
        """The fulfilment of the period asked for, or of this week when it is not valid (True)."""
        try:
            return self.fulfilment(actor, period, start, end, only_self), False
        except InputInvalid:
            return self.fulfilment(actor, only_self=only_self), True

    def plan_page(self, actor: Actor, period: str | None = None, start: str | None = None,
                  end: str | None = None) -> PlanPage:
        """My plan, with the actor's own fulfilment of the period, in one read."""
        with self.query():
            report, refused = self._fulfilment_or_week(actor, period, start, end, True)
            return PlanPage(agenda=self.agenda(actor), fulfilment=report, period_refused=refused,
                            now=self.platform.ctx.now())

    def plans_page(self, actor: Actor, period: str | None = None, start: str | None = None,
                   end: str | None = None) -> PlansPage:
        """Every manager's week and plan fulfilment (heads), in one read."""
        with self.query():
            overview = self.plans_overview(actor)
            report, refused = self._fulfilment_or_week(actor, period, start, end, False)
            return PlansPage(overview=overview, fulfilment=report, period_refused=refused)

    def plan_contact(self, actor: Actor, client_id: int, work_type: str | None, planned_at: datetime | None,
                     note: str | None = None, assignee: str | None = None) -> ActivityView:
        with self.command() as s:
            return ActivityView.of(activities.plan(s, actor, client_id, work_type, planned_at, note,
                                                   self.platform.ctx.now(), assignee))

    def reschedule_contact(self, actor: Actor, activity_id: int, planned_at: datetime | None) -> ActivityView:
        with self.command() as s:
            return ActivityView.of(activities.reschedule(s, actor, activity_id, planned_at, self.platform.ctx.now()))

    def cancel_contact(self, actor: Actor, activity_id: int) -> ActivityView:
        with self.command() as s:
            return ActivityView.of(activities.cancel(s, actor, activity_id))

    def contact_done(self, actor: Actor, activity_id: int, result: str | None) -> ActivityView:
        with self.command() as s:
            return ActivityView.of(activities.mark_done(s, actor, activity_id, result, self.platform.ctx.now()))

    def client_work(self, actor: Actor, client_id: int) -> ClientWork:
        """A client's planned contacts, its done-work log (newest first), may the actor plan."""
        with self.query() as s:
            return activities.of_client(s, actor, client_id)
