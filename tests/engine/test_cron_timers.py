"""Cron timer cycles as Camunda 7 writes them (Quartz syntax), fired by the worker on the engine clock."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import Clock, bpmn_file
from sqlalchemy import select

from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.regulation import cron
from storage.models import Job


def _nudges(platform: Reglament, actors, cycle_id: int) -> int:
    return [t.element_id for t, _ in platform.regulation.inbox(actors["anna"], cycle_id=cycle_id)].count("Task_Nudge")


def _jobs(platform: Reglament, cycle_id: int) -> list[datetime]:
    with platform.query() as s:
        return sorted(j.due_at.replace(tzinfo=j.due_at.tzinfo or UTC)
                      for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id)))


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC) if day <= 30 else \
        datetime(2026, 12, day - 30, hour, minute, second, tzinfo=UTC)


def test_a_weekday_cron_fires_at_nine_on_working_days_exactly_once_each(platform: Reglament, actors,
                                                                      clock: Clock) -> None:
    """0 0 9 ? * MON-FRI, started on Thursday 26 November 2026 at 09:00 (the fixture clock)."""
    platform.regulation.deploy(actors["head"], [bpmn_file("cron_timer.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Cron Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "weekday_nudge")
    assert _jobs(platform, cycle.id) == [at(27, 9)], "Friday at nine: not now, the time it started"
    worker = Worker(platform)
    clock.now = at(27, 8, 59)
    assert worker.run_once() == 0 and _nudges(platform, actors, cycle.id) == 0
    clock.now = at(27, 9, 0, 1)
    assert worker.run_once() == 1 and _nudges(platform, actors, cycle.id) == 1
    assert worker.run_once() == 0, "it fires once"
    assert _jobs(platform, cycle.id) == [at(30, 9)], "the weekend is skipped: Monday at nine"
    clock.now = at(28, 9, 0, 1)
    assert worker.run_once() == 0 and _nudges(platform, actors, cycle.id) == 1
    clock.now = at(30, 9, 0, 1)
    assert worker.run_once() == 1 and _nudges(platform, actors, cycle.id) == 2
    assert _jobs(platform, cycle.id) == [at(31, 9)], "Tuesday 1 December"
    task = next(t for t, _ in platform.regulation.inbox(actors["anna"], cycle_id=cycle.id)
                if t.element_id == "Task_Proposal")
    platform.regulation.complete_task(actors["anna"], task.id, {})
    assert _jobs(platform, cycle.id) == [], "the task is done: its timer with it"


def test_missed_fires_are_not_made_up_in_a_burst(platform: Reglament, actors, clock: Clock) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("cron_timer.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Late Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "weekday_nudge")
    worker = Worker(platform)
    clock.now = at(31, 12)  # the worker was down from Thursday to Tuesday noon
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    assert _nudges(platform, actors, cycle.id) == 1
    assert _jobs(platform, cycle.id) == [at(32, 9)], "the next fire is the cron's next time after now"


@pytest.mark.parametrize(("text", "after", "expected"), [
    ("0 0/5 * * * ?", at(26, 9, 2), [at(26, 9, 5), at(26, 9, 10), at(26, 9, 15)]),
    ("0 0 9 ? * MON-FRI", at(27, 10), [at(30, 9), at(31, 9), at(32, 9)]),
    ("0 0 9 ? * 2-6", at(27, 10), [at(30, 9), at(31, 9), at(32, 9)]),  # Quartz: 1 is Sunday
    ("0 30 8,17 ? * SAT,SUN", at(27, 10), [at(28, 8, 30), at(28, 17, 30), at(29, 8, 30)]),
    ("0 0 12 1 * ?", at(27, 10), [at(31, 12), datetime(2027, 1, 1, 12, tzinfo=UTC),
                                   datetime(2027, 2, 1, 12, tzinfo=UTC)]),
    ("0 0 12 1 JAN ? 2028", at(27, 10), [datetime(2028, 1, 1, 12, tzinfo=UTC)]),
    ("0 15 10 ? * MON-FRI", at(30, 10, 15), [at(31, 10, 15), at(32, 10, 15), at(33, 10, 15)]),
])
def test_the_next_fire_times_follow_quartz(text: str, after: datetime, expected: list[datetime]) -> None:
    schedule = cron.parse(text)
    fires: list[datetime] = []
    moment: datetime | None = after
    for _ in expected:
        assert moment is not None
        moment = schedule.next_after(moment)
        if moment is None:
            break
        fires.append(moment)
    assert fires == expected
    if text.endswith("2028"):
        assert schedule.next_after(expected[-1]) is None, "the year field ends it"


@pytest.mark.parametrize(("text", "says"), [
    ("0 0 9 * * MON", None),  # both day fields given: read, although Quartz wants '?' in one
    ("0 0 9 ? * MON#2", "uses L, W or #"),
    ("0 61 9 ? * MON", "the minutes field has 61, outside 0-59"),
    ("0 0 9-7 ? * MON", "the hours range '9-7' ends before it starts"),
    ("0 0 ? ? * MON", "'?' is only allowed in the day-of-month and day-of-week fields"),
    ("0 0 9 ? *", "has 5 fields"),
])
def test_a_cron_that_cannot_be_read_names_the_field(text: str, says: str | None) -> None:
    if says is None:
        assert cron.parse(text).next_after(at(27, 10)) == at(30, 9)
        return
    with pytest.raises(cron.CronError) as caught:
        cron.parse(text)
    assert says in str(caught.value)


def test_the_shortest_gap_is_what_the_deploy_check_compares_with_the_limit() -> None:
    assert cron.parse("0 0/5 * * * ?").shortest_gap() == timedelta(minutes=5)
    assert cron.parse("0/10 * * * * ?").shortest_gap() == timedelta(seconds=10)
    assert cron.parse("0 0 9 ? * MON-FRI").shortest_gap() == timedelta(days=1)
    assert cron.parse("0 0 12 31 2 ?").shortest_gap() is None


def _cron_from_a_form(platform: Reglament, actors, schedule: str) -> int:
    """Task_Ask's form sets ``schedule``; Task_Work carries a cycle timer ``${schedule}``."""
    from engine.regulation.versions import SourceFile

    xml = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Definitions_cron_variable" targetNamespace="http://reglament.dev/test">
  <bpmn:process id="cron_variable" name="Cron from a variable" isExecutable="true">
    <bpmn:startEvent id="Start_V" />
    <bpmn:sequenceFlow id="V1" sourceRef="Start_V" targetRef="Task_Ask" />
    <bpmn:userTask id="Task_Ask" name="Choose the schedule" camunda:assignee="${owner}">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="schedule" label="Schedule" type="string" /></camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="V2" sourceRef="Task_Ask" targetRef="Task_Work" />
    <bpmn:userTask id="Task_Work" name="Work" camunda:assignee="${owner}" />
    <bpmn:boundaryEvent id="Timer_Var" name="as chosen" cancelActivity="false" attachedToRef="Task_Work">
      <bpmn:timerEventDefinition><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">${schedule}</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="V3" sourceRef="Timer_Var" targetRef="Task_Nudge" />
    <bpmn:userTask id="Task_Nudge" name="Nudge" camunda:assignee="${owner}" />
    <bpmn:sequenceFlow id="V4" sourceRef="Task_Nudge" targetRef="End_Nudged" />
    <bpmn:endEvent id="End_Nudged" />
    <bpmn:sequenceFlow id="V5" sourceRef="Task_Work" targetRef="End_Won" />
    <bpmn:endEvent id="End_Won"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="outcome" value="won" /></camunda:properties></bpmn:extensionElements></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""
    platform.regulation.deploy(actors["head"], [SourceFile("cron_variable.bpmn", xml.encode())])
    client = platform.clients.create_client(actors["anna"], "Variable Cron Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "cron_variable")
    task = next(t for t, _ in platform.regulation.inbox(actors["anna"], cycle_id=cycle.id))
    platform.regulation.complete_task(actors["anna"], task.id, {"schedule": schedule})
    return int(cycle.id)


def test_a_cron_from_a_variable_is_read_when_the_timer_starts(platform: Reglament, actors, clock: Clock) -> None:
    clock.now = at(26, 9, 2)
    cycle_id = _cron_from_a_form(platform, actors, "0 0/5 * * * ?")
    assert _jobs(platform, cycle_id) == [at(26, 9, 5)]


def test_a_cron_from_a_variable_firing_every_second_is_held_to_the_minimum(platform: Reglament, actors,
                                                                          clock: Clock) -> None:
    clock.now = at(26, 9, 0)
    cycle_id = _cron_from_a_form(platform, actors, "* * * * * ?")
    worker = Worker(platform)
    clock.now = at(26, 9, 0, 2)
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    assert _nudges(platform, actors, cycle_id) == 1
    next_fire, = _jobs(platform, cycle_id)
    assert next_fire >= at(26, 9, 1), "no sooner than MIN_TIMER_CYCLE after the previous fire"


def test_a_cron_from_a_variable_that_cannot_be_read_is_an_incident(platform: Reglament, actors, clock: Clock) -> None:
    cycle_id = _cron_from_a_form(platform, actors, "0 61 9 ? * MON")
    cycle = platform.regulation.cycle(actors["head"], cycle_id)
    assert cycle.incident is not None
    assert "cron '0 61 9 ? * MON': the minutes field has 61, outside 0-59" in cycle.incident["message"]
