"""Migrating running cycles to another version (issue 12): the generated plan, the dry run per
cycle, the batch that applies it one cycle per transaction, and the cycles that stay."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Clock, bpmn_file
from cycle_helpers import complete, events, open_task, start, visible
from sqlalchemy import select

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.errors import InputInvalid
from storage.models import Job

DEMO = Path(__file__).resolve().parents[2] / "bpmn" / "new_client_sale.bpmn"
QUALIFIED = {"contact_person": "Ivan", "result": "qualified"}


def version_two() -> SourceFile:
    """The demo regulation with the demo task renamed and the one-day reminder made two days."""
    xml = DEMO.read_text().replace("Task_PrepareDemo", "Task_Demo").replace(
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1D</bpmn:timeDuration>',
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P2D</bpmn:timeDuration>')
    return SourceFile("new_client_sale.bpmn", xml.encode())


def _jobs(platform: Reglament, cycle_id: int) -> dict[str, str]:
    with platform.query() as s:
        return {j.element_id: j.due_at.isoformat() for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id))}


@pytest.fixture
def three(platform: Reglament, actors, clock: Clock) -> dict[str, int]:
    """On version 1: a cycle at the call (with its timers), one at the demo (claimed by pavel), one won."""
    anna, pavel = actors["anna"], actors["pavel"]
    at_call = start(platform, anna, client_name="Call Ltd").id
    at_demo = start(platform, anna, client_name="Demo Ltd").id
    complete(platform, anna, at_demo, "Task_QualificationCall", QUALIFIED)
    platform.regulation.claim_task(pavel, open_task(platform, pavel, at_demo, "Task_PrepareDemo").id)
    ended = start(platform, anna, client_name="Ended Ltd").id
    platform.cockpit.cancel(actors["head"], ended, "test")
    clock.advance(hours=3)
    assert platform.regulation.deploy(actors["head"], [version_two()]).version == 2
    return {"call": at_call, "demo": at_demo, "ended": ended}


FILTER = {"regulation": "new_client_sale", "version": "1"}


def test_the_generated_plan_matches_ids_and_refuses_what_is_gone(platform: Reglament, actors, three) -> None:
    plan = platform.cockpit.migration_plan(actors["head"], "new_client_sale", 1, 2)
    assert plan.plan["Task_QualificationCall"] == "Task_QualificationCall"
    assert plan.plan["Task_PrepareDemo"] is None and "Task_Demo" in plan.target
    assert plan.waiting["Task_PrepareDemo"].waiting == 1


def test_the_dry_run_says_per_cycle_what_would_happen(platform: Reglament, actors, three) -> None:
    head = actors["head"]
    run = platform.cockpit.dry_run(head, FILTER, 2, None)
    by_id = {c.cycle_id: c for c in run.cycles}
    assert (run.total, run.ok, run.refused) == (3, 1, 2)
    call = by_id[three["call"]]
    assert call.ok and {t.element_id: t.kept for t in call.timers} == {
        "Timer_RemindFirstCall": False, "Timer_EscalateFirstCall": True}
    refused = by_id[three["demo"]].reason or ""
    assert "plan refuses" in refused and "Task_PrepareDemo" in refused
    assert "cancelled" in (by_id[three["ended"]].reason or "")
    mapped = platform.cockpit.dry_run(head, FILTER, 2, {"Task_PrepareDemo": "Task_Demo"})
    demo = next(c for c in mapped.cycles if c.cycle_id == three["demo"])
    [kept] = demo.tasks
    assert demo.ok and kept.as_dict() == {"name": "Prepare demo", "from": "Task_PrepareDemo", "to": "Task_Demo",
                                          "assignee": "pavel", "claimed": True, "due_at": kept.as_dict()["due_at"],
                                          "planned_at": None}
    assert platform.regulation.cycle(head, three["demo"]).version == 1, "a dry run changes nothing"
    with pytest.raises(InputInvalid, match="not an element of the target"):
        platform.cockpit.dry_run(head, FILTER, 2, {"Task_PrepareDemo": "Nowhere"})


def test_a_batch_migrates_what_it_can_and_reports_the_rest(platform: Reglament, actors, three, clock: Clock) -> None:
    head, pavel, anna = actors["head"], actors["pavel"], actors["anna"]
    demo_task = open_task(platform, pavel, three["demo"], "Task_PrepareDemo")
    escalate_due = _jobs(platform, three["call"])["Timer_EscalateFirstCall"]
    batch_id = platform.cockpit.start_batch(head, "migrate", FILTER,
                                            {"to_version": 2, "plan": {"Task_PrepareDemo": "Task_Demo"}})
    while platform.cockpit.run_batches("test"):
        pass
    done = platform.cockpit.batch(head, batch_id)
    assert (done.succeeded, done.failed) == (2, 1)
    assert done.failures[0].cycle_id == three["ended"] and "cancelled" in done.failures[0].reason
    assert platform.regulation.cycle(head, three["ended"]).version == 1, "a cycle that cannot migrate stays"
    moved = open_task(platform, pavel, three["demo"], "Task_Demo")
    assert (moved.id, moved.assignee, moved.claimed, moved.due_at) == (
        demo_task.id, "pavel", True, demo_task.due_at), "the task keeps its id, assignee, claim and due date"
    timers = _jobs(platform, three["call"])
    assert timers["Timer_EscalateFirstCall"] == escalate_due, "an unchanged timer keeps its due time"
    assert timers["Timer_RemindFirstCall"] == "2026-11-28T12:00:00+00:00", "a changed timer is recomputed from now"
    [migrated] = events(platform.regulation.history(head, three["demo"]), "migrated")
    assert migrated.data == {"from_version": 1, "to_version": 2, "plan": {"Task_PrepareDemo": "Task_Demo"}}
    platform.regulation.complete_task(pavel, moved.id, {"demo_date": "2026-12-01"})
    assert visible(platform, anna, three["demo"]) == ["Task_Presentation"]


def test_cycles_in_incident_migrate_to_a_fixed_version_and_run_again(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    platform.regulation.deploy(head, [bpmn_file("incident_missing_variable.bpmn")])
    failed = [complete(platform, anna, start(platform, anna, "incident_missing_variable", f"C{i}").id,
                       "Task_First", {}).id for i in range(3)]
    fixed = bpmn_file("incident_missing_variable.bpmn")
    fixed = SourceFile(fixed.name, fixed.content.replace(b"${missing == 1}", b"${client_name != ''}"))
    assert platform.regulation.deploy(head, [fixed]).version == 2
    batch_id = platform.cockpit.start_batch(head, "migrate", {"regulation": "incident_missing_variable",
                                                              "version": "1", "status": "incident"},
                                            {"to_version": 2})
    while platform.cockpit.run_batches("test"):
        pass
    assert platform.cockpit.batch(head, batch_id).succeeded == 3
    for cycle_id in failed:
        cycle = platform.regulation.cycle(head, cycle_id)
        assert (cycle.version, cycle.status) == (2, "active")
        assert "Task_Next" in visible(platform, anna, cycle_id)
