"""Notifications: who hears of new work, reminders before and after a due time, each once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FIXTURES, Clock, bpmn_file
from cycle_helpers import complete, open_task, start

from engine.notify.notifications import NotificationView
from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.regulation.versions import SourceFile
from engine.shared.errors import NotFound
from storage.models import Activity


def _notes(platform: Reglament, who, kind: str | None = None) -> list[NotificationView]:
    return [n for n in platform.notify.notifications(who) if kind is None or n.kind == kind]


def _sale_for(platform: Reglament, actors, owner: str, name: str) -> dict:
    """The head starts a sale for a client of ``owner``: the first call is the owner's task."""
    head = actors["head"]
    client = platform.clients.create_client(head, name, owner=owner)
    return platform.regulation.start_cycle(head, client.id, "new_client_sale")


def test_a_task_assigned_to_someone_else_tells_them_and_not_whoever_caused_it(
        platform: Reglament, actors) -> None:
    anna, head = actors["anna"], actors["head"]
    cycle = _sale_for(platform, actors, "anna", "Told Ltd")
    [note] = _notes(platform, anna)
    assert note.kind == "assigned"
    assert note.data["task"] == "Qualification call" and note.data["client"] == "Told Ltd"
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
    assert note.link == f"/tasks/{task.id}" and note.read_at is None
    assert _notes(platform, head) == []
    start(platform, anna, client_name="Own Ltd")  # her own start: she knows already
    assert len(_notes(platform, anna)) == 1


def test_a_group_task_tells_every_active_member_of_the_group_but_the_one_who_caused_it(
        platform: Reglament, actors) -> None:
    anna = actors["anna"]
    platform.regulation.deploy(actors["head"], [bpmn_file("group_task.bpmn")])
    start(platform, anna, "group_task", client_name="Shared Ltd")
    assert [n.kind for n in _notes(platform, actors["boris"])] == ["group"]
    assert [n.kind for n in _notes(platform, actors["head"])] == ["group"]
    assert _notes(platform, anna) == [] and _notes(platform, actors["pavel"]) == []
    assert _notes(platform, actors["boris"])[0].data["groups"] == ["Sales"]


def test_a_lane_task_of_presales_tells_presales_when_the_call_is_done(platform: Reglament, actors) -> None:
    anna, pavel = actors["anna"], actors["pavel"]
    cycle = start(platform, anna, client_name="Demo Ltd")
    complete(platform, anna, cycle.id, "Task_QualificationCall", {"contact_person": "Ivan", "result": "qualified"})
    [note] = _notes(platform, pavel)
    assert (note.kind, note.data["task"]) == ("group", "Prepare demo")


def test_candidate_users_are_told_by_name(platform: Reglament, actors) -> None:
    xml = (FIXTURES / "group_task.bpmn").read_text().replace(
        'camunda:candidateGroups="Sales"', 'camunda:candidateUsers="Lena, olga"').replace(
        'id="group_task" name="Group task"', 'id="named_users" name="Named users"')
    platform.regulation.deploy(actors["head"], [SourceFile("named_users.bpmn", xml.encode())])
    start(platform, actors["anna"], "named_users", client_name="Named Ltd")
    assert [n.kind for n in _notes(platform, actors["lena"])] == ["group"]
    assert [n.kind for n in _notes(platform, actors["olga"])] == ["group"]
    assert _notes(platform, actors["boris"]) == []


def test_timers_remind_the_owner_after_a_day_and_escalate_to_the_head_after_three(
        platform: Reglament, actors, clock: Clock) -> None:
    anna, head = actors["anna"], actors["head"]
    start(platform, anna, client_name="Slow Ltd")
    worker = Worker(platform)
    clock.advance(days=1, seconds=1)
    worker.run_once()
    assert [(n.kind, n.data["task"]) for n in _notes(platform, anna)] == \
        [("reminder", "Reminder: make the first call")]
    assert _notes(platform, head) == []
    clock.advance(days=2)
    worker.run_once()
    assert [(n.kind, n.data["task"]) for n in _notes(platform, head)] == \
        [("escalation", "Escalation: first call overdue")]


def test_due_soon_and_overdue_are_each_sent_once_to_the_assignee(platform: Reglament, actors,
                                                                  clock: Clock) -> None:
    anna = actors["anna"]
    platform.regulation.save_work_type(actors["head"], "call", "Call", "P2D")  # the first call is due in two days
    start(platform, anna, client_name="Due Ltd")
    assert platform.notify.sweep_notifications() == 0
    clock.advance(days=1, hours=1)
    assert platform.notify.sweep_notifications() == 1
    assert platform.notify.sweep_notifications() == 0
    assert [n.kind for n in _notes(platform, anna)] == ["due_soon"]
    clock.advance(days=1)
    platform.notify.sweep_notifications()
    platform.notify.sweep_notifications()
    assert [n.kind for n in _notes(platform, anna)] == ["overdue", "due_soon"]  # newest first
    overdue = _notes(platform, anna, "overdue")[0]
    assert overdue.data["client"] == "Due Ltd" and overdue.data["due_at"] == \
        (clock.now - timedelta(hours=1)).isoformat()


def test_a_task_created_due_within_a_day_gets_no_separate_due_soon_but_is_reported_overdue(
        platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    platform.regulation.save_work_type(actors["head"], "call", "Call", "PT1H")
    cycle = _sale_for(platform, actors, "anna", "Late Ltd")
    platform.notify.sweep_notifications()
    assert [n.kind for n in _notes(platform, anna)] == ["assigned"]
    assert _notes(platform, anna)[0].data["due_at"] == (clock.now + timedelta(hours=1)).isoformat()
    clock.advance(hours=2)
    platform.notify.sweep_notifications()
    assert [n.kind for n in _notes(platform, anna)] == ["overdue", "assigned"]
    assert cycle.client_name == "Late Ltd"


def test_a_group_task_nobody_holds_reminds_nobody_until_someone_claims_it(platform: Reglament, actors,
                                                                         clock: Clock) -> None:
    anna, boris = actors["anna"], actors["boris"]
    platform.regulation.deploy(actors["head"], [FIXTURE_WITH_DUE])
    cycle = start(platform, anna, "group_task", client_name="Queue Ltd")
    clock.advance(hours=5)
    platform.notify.sweep_notifications()
    assert _notes(platform, anna) == [] and _notes(platform, boris, "overdue") == []
    platform.regulation.claim_task(boris, open_task(platform, boris, cycle.id, "Task_Shared").id)
    platform.notify.sweep_notifications()
    assert [n.kind for n in _notes(platform, boris, "overdue")] == ["overdue"]


FIXTURE_WITH_DUE = SourceFile("group_task.bpmn", (FIXTURES / "group_task.bpmn").read_text().replace(
    'camunda:candidateGroups="Sales"', 'camunda:candidateGroups="Sales" camunda:dueDate="PT4H"').encode())


def test_planned_contacts_remind_before_and_once_their_time_has_passed(platform: Reglament, actors,
                                                                       clock: Clock) -> None:
    boris = actors["boris"]
    client = platform.clients.create_client(boris, "Contact Ltd")
    with platform.command() as s:
        s.add(Activity(client_id=client.id, assignee="boris", work_type="meeting", note="Bring samples",
                       planned_at=clock.now + timedelta(hours=30), created_by="boris"))
    platform.notify.sweep_notifications()
    assert _notes(platform, boris) == []
    clock.advance(hours=7)
    platform.notify.sweep_notifications()
    platform.notify.sweep_notifications()
    [soon] = _notes(platform, boris)
    assert soon.kind == "due_soon" and soon.data["work_type"] == "meeting"
    assert soon.link == f"/clients/{client.id}"
    clock.advance(hours=24)
    platform.notify.sweep_notifications()
    platform.notify.sweep_notifications()
    assert [n.kind for n in _notes(platform, boris)] == ["contact_due", "due_soon"]


def test_the_worker_sweeps_at_most_once_a_minute(platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    platform.regulation.save_work_type(actors["head"], "call", "Call", "PT1M")
    _sale_for(platform, actors, "anna", "Minute Ltd")  # due at 09:01:00
    worker = Worker(platform)
    clock.advance(seconds=30)
    worker.run_once()  # the first round sweeps: nothing is overdue yet
    clock.advance(seconds=40)  # 09:01:10, overdue, but the last sweep was 40 s ago
    worker.run_once()
    assert _notes(platform, anna, "overdue") == []
    clock.advance(seconds=21)
    worker.run_once()
    assert [n.kind for n in _notes(platform, anna, "overdue")] == ["overdue"]


def test_reading_marks_only_ones_own_notifications(platform: Reglament, actors) -> None:
    anna, boris = actors["anna"], actors["boris"]
    _sale_for(platform, actors, "anna", "Read A")
    _sale_for(platform, actors, "anna", "Read B")
    _sale_for(platform, actors, "boris", "Read C")
    first, second = _notes(platform, anna)
    assert platform.notify.unread_notifications(anna) == 2
    assert platform.notify.mark_notifications_read(anna, [second.id]) == 1
    assert platform.notify.unread_notifications(anna) == 1
    assert platform.notify.mark_notifications_read(anna, [_notes(platform, boris)[0].id]) == 0
    assert platform.notify.unread_notifications(boris) == 1
    assert platform.notify.mark_notifications_read(anna) == 1
    assert platform.notify.unread_notifications(anna) == 0
    assert [n.id for n in platform.notify.notifications(anna, unread_only=True)] == []
    assert first.id != second.id


def test_opening_a_notification_marks_it_read_and_leads_to_the_cycle_once_the_task_is_done(
        platform: Reglament, actors) -> None:
    anna, boris = actors["anna"], actors["boris"]
    cycle = _sale_for(platform, actors, "anna", "Open Ltd")
    [note] = _notes(platform, anna)
    assert platform.notify.open_notification(anna, note.id) == note.link
    assert platform.notify.unread_notifications(anna) == 0
    complete(platform, anna, cycle.id, "Task_QualificationCall", {"contact_person": "Ivan", "result": "qualified"})
    assert platform.notify.open_notification(anna, note.id) == f"/cycles/{cycle.id}"
    with pytest.raises(NotFound):
        platform.notify.open_notification(boris, note.id)


def test_the_sweep_asks_the_contact_norms_for_forgotten_clients_and_survives_their_failure(
        platform: Reglament, actors, clock: Clock, monkeypatch) -> None:
    from engine.control import norms

    calls = []

    def failing(session, now):  # type: ignore[no-untyped-def]
        calls.append(now)
        raise RuntimeError("norms are broken")

    monkeypatch.setattr(norms, "remind_forgotten", failing)
    platform.regulation.save_work_type(actors["head"], "call", "Call", "PT1H")
    start(platform, actors["anna"], client_name="Robust Ltd")
    clock.advance(hours=2)
    platform.notify.sweep_notifications()
    assert calls == [clock.now]
    assert [n.kind for n in _notes(platform, actors["anna"])] == ["overdue"]
