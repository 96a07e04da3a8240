"""Plan fulfilment: work due in a period and how much of it was done on time, per manager."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import Clock
from cycle_helpers import complete, start

from engine.platform.root import Reglament
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid
from storage.models import User

QUALIFIED = {"contact_person": "Maria", "budget": 1_500_000, "need": "CRM roll-out", "result": "qualified"}
UTC = UTC


@pytest.fixture(autouse=True)
def catalogue(platform: Reglament, actors: dict[str, Actor]) -> None:
    platform.regulation.save_work_type(actors["head"], "call", "Call", "P1D")  # the qualification call: due in a day
    platform.regulation.save_work_type(actors["head"], "meeting", "Meeting", None)


@pytest.fixture
def zone_of(platform: Reglament) -> Iterator[Callable[[str, str], Actor]]:
    changed: set[str] = set()

    def set_zone(login: str, zone: str) -> Actor:
        with platform.command() as s:
            user = s.query(User).filter_by(login=login).one()
            user.timezone = zone
            user_id = user.id
        changed.add(login)
        return platform.accounts.actor(user_id)

    yield set_zone
    with platform.command() as s:  # users outlive a test
        for user in s.query(User).filter(User.login.in_(changed)):
            user.timezone = "UTC"


# Each scenario runs with the clock at Thursday 26 Nov 2026 09:00 UTC (this week: 23-29 Nov).

def contact(platform: Reglament, anna: Actor, clock: Clock, planned: datetime, done_after: timedelta | None) -> None:
    client = platform.clients.create_client(anna, f"Client {planned:%d %H%M} {done_after}")
    planned_contact = platform.planning.plan_contact(anna, client.id, "meeting", planned)
    if done_after is not None:
        clock.now = planned + done_after
        platform.planning.contact_done(anna, planned_contact.id, "Met")


def contact_done_on_its_day(p: Reglament, anna: Actor, clock: Clock) -> None:
    contact(p, anna, clock, datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(hours=13))  # 23:00


def contact_done_the_next_day(p: Reglament, anna: Actor, clock: Clock) -> None:
    contact(p, anna, clock, datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(hours=14, minutes=1))


def contact_planned_later_this_week(p: Reglament, anna: Actor, clock: Clock) -> None:
    contact(p, anna, clock, datetime(2026, 11, 29, 18, 0, tzinfo=UTC), None)


def contact_planned_next_week(p: Reglament, anna: Actor, clock: Clock) -> None:
    contact(p, anna, clock, datetime(2026, 11, 30, 0, 0, tzinfo=UTC), None)


def contact_cancelled(p: Reglament, anna: Actor, clock: Clock) -> None:
    client = p.clients.create_client(anna, "Cancelled Ltd")
    planned = p.planning.plan_contact(anna, client.id, "meeting", clock.now)
    p.planning.cancel_contact(anna, planned.id)


def task_done_before_due(p: Reglament, anna: Actor, clock: Clock) -> None:
    cycle = start(p, anna)
    clock.advance(hours=23)
    complete(p, anna, cycle.id, "Task_QualificationCall", QUALIFIED)


def task_done_after_due(p: Reglament, anna: Actor, clock: Clock) -> None:
    cycle = start(p, anna)
    clock.advance(hours=25)
    complete(p, anna, cycle.id, "Task_QualificationCall", QUALIFIED)


def task_open_past_due(p: Reglament, anna: Actor, clock: Clock) -> None:
    start(p, anna)
    clock.advance(hours=25)


def task_open_not_yet_due(p: Reglament, anna: Actor, clock: Clock) -> None:
    start(p, anna)


def task_without_due_or_plan_done(p: Reglament, anna: Actor, clock: Clock) -> None:
    head = next(a for a in p.accounts.users() if a.login == "head")
    p.regulation.save_work_type(head, "call", "Call", None)  # no default due time
    cycle = start(p, anna)
    complete(p, anna, cycle.id, "Task_QualificationCall", QUALIFIED)


def two_on_time_one_late(p: Reglament, anna: Actor, clock: Clock) -> None:
    contact(p, anna, clock, datetime(2026, 11, 23, 10, 0, tzinfo=UTC), timedelta(hours=1))
    contact(p, anna, clock, datetime(2026, 11, 24, 10, 0, tzinfo=UTC), timedelta(days=1))
    contact(p, anna, clock, datetime(2026, 11, 25, 10, 0, tzinfo=UTC), timedelta(hours=2))


def nothing(p: Reglament, anna: Actor, clock: Clock) -> None:
    pass


@pytest.mark.parametrize("scenario, due, on_time, late, still_open, overdue, figure", [
    (contact_done_on_its_day, 1, 1, 0, 0, 0, 1.0),
    (contact_done_the_next_day, 1, 0, 1, 0, 0, 0.0),
    (contact_planned_later_this_week, 1, 0, 0, 1, 0, 0.0),
    (contact_planned_next_week, 0, 0, 0, 0, 0, None),
    (contact_cancelled, 0, 0, 0, 0, 0, None),
    (task_done_before_due, 1, 1, 0, 0, 0, 1.0),
    (task_done_after_due, 1, 0, 1, 0, 0, 0.0),
    (task_open_past_due, 1, 0, 0, 1, 1, 0.0),
    (task_open_not_yet_due, 1, 0, 0, 1, 0, 0.0),
    (task_without_due_or_plan_done, 0, 0, 0, 0, 0, None),
    (two_on_time_one_late, 3, 2, 1, 0, 0, 2 / 3),
    (nothing, 0, 0, 0, 0, 0, None),
], ids=lambda v: v.__name__ if callable(v) else None)
def test_fulfilment_of_this_week(platform: Reglament, actors, clock: Clock, scenario: Callable[..., None],
                                 due: int, on_time: int, late: int, still_open: int, overdue: int,
                                 figure: float | None) -> None:
    anna = actors["anna"]
    scenario(platform, anna, clock)
    (row,) = platform.planning.fulfilment(anna, "week").managers
    assert (row.due, row.on_time, row.late, row.open, row.overdue) == (
        due, on_time, late, still_open, overdue)
    assert row.figure == pytest.approx(figure) if figure is not None else row.figure is None


def test_the_head_sees_every_manager_and_a_manager_only_himself(platform: Reglament, actors, clock: Clock) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    contact_done_on_its_day(platform, anna, clock)
    task_open_past_due(platform, boris, clock)
    report = platform.planning.fulfilment(head, "week")
    rows = {r.login: r for r in report.managers}
    assert {"anna", "boris", "pavel"} <= set(rows) and "head" not in rows
    assert (rows["anna"].figure, rows["boris"].figure, rows["pavel"].figure) == (1.0, 0.0, None)
    assert (report.total.due, report.total.on_time, report.total.figure) == (2, 1, 0.5)
    assert [r.login for r in platform.planning.fulfilment(boris).managers] == ["boris"]


def test_periods_this_week_this_month_and_custom_days(platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    contact(platform, anna, clock, datetime(2026, 11, 3, 10, 0, tzinfo=UTC), timedelta(hours=1))
    contact(platform, anna, clock, datetime(2026, 12, 1, 10, 0, tzinfo=UTC), None)
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    week, month = platform.planning.fulfilment(anna, "week"), platform.planning.fulfilment(anna, "month")
    assert (week.period.start, week.period.last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert (month.period.start, month.period.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (week.managers[0].due, month.managers[0].due) == (0, 1)
    custom = platform.planning.fulfilment(anna, "custom", "2026-11-01", "2026-12-01")
    assert (custom.managers[0].due, custom.managers[0].on_time) == (2, 1), "both ends included"
    for start_day, end_day in (("2026-12-01", "2026-11-01"), ("yesterday", "2026-12-01"), ("2026-01-01", "2027-06-01")):
        with pytest.raises(InputInvalid):
            platform.planning.fulfilment(anna, "custom", start_day, end_day)


def test_period_boundaries_are_each_managers_own_days(platform: Reglament, actors, clock: Clock, zone_of) -> None:
    anna = zone_of("anna", "Europe/Moscow")  # UTC+3
    boris = zone_of("boris", "Asia/Vladivostok")  # UTC+10
    sunday_evening = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)  # 19:00 Sunday in Moscow, 02:00 Monday in Vladivostok
    for who in (anna, boris):
        contact(platform, who, clock, sunday_evening, None)
    # done late: planned for Monday 23 Nov 01:00 in Vladivostok (still Sunday 22 Nov in UTC and Moscow)
    contact(platform, boris, clock, datetime(2026, 11, 22, 15, 0, tzinfo=UTC), timedelta(days=4))
    contact(platform, anna, clock, datetime(2026, 11, 22, 15, 0, tzinfo=UTC), timedelta(days=4))
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    head = actors["head"]

    def rows(period: str, *days: str) -> dict[str, tuple[Any, ...]]:
        return {r.login: (r.due, r.late, r.open) for r in platform.planning.fulfilment(head, period, *days).managers
                if r.login in ("anna", "boris")}

    assert rows("week") == {"anna": (1, 0, 1), "boris": (1, 1, 0)}
    assert rows("custom", "2026-11-30", "2026-12-06") == {"anna": (0, 0, 0), "boris": (1, 0, 1)}
    assert rows("custom", "2026-11-16", "2026-11-22") == {"anna": (1, 1, 0), "boris": (0, 0, 0)}
    assert platform.planning.fulfilment(boris, "week").managers[0].due == 1


def test_a_managers_this_week_starts_on_his_own_monday(platform: Reglament, clock: Clock, zone_of) -> None:
    boris = zone_of("boris", "Asia/Vladivostok")
    clock.now = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # Sunday in UTC, Monday 01:00 in Vladivostok
    assert platform.planning.fulfilment(boris, "week").period.start == date(2026, 11, 30)
