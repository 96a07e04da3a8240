"""Due and planned work, My plan, plans of the week, ad-hoc contacts, calendar feed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.accounts import users as accounts
from engine.planning import agenda as planning
from engine.planning import calendar_feed
from engine.planning import contacts as activities
from engine.platform.base import Service
from engine.shared.access import Actor
from storage.models import OpenTask


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

    def my_plan(self, actor: Actor) -> dict[str, list[OpenTask]]:
        with self.query() as s:
            return planning.my_plan(s, self.platform.ctx, actor)

    def plans_overview(self, actor: Actor) -> dict[str, Any]:
        with self.query() as s:
            return planning.plans_overview(s, self.platform.ctx, actor)

    def agenda(self, actor: Actor) -> dict[str, list[planning.PlanEntry]]:
        """My plan: open tasks and planned contacts by section, in the actor's days."""
        with self.query() as s:
            return planning.agenda(s, self.platform.ctx, actor)

    def fulfilment(self, actor: Actor, period: str | None = None, start: str | None = None,
                   end: str | None = None, only_self: bool = False) -> dict[str, Any]:
        """Plan fulfilment in a period (week, month, custom from-to): every manager's for heads."""
        with self.query() as s:
            return planning.fulfilment_report(s, self.platform.ctx, actor, period, start, end, only_self)

    def plan_contact(self, actor: Actor, client_id: int, work_type: str | None, planned_at: datetime | None,
                     note: str | None = None, assignee: str | None = None) -> dict[str, Any]:
        with self.command() as s:
            return activities.activity_dict(activities.plan(s, actor, client_id, work_type, planned_at, note,
                                                            self.platform.ctx.now(), assignee))

    def reschedule_contact(self, actor: Actor, activity_id: int, planned_at: datetime | None) -> dict[str, Any]:
        with self.command() as s:
            return activities.activity_dict(activities.reschedule(s, actor, activity_id, planned_at,
                                                                  self.platform.ctx.now()))

    def cancel_contact(self, actor: Actor, activity_id: int) -> dict[str, Any]:
        with self.command() as s:
            return activities.activity_dict(activities.cancel(s, actor, activity_id))

    def contact_done(self, actor: Actor, activity_id: int, result: str | None) -> dict[str, Any]:
        with self.command() as s:
            return activities.activity_dict(activities.mark_done(s, actor, activity_id, result, self.platform.ctx.now()))

    def client_work(self, actor: Actor, client_id: int) -> dict[str, Any]:
        """A client's planned contacts, its done-work log (newest first), may the actor plan."""
        with self.query() as s:
            return activities.of_client(s, actor, client_id)
