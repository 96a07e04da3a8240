"""Cycles that live for years: loops of ten thousand passes keep a flat stored state, a cycle
stored before compaction continues, and a cycle that can no longer go on becomes an incident."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import FIXTURES, Clock, bpmn_file
from sqlalchemy import delete, func, select

from engine.platform.root import Reglament
from engine.regulation import compaction, cycles, jobs
from engine.regulation.versions import SourceFile
from engine.shared.access import Actor
from storage.models import Cycle, HistoryEvent, Job, OpenTask

PASSES = 10_000


def _start(platform: Reglament, actors: dict[str, Actor], regulation: str) -> int:
    platform.regulation.deploy(actors["head"], [bpmn_file(f"long_{regulation}.bpmn")])
    client = platform.clients.create_client(actors["anna"], f"{regulation} Ltd")
    return int(platform.regulation.start_cycle(actors["anna"], client.id, regulation).id)


def _open(platform: Reglament, cycle_id: int) -> list[tuple[str, str]]:
    with platform.query() as s:
        return sorted((t.element_id, t.id) for t in s.scalars(select(OpenTask).where(OpenTask.cycle_id == cycle_id)))


def _only_open(platform: Reglament, cycle_id: int, element_id: str) -> str:
    found = _open(platform, cycle_id)
    assert [e for e, _ in found] == [element_id], f"cycle {cycle_id} has open tasks {found}"
    return found[0][1]


def _state_size(platform: Reglament, cycle_id: int) -> int:
    with platform.query() as s:
        return len(json.dumps(s.scalar(select(Cycle.state).where(Cycle.id == cycle_id))))


def _count(platform: Reglament, cycle_id: int, type_: str, element_id: str) -> int:
    with platform.query() as s:
        return int(s.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.cycle_id == cycle_id, HistoryEvent.type == type_,
            HistoryEvent.element_id == element_id)) or 0)


def _loop(platform: Reglament, actor: Actor, clock: Clock, cycle_id: int, element_id: str,
          values: dict[str, Any], passes: int) -> dict[int, int]:
    """Complete the loop's task ``passes`` times; the state size after some passes."""
    sizes = {}
    for n in range(1, passes + 1):
        clock.advance(hours=1)
        platform.regulation.complete_task(actor, _only_open(platform, cycle_id, element_id), values)
        if n in (10, 100, 1000, passes):
            sizes[n] = _state_size(platform, cycle_id)
    return sizes


def _assert_flat(sizes: dict[int, int]) -> None:
    assert max(sizes.values()) <= sizes[10] * 1.2, f"the stored state grows with the passes: {sizes}"


def test_a_rework_loop_runs_ten_thousand_passes_with_a_flat_state(platform, actors, clock: Clock) -> None:
    cycle_id = _start(platform, actors, "rework_loop")
    sizes = _loop(platform, actors["anna"], clock, cycle_id, "Task_Work", {"approved": False, "note": "again"}, PASSES)
    _assert_flat(sizes)
    assert sizes[PASSES] < 20_000, f"{sizes[PASSES]} bytes of state for one open task and one timer"
    cycle = platform.regulation.cycle(actors["anna"], cycle_id)
    assert cycle.status == "active" and cycle.variables["note"] == "again"
    with platform.query() as s:
        assert [j.element_id for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id))] == ["Timer_Week"]
    assert _count(platform, cycle_id, "completed", "Task_Work") == PASSES, "the history keeps every pass"
    task_id = _only_open(platform, cycle_id, "Task_Work")
    assert platform.regulation.complete_task(actors["anna"], task_id, {"approved": True}).status == "won"


def test_a_daily_reminder_fires_ten_thousand_times(platform, actors, clock: Clock) -> None:
    """R/P1D on a deal that stays open for 27 years, run by the timer jobs as the clock moves."""
    cycle_id = _start(platform, actors, "daily_reminder")
    clock.advance(seconds=1)  # a timer fires once its due time has passed
    sizes = {}
    for day in range(1, PASSES + 1):
        clock.advance(days=1)
        with platform.command() as s:  # what a worker does, in one transaction
            leases = jobs.acquire(s, "test-worker", clock.now)
            assert len(leases) == 1, f"day {day}: {len(leases)} due jobs"
            cycles.fire_timers(s, platform.ctx, leases[0])
        if day in (10, 100, 1000, PASSES):
            sizes[day] = _state_size(platform, cycle_id)
    _assert_flat(sizes)
    assert _count(platform, cycle_id, "passed", "Gateway_Daily") == PASSES, "each reminder is in the history"
    with platform.query() as s:
        due = [j.due_at for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id))]
    assert len(due) == 1 and timedelta(0) < _naive(due[0]) - _naive(clock.now) <= timedelta(days=1), \
        "tomorrow's reminder waits"
    task_id = _only_open(platform, cycle_id, "Task_Deal")
    assert platform.regulation.complete_task(actors["anna"], task_id, {}).status == "won"


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


def test_a_loop_through_a_call_activity_runs_ten_thousand_passes(platform, actors, clock: Clock) -> None:
    cycle_id = _start(platform, actors, "legal_loop")
    sizes = _loop(platform, actors["anna"], clock, cycle_id, "Task_Review", {"signed": False}, PASSES)
    _assert_flat(sizes)
    with platform.query() as s:
        state = s.scalar(select(Cycle.state).where(Cycle.id == cycle_id))
    assert len(state["subprocesses"]) == 1, "only the running call activity's subprocess is kept"
    task_id = _only_open(platform, cycle_id, "Task_Review")
    assert platform.regulation.complete_task(actors["anna"], task_id, {"signed": True}).status == "won"
    assert _count(platform, cycle_id, "completed", "Task_Review") == PASSES + 1


def test_parallel_inclusive_event_gateways_subprocess_and_multi_instance_loop(platform, actors,
                                                                              clock: Clock) -> None:
    """Each pass: two parallel checks joined, an inclusive split into a subprocess (price over 100)
    and a two-signature multi-instance task, an event-based gateway whose hour timer comes before the message."""
    anna = actors["anna"]
    cycle_id = _start(platform, actors, "structures_loop")
    sizes = {}
    for n in range(1, 41):
        done = n == 40
        price = 150 if n % 3 == 0 else 50
        platform.regulation.complete_task(anna, _only_open(platform, cycle_id, "Task_Prepare"),
                                          {"approved": done, "pass_no": n, "price": price})
        assert [e for e, _ in _open(platform, cycle_id)] == ["Task_Finance", "Task_Legal"]
        legal_first = n % 2 == 0  # the join waits for whichever input comes last
        first, second = ("Task_Legal", "Task_Finance") if legal_first else ("Task_Finance", "Task_Legal")
        ids = dict(_open(platform, cycle_id))
        platform.regulation.complete_task(anna, ids[first], {})
        assert [e for e, _ in _open(platform, cycle_id)] == [second], f"pass {n}: the join waits for {second}"
        platform.regulation.complete_task(anna, ids[second], {})
        expected = ["MI_Sign", "Task_SubReview"] if price > 100 else ["MI_Sign"]
        assert [e for e, _ in _open(platform, cycle_id)] == expected, f"pass {n}, price {price}"
        for _ in range(2):  # two signatures, one after the other
            platform.regulation.complete_task(anna, dict(_open(platform, cycle_id))["MI_Sign"], {})
        if price > 100:
            assert [e for e, _ in _open(platform, cycle_id)] == ["Task_SubReview"], "the inclusive join waits"
            platform.regulation.complete_task(anna, _only_open(platform, cycle_id, "Task_SubReview"), {})
        assert _open(platform, cycle_id) == [], f"pass {n}: the event-based gateway waits"
        assert platform.regulation.cycle(anna, cycle_id).status == "active", platform.regulation.cycle(anna, cycle_id)
        with platform.query() as s:
            assert [j.element_id for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id))] == [
                "Event_Gateway"], "the gateway's hour timer is a job"
        clock.advance(hours=1, seconds=1)
        with platform.command() as s:
            for lease in jobs.acquire(s, "test-worker", clock.now):
                cycles.fire_timers(s, platform.ctx, lease)
        cycle = platform.regulation.cycle(anna, cycle_id)
        if done:
            assert cycle.status == "won"
            break
        assert cycle.status == "active" and cycle.variables["pass_no"] == n
        if n in (10, 20, 39):
            sizes[n] = _state_size(platform, cycle_id)
    _assert_flat(sizes)
    assert _count(platform, cycle_id, "passed", "Wait_Month") == 0, "the message never came"
    assert _count(platform, cycle_id, "passed", "Wait_Hour") == 40


def test_a_cycle_stored_before_compaction_restores_and_continues(platform, actors, clock: Clock) -> None:
    """States stored by the engine before compaction (tests/fixtures/old_cycle_states.json):
    twelve passes of the rework loop, eight of the call-activity loop."""
    old = json.loads((FIXTURES / "old_cycle_states.json").read_text())["cycles"]
    for regulation, element, again, finish in (("rework_loop", "Task_Work", {"approved": False}, {"approved": True}),
                                               ("legal_loop", "Task_Review", {"signed": False}, {"signed": True})):
        stored = old[regulation]
        cycle_id = _start(platform, actors, regulation)
        with platform.command() as s:  # the cycle as the old engine left it
            cycle = s.get(Cycle, cycle_id)
            assert cycle is not None
            cycle.state, cycle.variables = stored["state"], stored["variables"]
            row = s.scalars(select(OpenTask).where(OpenTask.cycle_id == cycle_id)).one()
            s.execute(delete(Job).where(Job.cycle_id == cycle_id))
            s.delete(row)
            s.flush()
            for task in stored["open_tasks"]:
                s.add(OpenTask(id=task["id"], cycle_id=cycle_id, version_id=cycle.version_id,
                               client_id=cycle.client_id, element_id=task["element_id"], name=task["name"],
                               stage=task["stage"], assignee=task["assignee"], claimed=False, created_at=clock.now))
            for job in stored["jobs"]:
                s.add(Job(cycle_id=cycle_id, kind="timer", task_id=job["task_id"], element_id=job["element_id"],
                          due_at=datetime.fromisoformat(job["due_at"]), attempts=0, failed=False))
        old_size = _state_size(platform, cycle_id)
        assert _only_open(platform, cycle_id, element) == stored["open_tasks"][0]["id"]
        owner = actors[stored["variables"]["owner"]]  # the old cycles belong to the head of sales
        _loop(platform, owner, clock, cycle_id, element, again, 3)
        assert _state_size(platform, cycle_id) < old_size / 3, "the old tree is compacted on its first step"
        with platform.query() as s:
            timers = [j.element_id for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id))]
        assert timers == [j["element_id"] for j in stored["jobs"]]
        task_id = _only_open(platform, cycle_id, element)
        cycle = platform.regulation.complete_task(owner, task_id, finish)
        assert cycle.status == "won", f"{regulation}: {cycle}"


STUCK_JOIN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Defs_stuck" targetNamespace="http://reglament.dev/test">
  <bpmn:process id="stuck_join" name="Stuck join" isExecutable="true">
    <bpmn:startEvent id="Start_Stuck" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start_Stuck" targetRef="Task_Offer" />
    <bpmn:userTask id="Task_Offer" name="Offer" camunda:assignee="${owner}" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Offer" targetRef="Choice" />
    <bpmn:exclusiveGateway id="Choice" default="F4" />
    <bpmn:sequenceFlow id="F3" sourceRef="Choice" targetRef="Task_Never">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${false}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F4" sourceRef="Choice" targetRef="Join" />
    <bpmn:userTask id="Task_Never" name="Never" camunda:assignee="${owner}" />
    <bpmn:sequenceFlow id="F5" sourceRef="Task_Never" targetRef="Join" />
    <bpmn:parallelGateway id="Join" name="Both" />
    <bpmn:sequenceFlow id="F6" sourceRef="Join" targetRef="End_Stuck" />
    <bpmn:endEvent id="End_Stuck" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_cycle_left_with_nothing_to_wait_for_becomes_an_incident(platform, actors) -> None:
    """A parallel join after an exclusive choice waits for a token that never comes."""
    platform.regulation.deploy(actors["head"], [SourceFile("stuck_join.bpmn", STUCK_JOIN)])
    client = platform.clients.create_client(actors["anna"], "Stuck Ltd")
    cycle_id = platform.regulation.start_cycle(actors["anna"], client.id, "stuck_join").id
    cycle = platform.regulation.complete_task(actors["anna"], _only_open(platform, cycle_id, "Task_Offer"), {})
    assert cycle.status == "incident"
    assert "no open task, timer or message waits" in cycle.incident["message"]
    history = platform.regulation.history(actors["head"], cycle_id)
    assert history[-1].type == "incident"


def test_a_task_tree_too_deep_for_spiff_is_stopped_with_a_clear_incident(platform, actors, clock: Clock,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a structure left uncompacted, the depth guard stops the cycle before SpiffWorkflow's
    iterator (1,000 levels) stops seeing its tasks: here without compaction and a lower guard."""
    monkeypatch.setattr(compaction, "compact", lambda workflow: 0)
    monkeypatch.setattr(compaction, "DEPTH_LIMIT", 40)
    cycle_id = _start(platform, actors, "rework_loop")
    for _ in range(30):
        cycle = platform.regulation.complete_task(actors["anna"], _only_open(platform, cycle_id, "Task_Work"),
                                                  {"approved": False})
        if cycle.status != "active":
            break
    assert cycle.status == "incident"
    assert "levels deep" in cycle.incident["message"], cycle.incident
