"""A regulation that fails at run time: the cycle stops in "incident", nobody can push it on,
and the head of sales resumes it once the cause is fixed."""
from __future__ import annotations

from typing import Any

import pytest
from conftest import bpmn_file
from cycle_helpers import complete, events, open_task, start, visible

from engine.platform.root import Reglament
from engine.shared.errors import Forbidden, InputInvalid, TaskNotActionable

REGULATION = "incident_missing_variable"


@pytest.fixture
def failed(platform: Reglament, actors) -> dict[str, Any]:
    """anna's cycle stopped at Gateway_Check, whose condition reads the undefined ``missing``."""
    platform.regulation.deploy(actors["head"], [bpmn_file("incident_missing_variable.bpmn")])
    cycle = start(platform, actors["anna"], REGULATION)
    assert sorted(visible(platform, actors["anna"], cycle.id)) == ["Task_First", "Task_Side"]
    return complete(platform, actors["anna"], cycle.id, "Task_First", {"note": "called"})


def test_a_condition_on_an_undefined_variable_puts_the_cycle_in_incident(platform: Reglament, actors,
                                                                         failed) -> None:
    assert failed.status == "incident" and failed.outcome is None and failed.ended_at is None
    incident = failed.incident
    assert incident["element_id"] == "Gateway_Check" and incident["task_name"] == "Check"
    assert "${missing == 1}" in incident["message"]
    assert incident["at"] == "2026-11-26T09:00:00+00:00"
    assert platform.regulation.cycle(actors["head"], failed.id).incident == incident
    history = platform.regulation.history(actors["head"], failed.id)
    [recorded] = events(history, "incident")
    assert recorded.task.element_id == "Gateway_Check" and recorded.actor is None
    assert recorded.data == {"message": incident["message"], "code": "cannot_evaluate",
                             "params": incident["params"]}
    assert incident["params"]["reason"]["code"] == "name_not_defined"  # shown in the reader's language
    # the task that led there is done; the next one was never created
    assert [e.actor for e in events(history, "completed", "Task_First")] == ["anna"]
    assert events(history, "created", "Task_Next") == []
    assert events(history, "ended") == []


def test_the_incident_message_says_which_variable_is_missing(failed) -> None:
    assert "'missing' is not defined" in failed.incident["message"]


def test_tasks_of_a_cycle_in_incident_cannot_be_completed_or_claimed(platform: Reglament, actors,
                                                                     failed) -> None:
    anna, boris = actors["anna"], actors["boris"]
    side = open_task(platform, anna, failed.id, "Task_Side")
    with pytest.raises(TaskNotActionable, match="is incident; its tasks cannot be acted on"):
        platform.regulation.complete_task(anna, side.id, {})
    for who in (anna, boris):
        with pytest.raises(TaskNotActionable, match="is incident") as caught:
            platform.regulation.claim_task(who, side.id)
        assert caught.value.details == {"cycle_id": failed.id, "status": "incident"}
    assert open_task(platform, anna, failed.id, "Task_Side").assignee is None
    history = platform.regulation.history(actors["head"], failed.id)
    assert events(history, "claimed") == [] and len(events(history, "completed")) == 1
    assert platform.regulation.cycle(anna, failed.id).status == "incident"


def test_retry_with_the_missing_variable_resumes_the_cycle_to_its_end(platform: Reglament, actors, failed,
                                                                      clock) -> None:
    head, anna = actors["head"], actors["anna"]
    clock.advance(hours=2)
    resumed = platform.regulation.retry(head, failed.id, variables={"missing": 1})
    assert resumed.status == "active" and resumed.incident is None
    assert resumed.variables["missing"] == 1
    assert visible(platform, anna, failed.id, "mine") == ["Task_Next"]
    history = platform.regulation.history(head, failed.id)
    [retried] = events(history, "retried")
    assert retried.actor == "head" and retried.at.isoformat() == "2026-11-26T11:00:00+00:00"
    assert retried.data["variables"] == {"missing": 1}
    assert retried.data["incident"]["element_id"] == "Gateway_Check"
    assert [e.type for e in history[history.index(retried):]] == ["retried", "created", "assigned"]

    won = complete(platform, anna, failed.id, "Task_Next", {})
    assert (won.status, won.outcome) == ("won", "won")
    history = platform.regulation.history(head, failed.id)
    assert [e.task.element_id for e in events(history, "cancelled")] == ["Task_Side"]
    assert events(history, "ended")[0].task.element_id == "End_Won"
    assert visible(platform, anna, failed.id) == []


def test_retry_with_another_value_takes_the_default_flow(platform: Reglament, actors, failed) -> None:
    ended = platform.regulation.retry(actors["admin"], failed.id, variables={"missing": 0})
    assert (ended.status, ended.outcome) == ("lost", "lost")
    assert events(platform.regulation.history(actors["head"], failed.id), "ended")[0].task.element_id == "End_Lost"


def test_retry_without_fixing_the_cause_records_a_second_incident(platform: Reglament, actors, failed) -> None:
    again = platform.regulation.retry(actors["head"], failed.id)
    assert again.status == "incident" and again.incident["element_id"] == "Gateway_Check"
    types = [e.type for e in platform.regulation.history(actors["head"], failed.id)]
    assert types.count("incident") == 2 and types[-2:] == ["retried", "incident"]
    resumed = platform.regulation.retry(actors["head"], failed.id, variables={"missing": 1})
    assert resumed.status == "active"


@pytest.mark.parametrize("login", ["anna", "boris", "alex"])
def test_only_the_head_or_an_admin_may_retry(platform: Reglament, actors, failed, login: str) -> None:
    with pytest.raises(Forbidden, match="retry cycles in incident"):
        platform.regulation.retry(actors[login], failed.id, variables={"missing": 1})
    cycle = platform.regulation.cycle(actors["head"], failed.id)
    assert cycle.status == "incident" and "missing" not in cycle.variables
    assert events(platform.regulation.history(actors["head"], failed.id), "retried") == []


@pytest.mark.parametrize("name", ["__class__", "_hidden", "not a name", "1st", "a-b"])
def test_retry_refuses_variable_names_a_form_could_not_have(platform: Reglament, actors, failed,
                                                            name: str) -> None:
    with pytest.raises(InputInvalid, match="is not a valid variable name"):
        platform.regulation.retry(actors["head"], failed.id, variables={name: 1})
    assert platform.regulation.cycle(actors["head"], failed.id).status == "incident"


def test_a_cycle_that_never_failed_cannot_be_retried(platform: Reglament, actors, failed) -> None:
    platform.regulation.retry(actors["head"], failed.id, variables={"missing": 1})
    with pytest.raises(TaskNotActionable, match="is active, not in incident"):
        platform.regulation.retry(actors["head"], failed.id, variables={"missing": 1})
