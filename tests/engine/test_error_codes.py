"""The engine's refusals that people meet on the pages carry a notice (a code with parameters): its
English text is the error's message exactly as before, and the web renders it in the reader's
language, nested parts (a cycle's state, a role, a duplicate's reasons, a hand-over's field
problems) translated too."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from conftest import bpmn_file
from cycle_helpers import complete, open_task, start

# every area's table of error codes (imported for their registration)
from engine.accounts import error_texts as accounts_errors
from engine.clients import error_texts as clients_errors
from engine.control import error_texts as control_errors
from engine.motivation import error_texts as motivation_errors
from engine.organization import error_texts as organization_errors
from engine.planning import error_texts as planning_errors
from engine.platform.root import Reglament
from engine.regulation import error_texts as regulation_errors
from engine.shared import error_texts as shared_errors
from engine.shared import notices
from engine.shared.errors import (
    DuplicateClient,
    Forbidden,
    InputInvalid,
    NotFound,
    ReglamentError,
    TaskNotActionable,
)

QUALIFIED = {"contact_person": "Maria", "result": "qualified"}
TABLES = [shared_errors.ERRORS, shared_errors.LISTS, regulation_errors.ERRORS, clients_errors.ERRORS,
          organization_errors.ERRORS, planning_errors.ERRORS, accounts_errors.ERRORS, motivation_errors.ERRORS,
          control_errors.ERRORS]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _bracketed(text: str) -> str:
    """A stand-in catalogue: every template "translated" into itself in brackets, placeholders kept."""
    return f"[{text}]"


def coded(exc: ReglamentError, code: str) -> dict[str, Any]:
    """The error's notice is ``code``, its English text the message, and rendering the code with
    its parameters (as the web does, through their stored form) gives the message back."""
    assert exc.notice is not None, exc.message
    assert exc.notice.code == code, (exc.notice.code, exc.message)
    assert exc.notice.text == exc.message
    params = exc.notice.as_dict()["params"]
    assert notices.render(code, params) == exc.message
    return params


def translated(exc: ReglamentError) -> str:
    assert exc.notice is not None
    return notices.render(exc.notice.code, exc.notice.as_dict()["params"], translate=_bracketed,
                          fallback=exc.message)


def test_every_error_code_is_unique_and_renders_its_template() -> None:
    seen: dict[str, str] = {}
    for table in TABLES:
        for code, template in table.items():
            assert code not in seen, f"{code} is in two tables"
            seen[code] = template
            assert notices.template(code) == template, code
            params = {name: f"<{name}>" for name in PLACEHOLDER.findall(template)}
            assert notices.render(code, params) == template % params, code
    assert len(seen) > 180


def test_completing_a_task_twice_says_who_completed_it(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna)
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
    platform.regulation.complete_task(anna, task.id, QUALIFIED)
    with pytest.raises(TaskNotActionable) as caught:
        platform.regulation.complete_task(anna, task.id, QUALIFIED)
    assert caught.value.message == "task 'Qualification call' was already completed by anna at 2026-11-26 09:00 UTC"
    params = coded(caught.value, "task_already_completed")
    assert params == {"task": "Qualification call", "actor": "anna", "at": "2026-11-26 09:00"}
    assert caught.value.details == {"task_id": task.id}, "the details stay as they were"


def test_a_task_a_colleague_claimed_is_refused_naming_him(platform: Reglament, actors) -> None:
    anna, boris, pavel = actors["anna"], actors["boris"], actors["pavel"]
    platform.regulation.deploy(actors["head"], [bpmn_file("group_task.bpmn")])
    cycle = start(platform, anna, "group_task")
    task = open_task(platform, boris, cycle.id, "Task_Shared")
    platform.regulation.claim_task(anna, task.id)
    with pytest.raises(TaskNotActionable) as caught:
        platform.regulation.complete_task(boris, task.id, {"note": "boris called"})
    assert coded(caught.value, "task_claimed_meanwhile") == {"task": caught.value.notice.params["task"],
                                                             "assignee": "anna"}
    with pytest.raises(TaskNotActionable) as caught:
        platform.regulation.release_task(boris, task.id)
    coded(caught.value, "task_release_claimed")
    with pytest.raises(Forbidden) as refused:
        platform.regulation.complete_task(pavel, task.id, {"note": "pavel called"})
    coded(refused.value, "task_assigned_to")
    with pytest.raises(TaskNotActionable) as caught:
        platform.regulation.claim_task(boris, task.id)
    coded(caught.value, "task_already_assigned")


def test_a_task_of_a_suspended_cycle_names_the_cycles_state_in_the_readers_language(platform: Reglament,
                                                                                   actors) -> None:
    anna, head = actors["anna"], actors["head"]
    cycle = start(platform, anna)
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
    platform.cockpit.suspend(head, cycle.id, "the client asked to wait")
    with pytest.raises(TaskNotActionable) as caught:
        platform.regulation.complete_task(anna, task.id, QUALIFIED)
    assert caught.value.message == f"cycle {cycle.id} is suspended; its tasks cannot be acted on"
    state = coded(caught.value, "task_cycle_not_active")["state"]
    assert state["code"] == "cycle_is_suspended" and state["text"] == f"cycle {cycle.id} is suspended"
    assert translated(caught.value) == f"[[cycle {cycle.id} is suspended]; its tasks cannot be acted on]"
    with pytest.raises(TaskNotActionable) as caught:
        platform.cockpit.suspend(head, cycle.id, "again")
    assert caught.value.message == (f"cycle {cycle.id} is suspended; only a cycle that is active can be "
                                    "suspended")
    coded(caught.value, "cycle_not_suspendable")


def test_a_forbidden_action_names_the_roles_in_the_readers_language(platform: Reglament, actors) -> None:
    with pytest.raises(Forbidden) as refused:
        platform.clients.create_client(actors["alex"], "Analyst Corp")
    params = coded(refused.value, "access_forbidden")
    assert params["login"] == "alex" and refused.value.message.startswith("alex may not ")
    names = [role["code"] for role in params["roles"]["params"].values()]
    assert names and all(name.startswith("access_role_") for name in names)
    assert "[admin]" in translated(refused.value) and "[manager]" in translated(refused.value)


def test_a_hand_over_to_an_unknown_user_names_the_field(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.clients.create_client(actors["anna"], "Anna Corp")
    with pytest.raises(InputInvalid) as caught:
        platform.organization.hand_over(head, "anna", "nobody", None, None, "holiday")
    assert caught.value.message == "the clients cannot be handed over: to: no user 'nobody'"
    params = coded(caught.value, "handover_invalid")
    assert params["problems"]["code"] == "handover_field_to"
    assert caught.value.details["fields"] == {"to": "no user 'nobody'"}
    assert translated(caught.value) == "[the clients cannot be handed over: [to: [no user 'nobody']]]"
    with pytest.raises(InputInvalid) as caught:
        platform.organization.hand_over(head, "", "anna", None, None, "x" * 301)
    assert caught.value.message == ("the clients cannot be handed over: from: is required; "
                                    "reason: must be at most 300 characters")
    coded(caught.value, "handover_invalid")


def test_a_possible_duplicate_gives_each_reason_as_a_notice(platform: Reglament, actors) -> None:
    first = platform.clients.create_client(actors["anna"], "Acme Trading")
    with pytest.raises(DuplicateClient) as caught:
        platform.clients.create_client(actors["head"], "Acme Trading", check_duplicates=True)
    assert f"a similar name as #{first.id} Acme Trading" in caught.value.message
    reasons = coded(caught.value, "client_duplicates")["reasons"]
    assert reasons["code"] in ("client_duplicate_as", "client_duplicates_more")
    assert "[a similar name]" in translated(caught.value)
    assert caught.value.details["duplicates"][0]["id"] == first.id
    with pytest.raises(DuplicateClient) as caught:  # boris learns only that another manager has one
        platform.clients.create_client(actors["boris"], "Acme Trading", check_duplicates=True)
    assert "a similar name as a client of another manager" in caught.value.message
    coded(caught.value, "client_duplicates")


def test_another_managers_client_and_unknown_ones(platform: Reglament, actors) -> None:
    theirs = platform.clients.create_client(actors["boris"], "Boris Corp")
    with pytest.raises(Forbidden) as refused:
        platform.clients.client_card(actors["anna"], theirs.id)
    assert refused.value.message == f"client {theirs.id} belongs to another manager"
    coded(refused.value, "client_of_another_manager")
    with pytest.raises(NotFound) as missing:
        platform.clients.client_card(actors["anna"], 987654)
    assert missing.value.message == "no client 987654"
    assert coded(missing.value, "client_unknown") == {"client_id": "987654"}, "ids stay as written, no 987,654"


def test_cancelling_a_won_cycle_and_a_released_task(platform: Reglament, actors) -> None:
    anna, head = actors["anna"], actors["head"]
    cycle = start(platform, anna)
    platform.cockpit.cancel(head, cycle.id, "duplicate deal")
    with pytest.raises(TaskNotActionable) as caught:
        platform.cockpit.cancel(head, cycle.id, "again")
    assert caught.value.message == (f"cycle {cycle.id} is cancelled; only a cycle that is active or incident or "
                                    "suspended can be cancelled")
    coded(caught.value, "cycle_not_cancellable")
    other = start(platform, anna, client_name="Bolt")
    task = open_task(platform, anna, other.id, "Task_QualificationCall")
    with pytest.raises(TaskNotActionable) as caught:
        platform.regulation.release_task(anna, task.id)
    coded(caught.value, "task_release_assigned")
    complete(platform, anna, other.id, "Task_QualificationCall", QUALIFIED)
    with pytest.raises(NotFound) as missing:
        platform.regulation.complete_task(anna, "no-such-task", QUALIFIED)
    coded(missing.value, "task_unknown")


def test_a_planned_contact_done_or_cancelled_before_says_so(platform: Reglament, actors, clock) -> None:
    anna, boris = actors["anna"], actors["boris"]
    platform.regulation.save_work_type(actors["head"], "call", "Call", None)
    client_id = platform.clients.create_client(anna, "Contact Corp").id
    planned = platform.planning.plan_contact(anna, client_id, "call", clock.now + timedelta(days=1))
    with pytest.raises(Forbidden) as refused:
        platform.planning.reschedule_contact(boris, planned.id, clock.now + timedelta(days=2))
    assert refused.value.message == f"boris may not reschedule contact {planned.id}: it is planned for anna"
    coded(refused.value, "contact_reschedule_forbidden")
    platform.planning.contact_done(anna, planned.id, "talked")
    with pytest.raises(TaskNotActionable) as caught:
        platform.planning.contact_done(anna, planned.id, "talked again")
    assert coded(caught.value, "contact_already_done")["at"] == clock.now.strftime("%Y-%m-%d %H:%M")
    other = platform.planning.plan_contact(anna, client_id, "call", clock.now + timedelta(days=1))
    platform.planning.cancel_contact(anna, other.id)
    with pytest.raises(TaskNotActionable) as caught:
        platform.planning.cancel_contact(anna, other.id)
    assert caught.value.message == f"contact {other.id} was cancelled"
    coded(caught.value, "contact_was_cancelled")
    with pytest.raises(NotFound) as missing:
        platform.planning.cancel_contact(anna, 424242)
    coded(missing.value, "contact_unknown")
