"""Comparing two versions names the elements added, removed and changed."""
from __future__ import annotations

from conftest import DEMO_BPMN

from engine.platform.root import Reglament
from engine.regulation.diff import diff
from engine.regulation.versions import SourceFile

DEMO = DEMO_BPMN.read_text()


def test_identical_versions_have_no_changes() -> None:
    result = diff(DEMO, DEMO)
    assert result.changes == () and result.layout_changed is False


def test_a_renamed_task_and_a_changed_condition_are_reported() -> None:
    new = DEMO.replace('name="Prepare demo"', 'name="Prepare product demo"').replace(
        "${result == 'refused'}", "${result == 'refused' or budget == 0}", 1)
    changes = {c.element_id: c for c in diff(DEMO, new).changes}
    assert set(changes) == {"Task_PrepareDemo", "Flow_Qualified_Refused"}
    assert changes["Task_PrepareDemo"].details == ("name 'Prepare demo' -> 'Prepare product demo'",)
    assert changes["Flow_Qualified_Refused"].details == ("conditionExpression changed",)


def test_a_changed_form_field_or_property_is_a_change_of_its_task() -> None:
    new = DEMO.replace('<camunda:property name="work_type" value="demo" />',
                       '<camunda:property name="work_type" value="meeting" />')
    (change,) = diff(DEMO, new).changes
    assert change.element_id == "Task_PrepareDemo" and change.details == ("extensionElements changed",)


def test_added_and_removed_elements_and_layout_moves() -> None:
    new = DEMO.replace('<bpmn:startEvent id="StartEvent_1"', '<bpmn:startEvent id="StartEvent_First"')
    new = new.replace('bpmnElement="StartEvent_1"', 'bpmnElement="StartEvent_First"')
    result = diff(DEMO, new)
    kinds = {(c.change, c.element_id) for c in result.changes}
    assert ("added", "StartEvent_First") in kinds and ("removed", "StartEvent_1") in kinds
    assert result.layout_changed


def test_the_platform_compares_two_deployed_versions(platform: Reglament, actors) -> None:
    changed = DEMO.replace('name="Review contract"', 'name="Legal review"')
    platform.regulation.deploy(actors["head"], [SourceFile("new_client_sale.bpmn", changed.encode())])
    result = platform.regulation.compare_versions("new_client_sale", 1, 2)
    assert [(c.change, c.element_id) for c in result.changes] == [("changed", "Task_ContractReview")]
