"""Planning: planned dates, a manager's plan by section, the head's overview of every plan."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import Clock

from engine.platform.root import Reglament
from engine.shared.errors import Forbidden, TaskNotActionable


def _start(platform: Reglament, who, name: str):
    cycle = platform.regulation.start_cycle(who, platform.clients.create_client(who, name).id, "new_client_sale")
    return platform.regulation.inbox(who, cycle_id=cycle.id)[0][0]


def test_my_plan_sorts_work_into_overdue_today_week_later_and_unplanned(platform: Reglament, actors,
                                                                       clock: Clock) -> None:
    anna = actors["anna"]  # the clock stands at Thursday 2026-11-26 09:00 UTC
    platform.regulation.save_work_type(actors["head"], "call", "Call", "PT1H")
    _start(platform, anna, "Overdue Ltd")  # due in an hour: overdue once the clock moves on
    clock.advance(hours=2)
    platform.regulation.save_work_type(actors["head"], "call", "Call", None)
    today, week, later, unplanned = (_start(platform, anna, n) for n in ("Today Ltd", "Week Ltd", "Later Ltd", "Free Ltd"))
    platform.planning.plan_task(anna, today.id, clock.now + timedelta(hours=3))
    platform.planning.plan_task(anna, week.id, clock.now + timedelta(days=2))
    platform.planning.plan_task(anna, later.id, clock.now + timedelta(days=10))
    plan = platform.planning.my_plan(anna)
    assert {k: [t.client_name for t in v] for k, v in plan.items()} == {
        "overdue": ["Overdue Ltd"], "today": ["Today Ltd"], "week": ["Week Ltd"], "later": ["Later Ltd"],
        "unplanned": ["Free Ltd"]}


def test_planning_is_recorded_and_can_be_cleared(platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    task = _start(platform, anna, "Plan Ltd")
    platform.planning.plan_task(anna, task.id, clock.now + timedelta(days=1))
    platform.planning.plan_task(anna, task.id, None)
    history = platform.regulation.history(anna, task.cycle_id)
    planned = [e.data["planned_at"] for e in history if e.type == "planned"]
    assert planned == [(clock.now + timedelta(days=1)).isoformat(), None]


def test_only_the_responsible_person_plans_a_task(platform: Reglament, actors, clock: Clock) -> None:
    task = _start(platform, actors["anna"], "Mine Ltd")
    with pytest.raises(Forbidden):
        platform.planning.plan_task(actors["boris"], task.id, clock.now)


def test_a_completed_task_cannot_be_planned(platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    task = _start(platform, anna, "Done Ltd")
    platform.regulation.complete_task(anna, task.id, {"contact_person": "X", "result": "qualified"})
    with pytest.raises(TaskNotActionable):
        platform.planning.plan_task(anna, task.id, clock.now)


def test_the_head_sees_every_managers_week_with_overdue_and_load(platform: Reglament, actors, clock: Clock) -> None:
    anna, boris = actors["anna"], actors["boris"]
    platform.regulation.save_work_type(actors["head"], "call", "Call", "PT1H")
    _start(platform, boris, "Late Ltd")
    clock.advance(hours=2)
    first = _start(platform, anna, "Friday Ltd")
    platform.planning.plan_task(anna, first.id, clock.now + timedelta(days=1))  # Friday 27th
    overview = platform.planning.plans_overview(actors["head"])
    assert overview.week[0] == date(2026, 11, 23) and len(overview.week) == 7
    rows = {m.login: m for m in overview.managers}
    assert rows["anna"].days == (0, 0, 0, 0, 1, 0, 0) and rows["anna"].overdue == 0
    assert rows["boris"].overdue == 1 and rows["boris"].open == 1
    assert "pavel" in rows and rows["pavel"].open == 0
    with pytest.raises(Forbidden):
        platform.planning.plans_overview(anna)
