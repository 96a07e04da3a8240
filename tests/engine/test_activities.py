"""Ad-hoc contacts: plan, reschedule, cancel, mark done; the done-work log; My plan around midnight."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Clock
from cycle_helpers import complete, events, start

from engine.platform.root import Reglament
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, InputInvalid, TaskNotActionable
from storage.models import User

QUALIFIED = {"contact_person": "Maria", "budget": 1_500_000, "need": "CRM roll-out", "result": "qualified"}


@pytest.fixture(autouse=True)
def catalogue(platform: Reglament, actors: dict[str, Actor]) -> None:
    for name, label in (("call", "Call"), ("meeting", "Meeting")):
        platform.regulation.save_work_type(actors["head"], name, label, None)


@pytest.fixture
def zone_of(platform: Reglament) -> Iterator[Callable[[str, str], Actor]]:
    """``zone_of("anna", "Asia/Vladivostok")`` puts a user in a time zone; returns the actor."""
    changed: list[str] = []

    def set_zone(login: str, zone: str) -> Actor:
        with platform.command() as s:
            user = s.query(User).filter_by(login=login).one()
            user.timezone = zone
            user_id = user.id
        if zone != "UTC":
            changed.append(login)
        return platform.accounts.actor(user_id)

    yield set_zone
    for login in set(changed):  # users outlive a test
        set_zone(login, "UTC")


def _client(platform: Reglament, owner: Actor, name: str = "Acme") -> int:
    return platform.clients.create_client(owner, name).id


def test_a_contact_is_planned_rescheduled_and_done_and_lands_in_the_work_log_and_cycle_history(
        platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna)
    planned = platform.planning.plan_contact(anna, cycle.client_id, "call", clock.now + timedelta(days=1),
                                    "Ask about the budget")
    assert planned.status == "planned" and planned.assignee == "anna" and planned.cycle_id == cycle.id
    moved = platform.planning.reschedule_contact(anna, planned.id, datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    assert moved.planned_at == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    work = platform.planning.client_work(anna, cycle.client_id)
    assert [row.activity.id for row in work.planned] == [planned.id]

    clock.now = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    done = platform.planning.contact_done(anna, planned.id, "Budget approved for Q1")
    assert done.status == "done" and done.done_at == clock.now

    work = platform.planning.client_work(anna, cycle.client_id)
    assert work.planned == ()
    log = [w for w in work.log if w.activity_id == planned.id]
    assert len(log) == 1
    entry = log[0]
    assert (entry.login, entry.work_type, entry.name, entry.result) == (
        "anna", "call", "Ask about the budget", "Budget approved for Q1")
    assert entry.due_at == datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC), "the end of its day"
    assert entry.done_at <= entry.due_at
    contact = events(platform.regulation.history(anna, cycle.id), "contact")
    assert [(e.actor, e.data["result"], e.data["work_type"]) for e in contact] == [
        ("anna", "Budget approved for Q1", "call")]
    client, _ = platform.clients.client(anna, cycle.client_id)
    assert client.last_contact_at == clock.now


def test_a_contact_without_a_sale_is_logged_without_cycle_history(platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    client_id = _client(platform, anna, "No Sale Ltd")
    planned = platform.planning.plan_contact(anna, client_id, "meeting", clock.now, None)
    assert planned.cycle_id is None
    platform.planning.contact_done(anna, planned.id, "Met at the fair")
    log = platform.planning.client_work(anna, client_id).log
    assert [(w.name, w.cycle_id, w.result) for w in log] == [("Meeting", None, "Met at the fair")]


def test_the_deadline_of_a_contact_is_the_end_of_its_day_in_the_assignees_zone(
        platform: Reglament, actors, clock: Clock, zone_of) -> None:
    anna = zone_of("anna", "Asia/Vladivostok")  # UTC+10
    client_id = _client(platform, anna)
    # Friday 27 Nov 10:00 in Vladivostok is 00:00 UTC
    planned = platform.planning.plan_contact(anna, client_id, "call", datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    clock.now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Saturday 01:00 in Vladivostok
    platform.planning.contact_done(anna, planned.id, "Called back late")
    (entry,) = platform.planning.client_work(anna, client_id).log
    assert entry.due_at == datetime(2026, 11, 27, 13, 59, 59, 999999, tzinfo=UTC)
    assert entry.done_at > entry.due_at, "done on Saturday in her zone: late, though still Friday in UTC"


def test_completed_tasks_are_logged_with_their_deadline_and_count_as_a_contact(
        platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    platform.regulation.save_work_type(actors["head"], "call", "Call", "P1D")
    cycle = start(platform, anna, client_name="Logged Ltd")
    clock.advance(hours=30)
    complete(platform, anna, cycle.id, "Task_QualificationCall", QUALIFIED)
    log = platform.planning.client_work(anna, cycle.client_id).log
    assert [(w.name, w.work_type, w.login, w.cycle_id) for w in log] == [
        ("Qualification call", "call", "anna", cycle.id)]
    assert log[0].due_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC), "created 26 Nov 09:00, due a day later"
    assert log[0].done_at == clock.now and log[0].task_id is not None
    client, _ = platform.clients.client(anna, cycle.client_id)
    assert client.last_contact_at == clock.now


def test_a_task_without_a_due_time_is_due_at_the_end_of_its_planned_day(platform: Reglament, actors,
                                                                        clock: Clock) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna, client_name="Planned Ltd")
    task = platform.regulation.inbox(anna, cycle_id=cycle.id)[0][0]
    assert task.due_at is None
    platform.planning.plan_task(anna, task.id, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    complete(platform, anna, cycle.id, "Task_QualificationCall", QUALIFIED)
    (entry,) = platform.planning.client_work(anna, cycle.client_id).log
    assert entry.due_at == datetime(2026, 11, 27, 23, 59, 59, 999999, tzinfo=UTC)


def test_only_the_owner_or_a_head_plans_contacts_with_a_client(platform: Reglament, actors, clock: Clock) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    client_id = _client(platform, anna)
    with pytest.raises(Forbidden):
        platform.planning.plan_contact(boris, client_id, "call", clock.now)
    free = platform.clients.create_client(head, "Nobody's Ltd").id
    with pytest.raises(Forbidden):
        platform.planning.plan_contact(boris, free, "call", clock.now)  # he sees it, but it is not his
    by_head = platform.planning.plan_contact(head, client_id, "call", clock.now)
    assert by_head.assignee == "anna", "the head plans for the client's owner"
    for_boris = platform.planning.plan_contact(head, client_id, "meeting", clock.now, assignee="boris")
    assert for_boris.assignee == "boris"
    with pytest.raises(Forbidden):
        platform.planning.plan_contact(anna, client_id, "call", clock.now, assignee="boris")


def test_a_contact_is_never_planned_for_an_analyst_who_changes_nothing(platform: Reglament, actors,
                                                                       clock: Clock) -> None:
    client_id = _client(platform, actors["anna"])
    with pytest.raises(InputInvalid) as refused:
        platform.planning.plan_contact(actors["head"], client_id, "call", clock.now, assignee="alex")
    assert set(refused.value.details["fields"]) == {"assignee"}
    assert platform.planning.client_work(actors["head"], client_id).planned == ()


def test_someone_elses_contact_cannot_be_done_rescheduled_or_cancelled(platform: Reglament, actors,
                                                                      clock: Clock) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    planned = platform.planning.plan_contact(anna, _client(platform, anna), "call", clock.now)
    for command in (lambda who: platform.planning.contact_done(who, planned.id, "Done"),
                    lambda who: platform.planning.reschedule_contact(who, planned.id, clock.now),
                    lambda who: platform.planning.cancel_contact(who, planned.id)):
        with pytest.raises(Forbidden):
            command(boris)
    with pytest.raises(Forbidden):
        platform.planning.contact_done(head, planned.id, "Done for her")  # the work is counted as the assignee's
    assert platform.planning.reschedule_contact(head, planned.id, clock.now + timedelta(days=2)).status == "planned"
    assert platform.planning.cancel_contact(head, planned.id).status == "cancelled"


@pytest.mark.parametrize("work_type, planned_at, field", [
    ("visit_by_pigeon", "now", "work_type"),
    ("", "now", "work_type"),
    ("call", None, "planned_at"),
    ("call", "naive", "planned_at"),
    ("call", "in five years", "planned_at"),
])
def test_a_contact_needs_a_known_work_type_and_a_time(platform: Reglament, actors, clock: Clock,
                                                      work_type: str, planned_at: str | None, field: str) -> None:
    anna = actors["anna"]
    when = {"now": clock.now, None: None, "naive": clock.now.replace(tzinfo=None),
            "in five years": clock.now + timedelta(days=5 * 365)}[planned_at]
    with pytest.raises(InputInvalid) as caught:
        platform.planning.plan_contact(anna, _client(platform, anna), work_type, when)
    assert list(caught.value.details["fields"]) == [field]


def test_done_needs_a_result_and_happens_once(platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    client_id = _client(platform, anna)
    planned = platform.planning.plan_contact(anna, client_id, "call", clock.now)
    with pytest.raises(InputInvalid) as caught:
        platform.planning.contact_done(anna, planned.id, "   ")
    assert list(caught.value.details["fields"]) == ["result"]
    platform.planning.contact_done(anna, planned.id, "Reached the buyer")
    with pytest.raises(TaskNotActionable, match="already marked done"):
        platform.planning.contact_done(anna, planned.id, "Again")
    with pytest.raises(TaskNotActionable):
        platform.planning.reschedule_contact(anna, planned.id, clock.now)
    assert len(platform.planning.client_work(anna, client_id).log) == 1


def test_a_cancelled_contact_cannot_be_done_and_leaves_no_trace_in_the_log(platform: Reglament, actors,
                                                                          clock: Clock) -> None:
    anna = actors["anna"]
    client_id = _client(platform, anna)
    planned = platform.planning.plan_contact(anna, client_id, "call", clock.now)
    platform.planning.cancel_contact(anna, planned.id)
    with pytest.raises(TaskNotActionable, match="cancelled"):
        platform.planning.contact_done(anna, planned.id, "Too late")
    work = platform.planning.client_work(anna, client_id)
    assert work.planned == () and work.log == ()


def test_my_plan_puts_contacts_into_days_of_the_users_zone_around_midnight(
        platform: Reglament, actors, clock: Clock, zone_of) -> None:
    anna = zone_of("anna", "Asia/Vladivostok")  # the clock: Thu 26 Nov 09:00 UTC = 19:00 in Vladivostok
    client_id = _client(platform, anna, "Far East Ltd")
    utc = UTC
    plans = {
        "yesterday 23:00": datetime(2026, 11, 25, 13, 0, tzinfo=utc),  # Wed 23:00 local: its day is over
        "today 06:00": datetime(2026, 11, 25, 20, 0, tzinfo=utc),  # Thu 06:00 local (still Wed in UTC)
        "today 23:00": datetime(2026, 11, 26, 13, 0, tzinfo=utc),
        "tomorrow 01:30": datetime(2026, 11, 26, 15, 30, tzinfo=utc),  # Fri 01:30 local (Thu in UTC)
        "monday 01:00": datetime(2026, 11, 29, 15, 0, tzinfo=utc),  # next Monday local (Sunday in UTC)
    }
    ids = {platform.planning.plan_contact(anna, client_id, "call", when, note).id: note for note, when in plans.items()}
    plan = platform.planning.agenda(anna)
    assert {name: [ids[e.item.id] for e in entries] for name, entries in plan.items() if entries} == {
        "overdue": ["yesterday 23:00"], "today": ["today 06:00", "today 23:00"], "week": ["tomorrow 01:30"],
        "later": ["monday 01:00"]}
    assert all(e.kind == "activity" for entries in plan.values() for e in entries)
    in_utc = platform.planning.agenda(replace(anna, timezone="UTC"))
    assert [ids[e.item.id] for e in in_utc["overdue"]] == ["yesterday 23:00", "today 06:00"], \
        "the same contacts fall on other days in UTC"


def test_my_plan_lists_tasks_and_contacts_together_overdue_first(platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    platform.regulation.save_work_type(actors["head"], "call", "Call", "PT1H")
    cycle = start(platform, anna, client_name="Task Ltd")
    clock.advance(hours=2)  # the qualification call is now overdue
    contact = platform.planning.plan_contact(anna, cycle.client_id, "meeting", clock.now + timedelta(hours=1), "Lunch")
    plan = platform.planning.agenda(anna)
    assert [(e.kind, e.client_name) for e in plan["overdue"]] == [("task", "Task Ltd")]
    assert [(e.kind, e.item.id) for e in plan["today"]] == [("activity", contact.id)]
    assert platform.planning.my_plan(anna)["today"] == [], "my_plan stays tasks only"
