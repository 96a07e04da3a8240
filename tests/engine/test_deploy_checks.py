"""Deploy refuses what would fail at run time: due dates, timers, responsibility, whatever their form."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import Clock
from cycle_helpers import open_task, start

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.errors import Problem, RegulationInvalid


def diagram(task_attributes: str = 'camunda:assignee="${owner}"', timer: str = "", properties: str = "") -> bytes:
    """Start -> user task 'Call the client' (Task_Call) -> won; optionally a boundary timer on it."""
    boundary = (f'<bpmn:boundaryEvent id="Timer_Call" name="Reminder" cancelActivity="false" '
                f'attachedToRef="Task_Call"><bpmn:timerEventDefinition>{timer}</bpmn:timerEventDefinition>'
                '</bpmn:boundaryEvent><bpmn:sequenceFlow id="F3" sourceRef="Timer_Call" targetRef="End_Reminded" />'
                '<bpmn:endEvent id="End_Reminded" />') if timer else ""
    extension = (f"<bpmn:extensionElements><camunda:properties>{properties}</camunda:properties>"
                 "</bpmn:extensionElements>") if properties else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Definitions_checks" targetNamespace="http://reglament.dev/test">
  <bpmn:process id="checked_sale" name="Checked sale" isExecutable="true">
    <bpmn:startEvent id="Start_C" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start_C" targetRef="Task_Call" />
    <bpmn:userTask id="Task_Call" name="Call the client" {task_attributes}>{extension}</bpmn:userTask>
    {boundary}
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Call" targetRef="End_Won" />
    <bpmn:endEvent id="End_Won"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="outcome" value="won" /></camunda:properties></bpmn:extensionElements></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()


def refused(platform: Reglament, actors, content: bytes) -> Problem:
    with pytest.raises(RegulationInvalid) as caught:
        platform.regulation.deploy(actors["head"], [SourceFile("checked.bpmn", content)])
    assert [r.key for r in platform.regulation.regulations()] == ["new_client_sale"], "nothing is stored"
    problems = caught.value.problems
    assert len(problems) == 1, problems
    return problems[0]


def test_a_due_date_of_next_week_is_refused_at_deploy_naming_the_task(platform: Reglament, actors) -> None:
    problem = refused(platform, actors, diagram('camunda:assignee="${owner}" camunda:dueDate="next week"'))
    assert (problem.element_id, problem.element_name) == ("Task_Call", "Call the client")
    assert problem.message.startswith("due date: 'next week' is not a date or a duration; write an ISO-8601 date")
    assert "P2D" in problem.message and "${dateTime().plusDays(2).toDate()}" in problem.message
    assert problem.line is not None


@pytest.mark.parametrize(("attributes", "timer", "properties", "message"), [
    ('camunda:assignee="${owner}" camunda:followUpDate="tomorrow"', "", "",
     "follow-up date: 'tomorrow' is not a date or a duration"),
    ('camunda:assignee="${owner}" camunda:dueDate="${\'next week\'}"', "", "",
     "due date: \"${'next week'}\" gives 'next week', which is not a date or a duration"),
    ('camunda:assignee="${owner}" camunda:dueDate="${dateTime().plusDays(}"', "", "",
     "due date: Syntax error in expression"),
    ('camunda:assignee="${owner}"', "", '<camunda:property name="due" value="two days" />',
     "property due: 'two days' is not an ISO-8601 duration"),
    ('camunda:assignee="${owner}" camunda:candidateGroups="Sales,,Legal"', "", "",
     "candidate groups: 'Sales,,Legal' has an empty name"),
    ('camunda:assignee="anna, boris"', "", "", "assignee: 'anna, boris': a task has one assignee"),
    ('camunda:candidateUsers="${owner.getClass()}"', "", "",
     "candidate users: Expression '${owner.getClass()}': the method 'getClass' may not be called"),
    ('camunda:assignee="${owner}"', '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">tomorrow</bpmn:timeDuration>',
     "", "timer timeDuration: 'tomorrow' is not an ISO-8601 duration"),
    ('camunda:assignee="${owner}"', '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">soon</bpmn:timeDate>',
     "", "timer timeDate: 'soon' is not an ISO-8601 date and time"),
    ('camunda:assignee="${owner}"', '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">${currentUser()'
     '</bpmn:timeDuration>', "", "timer timeDuration: Expression '${currentUser()': '${currentUser()' opens an "
     "expression with '${' that is never closed"),
    ('camunda:assignee="${owner}"', '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">PT1H</bpmn:timeCycle>',
     "", "timer timeCycle: 'PT1H' is not a repetition"),
    ('camunda:assignee="${owner}"', '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">0 0 9 ? * FUNDAY</bpmn:timeCycle>',
     "", "timer timeCycle: '0 0 9 ? * FUNDAY' is not a repetition"),
    ('camunda:assignee="${owner}"', '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">0 0 25 ? * MON</bpmn:timeCycle>',
     "", "timer timeCycle: cron '0 0 25 ? * MON': the hours field has 25, outside 0-23"),
    ('camunda:assignee="${owner}"', '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">* * * * * ?</bpmn:timeCycle>',
     "", "timer timeCycle: cron '* * * * * ?' fires every 1 s, more often than a repeating timer may fire; "
         "the limit is 1 min (MIN_TIMER_CYCLE)"),
    ('camunda:assignee="${owner}"', '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">0 0 12 31 2 ?</bpmn:timeCycle>',
     "", "timer timeCycle: cron '0 0 12 31 2 ?' never fires"),
    ('camunda:assignee="${owner}"', '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression"></bpmn:timeDuration>',
     "", "timer timeDuration: is empty"),
], ids=["follow-up", "constant-expression", "syntax", "due-property", "empty-group", "two-assignees",
        "method", "duration", "date", "unclosed", "cycle", "cron-field", "cron-range", "cron-too-fast", "cron-never", "empty"])
def test_a_value_that_would_fail_at_run_time_is_refused_naming_the_element(
        platform: Reglament, actors, attributes: str, timer: str, properties: str, message: str) -> None:
    problem = refused(platform, actors, diagram(attributes, timer, properties))
    assert problem.element_id in ("Task_Call", "Timer_Call")
    assert problem.message.startswith(message), problem.message


@pytest.mark.parametrize(("attributes", "timer"), [
    ('camunda:assignee="${owner}" camunda:dueDate="P2D"', ""),
    ('camunda:assignee="${owner}" camunda:dueDate="2026-12-31"', ""),
    ('camunda:assignee="${owner}" camunda:dueDate="2026-12-31T17:00:00Z"', ""),
    ('camunda:assignee="${owner}" camunda:dueDate="${dateTime().plusWeeks(1).toDate()}"', ""),
    ('camunda:assignee="${owner}" camunda:followUpDate="${due_on}"', ""),
    ('camunda:assignee="${empty owner ? \'head\' : owner}" camunda:candidateGroups="sales_${segment}, Legal"', ""),
    ('camunda:assignee="${owner}"', '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">0 0/5 * * * ?</bpmn:timeCycle>'),
    ('camunda:assignee="${owner}"', '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">0 0 9 ? * MON-FRI</bpmn:timeCycle>'),
    ('camunda:assignee="${owner}"', '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">2027-01-15T09:00:00Z</bpmn:timeDate>'),
    ('camunda:assignee="${owner}"', '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">${wait}</bpmn:timeDuration>'),
    ('camunda:assignee="${owner}"', '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">PT5M</bpmn:timeDate>'),
])
def test_the_forms_camunda_writes_deploy(platform: Reglament, actors, attributes: str, timer: str) -> None:
    deployed = platform.regulation.deploy(actors["head"], [SourceFile("checked.bpmn", diagram(attributes, timer))])
    assert (deployed.key, deployed.version) == ("checked_sale", 1)


def test_expressions_in_responsibility_and_due_date_work_in_a_cycle(platform: Reglament, actors,
                                                                   clock: Clock) -> None:
    attributes = ('camunda:assignee="${empty segment ? owner : \'head\'}" camunda:candidateGroups="team_${owner}" '
                  'camunda:dueDate="${dateTime().plusDays(2).toDate()}"')
    platform.regulation.deploy(actors["head"], [SourceFile("checked.bpmn", diagram(attributes))])
    cycle = start(platform, actors["anna"], "checked_sale")
    task = open_task(platform, actors["anna"], cycle.id, "Task_Call")
    assert task.assignee == "anna" and task.candidate_groups == ("team_anna",)
    assert task.due_at == clock.now + timedelta(days=2)


def test_a_time_date_written_as_a_duration_fires_that_long_after_the_task_opened(platform: Reglament, actors,
                                                                                clock: Clock) -> None:
    """Camunda reads a timeDate of PT5M as five minutes from now; so does Reglament."""
    from engine.platform.worker import Worker

    timer = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">PT5M</bpmn:timeDate>'
    platform.regulation.deploy(actors["head"], [SourceFile("checked.bpmn", diagram(timer=timer))])
    cycle = start(platform, actors["anna"], "checked_sale")
    history = platform.regulation.history(actors["head"], cycle.id)
    assert not any(e.type == "incident" for e in history)
    worker = Worker(platform)
    clock.advance(minutes=4, seconds=59)
    assert worker.run_once() == 0
    clock.advance(seconds=2)
    assert worker.run_once() == 1
    history = platform.regulation.history(actors["head"], cycle.id)
    assert any(e.type == "passed" and (e.task.element_id if e.task else None) == "Timer_Call" for e in history)


def test_candidate_groups_mix_literals_and_expressions_as_camunda_reads_them(platform: Reglament, actors) -> None:
    attributes = 'camunda:candidateGroups="${segment == null ? \'Sales,Legal\' : segment}, team_${owner}, Presales"'
    platform.regulation.deploy(actors["head"], [SourceFile("checked.bpmn", diagram(attributes))])
    cycle = start(platform, actors["anna"], "checked_sale")
    task = open_task(platform, actors["anna"], cycle.id, "Task_Call")
    assert task.assignee is None
    assert sorted(task.candidate_groups) == ["Legal", "Presales", "Sales", "team_anna"]


@pytest.mark.parametrize(("text", "variables", "expected"), [
    ("Sales, Legal", {}, ["Sales", "Legal"]),
    ("${teams}", {"teams": ["Sales", "Legal"]}, ["Sales", "Legal"]),
    ("${max(a, b)}, Legal", {"a": "x", "b": "y"}, ["y", "Legal"]),  # the comma inside ${} is the call's
    ("${nobody}, Legal", {"nobody": None}, ["Legal"]),
])
def test_candidate_names_of_an_attribute(text: str, variables: dict, expected: list[str]) -> None:
    from engine.regulation import candidates

    assert candidates.names(text, variables) == expected


def test_a_deferred_due_date_expression_is_evaluated_too(platform: Reglament, actors, clock: Clock) -> None:
    attributes = 'camunda:assignee="${owner}" camunda:dueDate="#{dateTime().plusHours(4).toDate()}"'
    platform.regulation.deploy(actors["head"], [SourceFile("checked.bpmn", diagram(attributes))])
    cycle = start(platform, actors["anna"], "checked_sale")
    assert open_task(platform, actors["anna"], cycle.id, "Task_Call").due_at == clock.now + timedelta(hours=4)


CALLING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_calling" targetNamespace="http://reglament.dev/t">
  <bpmn:process id="calling_sale" name="Calling sale" isExecutable="true">
    <bpmn:startEvent id="Start_A" />
    <bpmn:sequenceFlow id="A1" sourceRef="Start_A" targetRef="Call_Review" />
    <bpmn:callActivity id="Call_Review" name="Legal review" calledElement="review">
      <bpmn:extensionElements>
        <camunda:in sourceExpression="SOURCE" target="amount" />
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="COLLECTION" camunda:elementVariable="item" />
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="A2" sourceRef="Call_Review" targetRef="End_A" />
    <bpmn:endEvent id="End_A" />
  </bpmn:process>
  <bpmn:process id="review" name="Review" isExecutable="false">
    <bpmn:startEvent id="Start_R" />
    <bpmn:sequenceFlow id="R1" sourceRef="Start_R" targetRef="Task_R" />
    <bpmn:userTask id="Task_R" name="Review" camunda:assignee="${owner}" />
    <bpmn:sequenceFlow id="R2" sourceRef="Task_R" targetRef="End_R" />
    <bpmn:endEvent id="End_R" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(("source", "collection", "message"), [
    ("${order.getTotal()}", "${items}", "camunda:in sourceExpression: Expression '${order.getTotal()}': the method "
                                        "'getTotal' may not be called"),
    ("${order.total}", "${items.stream()}", "camunda:collection: Expression '${items.stream()}': the method "
                                            "'stream' may not be called"),
])
def test_call_mappings_and_collections_are_checked_at_deploy(platform: Reglament, actors, source: str,
                                                              collection: str, message: str) -> None:
    content = CALLING.replace("SOURCE", source).replace("COLLECTION", collection).encode()
    with pytest.raises(RegulationInvalid) as caught:
        platform.regulation.deploy(actors["head"], [SourceFile("calling.bpmn", content)])
    mine = [p for p in caught.value.problems if p.message.startswith(message)]
    assert mine and mine[0].element_id == "Call_Review", caught.value.problems
