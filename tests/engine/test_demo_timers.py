"""The demo regulation's timers: reminder after 1 day, escalation to head after 3, lost after
30 silent days in negotiation."""
from __future__ import annotations

from conftest import Clock

from engine.platform.root import Reglament
from engine.platform.worker import Worker


def _open(platform: Reglament, who, cycle_id: int) -> list[str]:
    return sorted(t.element_id for t, _ in platform.regulation.inbox(who, cycle_id=cycle_id))


def _task(platform: Reglament, who, cycle_id: int, element_id: str):
    return next(t for t, _ in platform.regulation.inbox(who, cycle_id=cycle_id) if t.element_id == element_id)


def test_an_uncalled_client_reminds_the_owner_after_a_day_and_escalates_to_head_after_three(
        platform: Reglament, actors, clock: Clock) -> None:
    anna, head = actors["anna"], actors["head"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Slow Ltd").id, "new_client_sale")
    worker = Worker(platform)
    clock.advance(hours=23)
    worker.run_once()
    assert _open(platform, anna, cycle.id) == ["Task_QualificationCall"]
    clock.advance(hours=1, seconds=1)
    worker.run_once()
    assert _open(platform, anna, cycle.id) == ["Task_QualificationCall", "Task_RemindFirstCall"]
    clock.advance(days=2)
    worker.run_once()
    assert [t.element_id for t, _ in platform.regulation.inbox(head, scope="mine", cycle_id=cycle.id)] == \
        ["Task_EscalateFirstCall"]
    # the call still counts: completing it moves the cycle on and the reminders stay as work done later
    platform.regulation.complete_task(anna, _task(platform, anna, cycle.id, "Task_QualificationCall").id,
                           {"contact_person": "Olga", "result": "qualified"})
    assert platform.regulation.cycle(anna, cycle.id).stage == "Presentation"


def test_a_client_silent_for_thirty_days_in_negotiation_is_lost(platform: Reglament, actors, clock: Clock) -> None:
    anna, pavel = actors["anna"], actors["pavel"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Quiet Ltd").id, "new_client_sale")
    steps = [(anna, "Task_QualificationCall", {"contact_person": "Ivan", "result": "qualified"}),
             (pavel, "Task_PrepareDemo", {"demo_date": "2026-12-01"}),
             (anna, "Task_Presentation", {"result": "interested"}),
             (anna, "Task_Proposal", {"amount": 500000})]
    for who, element_id, values in steps:
        platform.regulation.complete_task(who, _task(platform, who, cycle.id, element_id).id, values)
    worker = Worker(platform)
    clock.advance(days=30, seconds=1)
    worker.run_once()
    result = platform.regulation.cycle(anna, cycle.id)
    assert result.status == "lost"
    assert result.loss_reason == "Client silent for 30 days after the proposal"
    assert _open(platform, anna, cycle.id) == []
