"""Timers in regulations, run by the job worker under a controlled clock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import Clock, bpmn_file

from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.shared.errors import Forbidden


@pytest.fixture
def timed(platform: Reglament, actors) -> dict:
    platform.regulation.deploy(actors["head"], [bpmn_file("timers.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Timer Ltd")
    return platform.regulation.start_cycle(actors["anna"], client.id, "timed_sale")


def _open(platform: Reglament, actors, cycle_id: int) -> list[str]:
    return [t.element_id for t, _ in platform.regulation.inbox(actors["anna"], cycle_id=cycle_id)]


def _jobs(platform: Reglament, cycle_id: int) -> list[tuple[str, object]]:
    from sqlalchemy import select

    from storage.models import Job

    with platform.query() as s:
        return sorted((j.element_id, j.due_at) for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id)))


def test_an_intermediate_timer_waits_then_the_task_appears(platform, actors, clock: Clock, timed) -> None:
    start = clock.now
    assert _open(platform, actors, timed.id) == []
    assert _jobs(platform, timed.id) == [("Wait_2h", start + timedelta(hours=2))]
    worker = Worker(platform)
    clock.advance(hours=1, minutes=59)
    assert worker.run_once() == 0, "nothing is due yet"
    clock.advance(minutes=2)
    assert worker.run_once() == 1
    assert _open(platform, actors, timed.id) == ["Task_Call"]
    due = clock.now
    assert _jobs(platform, timed.id) == [("Timer_Remind", due + timedelta(days=1)),
                                           ("Timer_Silent", due + timedelta(days=30))]


def test_a_non_interrupting_timer_adds_a_reminder_and_keeps_the_task(platform, actors, clock: Clock, timed) -> None:
    worker = Worker(platform)
    clock.advance(hours=2, seconds=1)
    worker.run_once()
    clock.advance(days=1, seconds=1)
    assert worker.run_once() == 1
    assert sorted(_open(platform, actors, timed.id)) == ["Task_Call", "Task_Remind"]
    assert platform.regulation.cycle(actors["anna"], timed.id).status == "active"
    history = platform.regulation.history(actors["head"], timed.id)
    assert any(e.type == "passed" and e.task.element_id == "Timer_Remind" for e in history)


def test_an_interrupting_timer_ends_the_cycle_lost_with_the_end_events_reason(platform, actors, clock: Clock,
                                                                           timed) -> None:
    worker = Worker(platform)
    clock.advance(hours=2, seconds=1)
    worker.run_once()
    clock.advance(days=30, seconds=1)
    worker.run_once()
    cycle = platform.regulation.cycle(actors["anna"], timed.id)
    assert cycle.status == "lost" and cycle.loss_reason == "Client silent for 30 days"
    assert _open(platform, actors, timed.id) == []
    assert _jobs(platform, timed.id) == [], "no timer waits on a decided cycle"


def test_completing_the_task_removes_its_boundary_timers(platform, actors, clock: Clock, timed) -> None:
    worker = Worker(platform)
    clock.advance(hours=3)
    worker.run_once()
    task = platform.regulation.inbox(actors["anna"], cycle_id=timed.id)[0][0]
    platform.regulation.complete_task(actors["anna"], task.id, {})
    assert platform.regulation.cycle(actors["anna"], timed.id).status == "won"
    assert _jobs(platform, timed.id) == []
    clock.advance(days=31)
    assert worker.run_once() == 0


def test_a_due_timer_fires_exactly_once_with_two_workers(platform, actors, clock: Clock, timed) -> None:
    first, second = Worker(platform), Worker(platform)
    clock.advance(hours=2, seconds=1)
    assert first.run_once() + second.run_once() == 1
    history = platform.regulation.history(actors["head"], timed.id)
    assert sum(1 for e in history if e.type == "passed" and e.task.element_id == "Wait_2h") == 1


def test_a_failing_job_retries_with_backoff_then_becomes_an_incident(platform, actors, clock: Clock, timed,
                                                                   monkeypatch) -> None:
    from engine.regulation import cycles

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(cycles, "fire_timers", broken)
    worker = Worker(platform)
    clock.advance(hours=2, seconds=1)
    for attempt in range(5):
        assert worker.run_once() == 1, f"attempt {attempt + 1} runs when due"
        assert worker.run_once() == 0, "not again before the back-off passes"
        clock.advance(minutes=11)
    cycle = platform.regulation.cycle(actors["head"], timed.id)
    assert cycle.status == "incident" and "database went away" in cycle.incident["message"]
    failed = platform.control.failed_jobs(actors["head"])
    assert [(j.cycle_id, j.element_id, j.attempts) for j in failed] == [(timed.id, "Wait_2h", 5)]
    assert "database went away" in (failed[0].last_error or "")
    with pytest.raises(Forbidden):
        platform.control.failed_jobs(actors["anna"])
    monkeypatch.undo()
    platform.regulation.retry(actors["head"], timed.id)
    assert _open(platform, actors, timed.id) == ["Task_Call"], "the overdue timer fires on retry"
    assert platform.control.failed_jobs(actors["head"]) == [], "the retried cycle's failed job is gone"


def test_a_cycle_timer_fires_once_a_day_three_times_then_stops(platform, actors, clock: Clock) -> None:
    """R3/P1D as Camunda writes it: a nudge a day for three days, each due time a job."""
    platform.regulation.deploy(actors["head"], [bpmn_file("cycle_timer.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Cycle Timer Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "daily_nudge")
    start = clock.now
    assert _jobs(platform, cycle.id) == [("Timer_Daily", start + timedelta(days=1))]
    worker = Worker(platform)
    for day in (1, 2, 3):
        clock.now = start + timedelta(days=day, seconds=1)
        assert worker.run_once() == 1, f"the nudge of day {day} fires"
        assert sorted(_open(platform, actors, cycle.id)).count("Task_Nudge") == day
        assert "Task_Proposal" in _open(platform, actors, cycle.id), "a non-interrupting cycle keeps the task"
    assert _jobs(platform, cycle.id) == [], "after three repetitions nothing more is scheduled"
    clock.advance(days=5)
    assert worker.run_once() == 0
    assert _open(platform, actors, cycle.id).count("Task_Nudge") == 3
