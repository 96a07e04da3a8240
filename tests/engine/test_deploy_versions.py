"""Deploying regulations: immutable versions, running cycles stay on theirs, call activities and
Camunda-style conditions run."""
from __future__ import annotations

import pytest
from conftest import DEMO_BPMN, bpmn_file
from cycle_helpers import complete, events, open_task, start, visible

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.errors import RegulationInvalid

QUALIFIED = {"contact_person": "Maria", "result": "qualified"}


def _demo(content: bytes | None = None) -> list[SourceFile]:
    return [SourceFile(DEMO_BPMN.name, content if content is not None else DEMO_BPMN.read_bytes())]


def _renamed_demo() -> bytes:
    return DEMO_BPMN.read_bytes().replace(b'name="Prepare demo"', b'name="Prepare product demo"')


def test_deploying_the_same_xml_again_keeps_the_version(platform: Reglament, actors) -> None:
    again = platform.regulation.deploy(actors["head"], _demo())
    assert again.as_dict() == {"key": "new_client_sale", "name": "New client sale", "version": 1,
                               "created": False, "executable": True, "problems": []}
    assert [r.as_dict() for r in platform.regulation.regulations()] == [
        {"key": "new_client_sale", "name": "New client sale", "version": 1, "executable": True}]


def test_a_changed_xml_gets_the_next_version(platform: Reglament, actors) -> None:
    changed = platform.regulation.deploy(actors["head"], _demo(_renamed_demo()))
    assert (changed.version, changed.created) == (2, True)
    assert platform.regulation.deploy(actors["admin"], _demo(_renamed_demo())).as_dict()["version"] == 2
    renamed = _renamed_demo().replace(b'name="New client sale" isExecutable', b'name="New client sale v3" isExecutable')
    third = platform.regulation.deploy(actors["head"], _demo(renamed))
    assert (third.version, third.name) == (3, "New client sale v3")
    assert [r.as_dict() for r in platform.regulation.regulations()] == [
        {"key": "new_client_sale", "name": "New client sale v3", "version": 3, "executable": True}]


def test_running_cycles_stay_on_their_version_while_new_cycles_use_the_new_one(platform: Reglament,
                                                                               actors) -> None:
    anna, pavel = actors["anna"], actors["pavel"]
    old = start(platform, anna, client_name="Old Corp")
    assert old.version == 1
    platform.regulation.deploy(actors["head"], _demo(_renamed_demo()))
    new = start(platform, anna, client_name="New Corp")
    assert new.version == 2
    assert events(platform.regulation.history(anna, new.id), "started")[0].data["version"] == 2

    complete(platform, anna, old.id, "Task_QualificationCall", QUALIFIED)
    complete(platform, anna, new.id, "Task_QualificationCall", QUALIFIED)
    assert open_task(platform, pavel, old.id, "Task_PrepareDemo").name == "Prepare demo"
    assert open_task(platform, pavel, new.id, "Task_PrepareDemo").name == "Prepare product demo"
    assert platform.regulation.cycle(anna, old.id).version == 1
    assert platform.regulation.cycle(anna, new.id).version == 2

    # the old cycle runs to its end on version 1
    complete(platform, pavel, old.id, "Task_PrepareDemo", {"demo_date": "2026-12-01"})
    lost = complete(platform, anna, old.id, "Task_Presentation", {"result": "refused", "loss_reason": "Later"})
    assert (lost.status, lost.version, lost.loss_reason) == ("lost", 1, "Later")


def test_a_call_activity_runs_the_called_process_task_and_finishes(platform: Reglament, actors) -> None:
    head, anna, lena = actors["head"], actors["anna"], actors["lena"]
    deployed = platform.regulation.deploy(head, [bpmn_file("call_activity.bpmn")])
    assert (deployed.key, deployed.name, deployed.version) == ("sale_with_approval", "Sale with approval", 1)
    assert {r.key for r in platform.regulation.regulations()} == {"new_client_sale", "sale_with_approval"}

    cycle = start(platform, anna, "sale_with_approval")
    assert cycle.stage == "Offer"
    after_offer = complete(platform, anna, cycle.id, "Task_Offer", {"amount": "250000"})
    assert after_offer.status == "active" and after_offer.stage == "Approval"

    approve = open_task(platform, lena, cycle.id, "Task_Approve")
    assert approve.name == "Approve the offer" and approve.candidate_groups == ("Legal",)
    assert visible(platform, anna, cycle.id) == []
    _, form, variables = platform.regulation.task(lena, approve.id)
    assert [f.id for f in form] == ["approval_note"]
    assert variables["amount"] == 250000
    after_approval = platform.regulation.complete_task(lena, approve.id, {"approval_note": "OK by legal"})
    assert after_approval.stage == "Closing"

    assert visible(platform, anna, cycle.id, "mine") == ["Task_Close"]
    won = complete(platform, anna, cycle.id, "Task_Close", {})
    assert (won.status, won.outcome) == ("won", "won")
    assert won.variables["approval_note"] == "OK by legal" and won.variables["amount"] == 250000
    history = platform.regulation.history(anna, cycle.id)
    assert [(e.task.element_id, e.actor) for e in events(history, "completed")] == [
        ("Task_Offer", "anna"), ("Task_Approve", "lena"), ("Task_Close", "anna")]
    assert events(history, "ended")[0].task.element_id == "End_Won"


def test_a_call_to_a_process_that_exists_nowhere_deploys_with_a_warning(platform: Reglament, actors) -> None:
    """As Camunda: the call looks for its process when it runs (tests/engine/test_semantics_late_binding.py)."""
    content = bpmn_file("call_activity.bpmn").content \
        .replace(b'calledElement="legal_approval"', b'calledElement="nowhere"') \
        .replace(b'name="Legal approval" isExecutable="true"', b'name="Legal approval" isExecutable="false"')
    deployed = platform.regulation.deploy(actors["head"], [SourceFile("call.bpmn", content)])
    assert [w.message for w in deployed.warnings if "calls 'nowhere', which is neither in this file" in w.message]


@pytest.mark.parametrize(("a", "b", "outcome"), [
    ("on", "", "won"),
    (True, False, "won"),
    ("on", "on", "lost"),
    ("", "", "lost"),
    (False, True, "lost"),
])
def test_camunda_style_conditions_route_the_cycle(platform: Reglament, actors, a, b, outcome: str) -> None:
    anna = actors["anna"]
    platform.regulation.deploy(actors["head"], [bpmn_file("camunda_conditions.bpmn")])
    cycle = start(platform, anna, "camunda_conditions")
    ended = complete(platform, anna, cycle.id, "Task_Decide", {"a": a, "b": b, "note": "it's a && b || !c"})
    assert (ended.status, ended.outcome) == (outcome, outcome)
    assert ended.variables["note"] == "it's a && b || !c"  # operators inside text are just text
    end = events(platform.regulation.history(anna, cycle.id), "ended")[0]
    assert end.task.element_id == ("End_Won" if outcome == "won" else "End_Lost")


def _deploy_or_problems(platform: Reglament, actor, content: bytes) -> list:
    """The deploy problems of a regulation, or [] when it deployed."""
    try:
        platform.regulation.deploy(actor, [SourceFile("reserved.bpmn", content)])
    except RegulationInvalid as exc:
        return exc.problems
    return []


def test_a_start_event_named_start_either_is_refused_at_deploy_or_starts(platform: Reglament, actors) -> None:
    content = bpmn_file("camunda_conditions.bpmn").content.replace(b'"StartEvent_1"', b'"Start"')
    problems = _deploy_or_problems(platform, actors["head"], content)
    if problems:
        assert any(p.element_id == "Start" for p in problems)
        return
    cycle = start(platform, actors["anna"], "camunda_conditions")
    assert visible(platform, actors["anna"], cycle.id, "mine") == ["Task_Decide"]


def test_an_end_event_named_end_either_is_refused_at_deploy_or_decides_the_outcome(platform: Reglament,
                                                                                   actors) -> None:
    content = bpmn_file("camunda_conditions.bpmn").content.replace(b'"End_Won"', b'"End"')
    problems = _deploy_or_problems(platform, actors["head"], content)
    if problems:
        assert any(p.element_id == "End" for p in problems)
        return
    cycle = start(platform, actors["anna"], "camunda_conditions")
    ended = complete(platform, actors["anna"], cycle.id, "Task_Decide", {"a": True})
    assert (ended.status, ended.outcome) == ("won", "won")
