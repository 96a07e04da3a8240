"""A deploy's refusals and warnings carry a code and parameters (engine/regulation/problem_texts.py),
so that the web can show them in the reader's language; the English message stays as it was."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from engine.regulation import expression_checks, limits, problem_texts, structure
from engine.regulation.external_spec import external_problem
from engine.regulation.problem_texts import PROBLEMS
from engine.regulation.signal_spec import name_problem
from engine.regulation.versions import SourceFile, compile_regulation
from engine.shared import notices
from engine.shared.errors import Problem, RegulationInvalid

PLACEHOLDER = re.compile(r"%\((\w+)\)s")

NAMESPACES = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
              'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
              'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')
WON = ('<bpmn:endEvent id="End_Won"><bpmn:extensionElements><camunda:properties>'
       '<camunda:property name="outcome" value="won" /></camunda:properties></bpmn:extensionElements>'
       '</bpmn:endEvent>')


def process(*nodes: str, pid: str = "coded", top: str = "") -> bytes:
    """A process Start -> Task_A (a user task for the owner) -> End_Won plus ``nodes``."""
    body = "\n    ".join(nodes)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="Defs" targetNamespace="http://reglament.dev/test">
  {top}
  <bpmn:process id="{pid}" name="Coded" isExecutable="true">
    <bpmn:startEvent id="Start_A" />
    <bpmn:sequenceFlow id="F_A" sourceRef="Start_A" targetRef="Task_A" />
    <bpmn:userTask id="Task_A" name="Call" camunda:assignee="${{owner}}" />
    <bpmn:sequenceFlow id="F_B" sourceRef="Task_A" targetRef="End_Won" />
    {WON}
    {body}
  </bpmn:process>
</bpmn:definitions>
""".encode()


def user_task(attributes: str, inner: str = "") -> str:
    return f'<bpmn:userTask id="Task_U" name="Checked" {attributes}>{inner}</bpmn:userTask>'


def form(*fields: str) -> str:
    return ("<bpmn:extensionElements><camunda:formData>" + "".join(fields)
            + "</camunda:formData></bpmn:extensionElements>")


def timer(kind: str, value: str) -> str:
    return (f'<bpmn:intermediateCatchEvent id="Timer_T" name="Wait"><bpmn:timerEventDefinition>'
            f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{value}</bpmn:{kind}>'
            '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')


def problems_of(content: bytes, name: str = "coded.bpmn", *others: SourceFile) -> list[Problem]:
    try:
        compiled = compile_regulation([SourceFile(name, content), *others])
    except RegulationInvalid as exc:
        return exc.problems
    return compiled.warnings


def english(value: Any) -> str:
    """A stored parameter as the English shows it (numbers with thousands separators)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def codes_in(params: Mapping[str, Any]) -> set[str]:
    """The codes of the notices nested in stored parameters."""
    found: set[str] = set()
    for value in params.values():
        if isinstance(value, Mapping) and "code" in value:
            found |= {str(value["code"])} | codes_in(value.get("params") or {})
    return found


def assert_coded(problem: Problem) -> None:
    """The problem has a code of the deploy's table, and its stored code and parameters render
    its English message again (nested notices included)."""
    assert problem.code in PROBLEMS, problem
    assert codes_in(problem.params) <= set(PROBLEMS), problem.params
    assert problem.rendered(lambda text: text, show=english) == problem.message
    assert notices.render(problem.code, problem.params, show=english) == problem.message
    assert not PLACEHOLDER.search(problem.message), problem.message


# every template: its placeholders, and what a call site passes


#: parameters as the call sites pass them, for every code
SAMPLES: dict[str, dict[str, Any]] = {
    "document_too_large": {"filename": "big.bpmn", "size": 6_000_000, "limit": 5_242_880},
    "document_empty": {"filename": "a.bpmn"},
    "document_dtd_refused": {"filename": "a.bpmn"},
    "document_not_well_formed": {"filename": "a.bpmn", "reason": "Opening and ending tag mismatch"},
    "document_unreadable": {"filename": "a.bpmn", "reason": "bad"},
    "document_not_bpmn": {"filename": "a.bpmn", "root": "'html'"},
    "document_nested_too_deeply": {"filename": "a.bpmn"},
    "document_no_process": {"filename": "a.bpmn"},
    "document_no_executable_process": {"filename": "a.bpmn"},
    "regulation_bpmn_files": {"count": "2"},
    "process_id_invalid": {},
    "spiff_cannot_use": {"reason": "x"},
    "construct_unsupported": {"error": "KeyError", "reason": "'x'"},
    "called_process_diagram_only": {"process": "'other'"},
    "version_diagram_only": {"key": "'sale'", "version": "3"},
    "script_task_refused": {},
    "service_task_refused": {},
    "code_attribute_refused": {"attribute": "class"},
    "execution_listener_refused": {},
    "task_listener_refused": {},
    "embedded_script_refused": {},
    "connector_refused": {},
    "spiff_script_refused": {"extension": "preScript"},
    "external_wrong_element": {"element": "userTask"},
    "external_no_topic": {},
    "external_topic_too_long": {"limit": "200"},
    "condition_language_unsupported": {"language": "'groovy'"},
    "outcome_unknown": {"outcome": "'maybe'"},
    "call_activity_case_ref": {},
    "call_activity_no_called_element": {},
    "conditional_event_no_condition": {},
    "condition_empty": {},
    "condition_invalid": {"reason": "Syntax error"},
    "expression_empty": {"what": "loopCardinality"},
    "expression_invalid": {"what": "camunda:collection", "reason": "Syntax error"},
    "form_field_id_invalid": {"field": "'1x'"},
    "form_field_twice": {"field": "'a'"},
    "form_field_type_unsupported": {"field": "'a'", "type": "'x'", "types": "string, long"},
    "form_field_enum_no_values": {"field": "'a'"},
    "form_constraint_validator_refused": {"field": "'a'"},
    "form_constraint_unsupported": {"field": "'a'", "constraint": "'x'", "constraints": "required, min"},
    "form_constraint_not_number": {"field": "'a'", "constraint": "min", "config": "'x'"},
    "form_constraint_required_if": {"field": "'a'", "config": "'x=y'"},
    "user_task_assignee": {"reason": notices.Notice("attribute_empty")},
    "user_task_candidate_groups": {"reason": notices.Notice("attribute_empty")},
    "user_task_candidate_users": {"reason": notices.Notice("attribute_empty")},
    "user_task_due_date": {"reason": notices.Notice("value_empty")},
    "user_task_follow_up_date": {"reason": notices.Notice("value_empty")},
    "user_task_due_property": {"reason": notices.Notice("due_not_duration", {"value": "'x'"})},
    "value_empty": {},
    "attribute_empty": {},
    "date_expression_not_date": {"value": "\"${'x'}\"", "result": "'x'"},
    "date_not_date": {"value": "'x'"},
    "due_not_duration": {"value": "'x'"},
    "names_empty_item": {"value": "'a,,b'"},
    "assignee_several": {"value": "'a, b'"},
    "name_invalid": {"value": "'a b!'"},
    "name_too_long": {"value": "'aaa'", "length": "1200", "limit": "64"},
    "timer_problem": {"kind": "timeDuration", "reason": notices.Notice("timer_empty", {
        "forms": notices.Notice("timer_forms_duration")})},
    "timer_empty": {"forms": notices.Notice("timer_forms_date")},
    "timer_expression_not_value": {"value": "'${1}'", "result": "1", "forms": notices.Notice("timer_forms_cycle")},
    "timer_value_invalid": {"value": "'x'", "forms": notices.Notice("timer_forms_duration")},
    "timer_forms_duration": {},
    "timer_forms_date": {},
    "timer_forms_cycle": {},
    "cron_unreadable": {"cron": "'x'", "reason": "has 1 fields"},
    "cron_too_often": {"cron": "'* * * * * ?'", "seconds": "1", "limit": problem_texts.limit("MIN_TIMER_CYCLE",
                                                                                           limits.MIN_TIMER_CYCLE)},
    "cron_never_fires": {"cron": "'0 0 0 30 2 ?'"},
    "timer_cycle_too_often": {"cycle": "'R/PT1S'", "seconds": "1",
                              "limit": problem_texts.limit("MIN_TIMER_CYCLE", limits.MIN_TIMER_CYCLE)},
    "limit_is": {"value": 1_000, "name": "MAX_LOOP_CARDINALITY"},
    "limit_hours": {"count": "2"},
    "limit_minutes": {"count": "1"},
    "limit_seconds": {"count": "30"},
    "loop_cardinality_over_limit": {"value": 2_000, "max": 1_000, "limit": problem_texts.limit(
        "MAX_LOOP_CARDINALITY", limits.MAX_LOOP_CARDINALITY)},
    "fan_out_over_limit": {"element": "parallelGateway", "branches": 51, "limit": problem_texts.limit(
        "MAX_GATEWAY_FAN_OUT", limits.MAX_GATEWAY_FAN_OUT)},
    "call_cycle_own_process": {"called": "'a'", "route": "a (Call_A) → a"},
    "call_cycle": {"called": "'b'", "process": "'a'", "route": "a (Call_A) → b (Call_B) → a"},
    "call_not_deployed_yet": {"called": "'later'"},
    "compensation_unsupported": {},
    "error_end_event_no_ref": {},
    "error_no_code": {"error": "'Error_1'"},
    "reference_wrong_kind": {"attribute": "escalationRef", "ref": "'X'", "kind": "message", "target": "escalation",
                             "id": "X"},
    "reference_missing": {"attribute": "escalationRef", "ref": "'X'", "target": "escalation", "id": "X"},
    "link_catch_twice": {"name": "'L'", "other": "Catch_1"},
    "link_no_catch": {"name": "'L'"},
    "lane_nameless": {"lane": "Lane_1"},
    "start_event_missing": {"scope": "subProcess"},
    "subprocess_start_events": {},
    "subprocess_start_event_kind": {"definition": "timerEventDefinition"},
    "message_nameless": {"message": "'Message_1'"},
    "nested_event_subprocess": {},
    "io_parameter_no_name": {},
    "io_parameter_invalid": {"reason": "Syntax error"},
    "call_mapping_incomplete": {"mapping": "in"},
    "signal_no_name": {},
    "signal_name_expression": {"name": "'${x}'"},
    "signal_name_too_long": {"limit": "200"},
    "signal_no_ref": {},
    "signal_ref_unknown": {"ref": "'S'"},
    "dmn_file_invalid": {"filename": "a.dmn", "reason": "x"},
    "decision_in_two_files": {"decision": "'d'", "first": "a.dmn", "second": "b.dmn"},
    "rule_task_problem": {"task": "'Rate'", "reason": notices.Notice("rule_task_no_decision_ref")},
    "rule_task_no_decision_ref": {},
    "rule_task_binding_unknown": {"binding": "'x'", "bindings": "latest, deployment"},
    "rule_task_version_missing": {},
    "rule_task_version_tag_missing": {},
    "rule_task_tenant_unsupported": {},
    "rule_task_mapping_unknown": {"mapping": "'x'", "mappings": "singleEntry, resultList"},
    "rule_task_result_variable_invalid": {"variable": "'1x'"},
    "rule_task_decision_unusable": {"decision": "'d'", "file": "a.dmn", "reason": "x"},
    "rule_task_mapping_one_output": {"mapping": "singleEntry", "decision": "'d'", "outputs": "2"},
    "decision_not_deployed_version": {"decision": "'d'"},
    "decision_version_tag": {"tag": "'v1'"},
    "decision_not_deployed_known": {"decision": "'d'", "tagged": "", "known": "a, b"},
    "decision_not_deployed_no_dmn": {"decision": "'d'", "tagged": notices.Notice("decision_version_tag",
                                                                                  {"tag": "'v1'"})},
    "decision_not_in_deployment_known": {"decision": "'d'", "tagged": "", "known": "a"},
    "decision_not_in_deployment_no_dmn": {"decision": "'d'", "tagged": ""},
}


def test_every_code_has_the_parameters_its_call_sites_pass() -> None:
    assert set(SAMPLES) == set(PROBLEMS)
    for code, template in PROBLEMS.items():
        assert notices.template(code) == template, f"{code} is registered"
        assert set(PLACEHOLDER.findall(template)) == set(SAMPLES[code]), code
        assert "%" not in PLACEHOLDER.sub("", template), f"{code}: a stray % in the template"
        problem = Problem.coded("Task_1", code, SAMPLES[code])
        assert_coded(problem)


def test_a_code_is_snake_case_and_names_one_text() -> None:
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", code) for code in PROBLEMS)
    assert len(set(PROBLEMS.values())) == len(PROBLEMS), "two codes with one text"


# the helpers give the English they gave before they had codes


@pytest.mark.parametrize(("name", "value"), [
    ("MAX_LOOP_CARDINALITY", limits.MAX_LOOP_CARDINALITY), ("MAX_GATEWAY_FAN_OUT", limits.MAX_GATEWAY_FAN_OUT),
    ("MIN_TIMER_CYCLE", limits.MIN_TIMER_CYCLE), ("X", timedelta(hours=2)), ("X", timedelta(seconds=90)),
    ("X", timedelta(seconds=30)), ("X", 1_234_567), ("X", 0.5),
])
def test_a_limit_reads_as_limits_describe_has_it(name: str, value: object) -> None:
    assert problem_texts.limit(name, value).text == limits.describe(name, value)


def test_the_structure_checks_keep_their_english() -> None:
    cardinality = structure.cardinality_problem("2000")
    assert cardinality is not None and cardinality.text == (
        "loop cardinality 2,000 is over the limit: a multi-instance activity runs at most 1,000 instances; "
        "the limit is 1,000 (MAX_LOOP_CARDINALITY)")
    cycle = structure.timer_cycle_problem("R/PT1S")
    assert cycle is not None and cycle.text == (
        "timer cycle 'R/PT1S' repeats every 1 s, more often than a repeating timer may fire; "
        "the limit is 1 min (MIN_TIMER_CYCLE)")
    fan_out = structure.fan_out_problem("parallelGateway", 1_200)
    assert fan_out is not None and fan_out.text == (
        "parallelGateway splits into 1,200 parallel branches; the limit is 50 (MAX_GATEWAY_FAN_OUT)")
    assert structure.fan_out_problem("exclusiveGateway", 1_200) is None
    stored = Problem.coded("MI", cardinality.code, cardinality.params).params
    assert (stored["value"], stored["max"], stored["limit"]["params"]["value"]) == (2_000, 1_000, 1_000), \
        "numbers stay numbers, for the reader's way of writing them"


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("timeDuration", "", "timer timeDuration: is empty; write an ISO-8601 duration (PT48H, P3D) or an expression "
     "giving one, such as ${wait}"),
    ("timeDate", "soon", "timer timeDate: 'soon' is not an ISO-8601 date and time (2026-12-31T09:00:00Z), a "
     "duration from now (PT5M, as Camunda reads it) or an expression giving one, such as "
     "${dateTime().plusDays(1).toDate()}"),
    ("timeCycle", "${1 + 1}", "timer timeCycle: '${1 + 1}' gives 2; write a repetition R<n>/<duration> (R3/PT1H, "
     "R/P1D), a cron expression as Camunda writes it (0 0 9 ? * MON-FRI) or an expression giving one"),
    ("timeCycle", "0/1 * * * * ?", "timer timeCycle: cron '0/1 * * * * ?' fires every 1 s, more often than a "
     "repeating timer may fire; the limit is 1 min (MIN_TIMER_CYCLE)"),
    ("timeCycle", "0 0 0 30 2 ?", "timer timeCycle: cron '0 0 0 30 2 ?' never fires"),
    ("timeCycle", "R/PT10S", "timer cycle 'R/PT10S' repeats every 10 s, more often than a repeating timer may "
     "fire; the limit is 1 min (MIN_TIMER_CYCLE)"),
])
def test_a_timer_problem_keeps_its_english(kind: str, value: str, message: str) -> None:
    problem = expression_checks.timer_problem(kind, value)
    assert problem is not None and problem.text == message
    assert_coded(Problem.coded("Timer_T", problem.code, problem.params))


def test_a_user_task_problem_keeps_its_english() -> None:
    found = expression_checks.user_task_problems(
        {"assignee": "anna, boris", "candidateGroups": "Sales,,Legal", "candidateUsers": "x" * 70,
         "dueDate": "next week", "followUpDate": "  "}, "two days")
    assert [n.text for n in found] == [
        "assignee: 'anna, boris': a task has one assignee; use candidateUsers for several people",
        "candidate groups: 'Sales,,Legal' has an empty name; separate names with single commas",
        f"candidate users: {'x' * 40!r}... is 70 characters long; the limit is 64",
        "due date: 'next week' is not a date or a duration; write an ISO-8601 date (2026-12-31), date and time "
        "(2026-12-31T17:00:00Z), duration from the task's start (P2D, PT4H, P1W) or an expression such as "
        "${dateTime().plusDays(2).toDate()}",
        "follow-up date: is empty",
        "property due: 'two days' is not an ISO-8601 duration such as P2D, PT4H or P1W",
    ]
    assert expression_checks.user_task_problems({"assignee": " "}, None)[0].text == \
        "assignee: is empty; remove the attribute or name someone"


def test_signal_and_external_task_problems_keep_their_english() -> None:
    assert [n.text for n in (name_problem(""), name_problem("${x}"), name_problem("s" * 201)) if n] == [
        "the signal has no name: signals reach the cycles that wait for the same name",
        "signal name '${x}' is an expression; Reglament routes signals by literal names: name the signal as "
        "written in every event that throws or catches it",
        "the signal name is longer than 200 characters"]
    assert [n.text for n in (external_problem("userTask", "t"), external_problem("sendTask", " "),
                             external_problem("serviceTask", "t" * 201)) if n] == [
        "camunda:type=\"external\" on a userTask is not something Camunda 7 runs; put it on a service, send "
        "or business rule task",
        "external task has no camunda:topic: workers fetch their work by topic",
        "external task topic is longer than 200 characters"]


# refused diagrams: every problem coded, its English as before


@pytest.mark.parametrize(("content", "message"), [
    (b"", "coded.bpmn is empty"),
    (b"<a><b></a>", "coded.bpmn is not well-formed XML: Opening and ending tag mismatch: b line 1 and a, line 1, "
     "column 11"),
    (b'<!DOCTYPE x><a/>', "coded.bpmn declares a DTD or entities, which are refused for safety; remove the "
     "<!DOCTYPE> block"),
    (b"<html/>", "coded.bpmn is not a BPMN 2.0 document (root element is 'html', expected bpmn:definitions)"),
    (process(pid="1bad"), "the process id becomes the regulation's key: use at most 200 letters, digits, '_', "
     "'-' or '.', starting with a letter"),
    (process('<bpmn:scriptTask id="S" />'), "scriptTask refused: script tasks run code, which uploaded "
     "regulations may not do; replace it with a user task or a business rule (DMN) task"),
    (process('<bpmn:task id="J" camunda:class="x.Y" />'), "camunda:class refused: it would run code"),
    (process('<bpmn:task id="L"><bpmn:extensionElements><camunda:taskListener event="create" class="x" />'
             '</bpmn:extensionElements></bpmn:task>'), "camunda:taskListener refused: task listeners run code"),
    (process('<bpmn:task id="P"><bpmn:extensionElements><spiffworkflow:preScript>x = 1</spiffworkflow:preScript>'
             '</bpmn:extensionElements></bpmn:task>'), "spiffworkflow:preScript refused: it would run code"),
    (process('<bpmn:sendTask id="E" camunda:type="external" />'),
     "external task has no camunda:topic: workers fetch their work by topic"),
    (process('<bpmn:endEvent id="M"><bpmn:extensionElements><camunda:properties><camunda:property name="outcome" '
             'value="maybe" /></camunda:properties></bpmn:extensionElements></bpmn:endEvent>'),
     "outcome 'maybe' is not known; use 'won' or 'lost'"),
    (process('<bpmn:callActivity id="C" />'), "call activity has no calledElement (the process it calls): "
     "Camunda 7 refuses it too"),
    (process('<bpmn:sequenceFlow id="F_X" sourceRef="Task_A" targetRef="End_Won"><bpmn:conditionExpression '
             'xsi:type="bpmn:tFormalExpression">  </bpmn:conditionExpression></bpmn:sequenceFlow>'),
     "condition is empty"),
    (process('<bpmn:task id="MI"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>'
             '</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:task>'),
     "loopCardinality is empty"),
    (process('<bpmn:task id="MI"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>5000'
             '</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:task>'),
     "loop cardinality 5,000 is over the limit: a multi-instance activity runs at most 1,000 instances; the "
     "limit is 1,000 (MAX_LOOP_CARDINALITY)"),
    (process(user_task('camunda:assignee="${owner}"', form(
        '<camunda:formField id="kind" type="enum" />'))), "form field 'kind' is an enum with no values"),
    (process(user_task('camunda:assignee="${owner}"', form(
        '<camunda:formField id="n" type="long"><camunda:validation><camunda:constraint name="min" config="x" />'
        '</camunda:validation></camunda:formField>'))), "form field 'n': constraint min needs a number, got 'x'"),
    (process(user_task('camunda:assignee="${owner}"', form(
        '<camunda:formField id="n" type="color" />'))),
     "form field 'n' has type 'color'; supported types are string, long, boolean, date, enum, money, file"),
    (process(user_task('camunda:assignee="${owner}" camunda:dueDate="next week"')),
     "due date: 'next week' is not a date or a duration; write an ISO-8601 date (2026-12-31), date and time "
     "(2026-12-31T17:00:00Z), duration from the task's start (P2D, PT4H, P1W) or an expression such as "
     "${dateTime().plusDays(2).toDate()}"),
    (process(timer("timeDuration", "tomorrow")), "timer timeDuration: 'tomorrow' is not an ISO-8601 duration "
     "(PT48H, P3D) or an expression giving one, such as ${wait}"),
    (process('<bpmn:intermediateThrowEvent id="T"><bpmn:compensateEventDefinition />'
             '</bpmn:intermediateThrowEvent>'), "compensation is not supported: Reglament does not undo completed "
     "work; model the correction as ordinary tasks (for example a task on an error path)"),
    (process('<bpmn:endEvent id="Err"><bpmn:errorEventDefinition /></bpmn:endEvent>'),
     "an error end event needs an errorRef (the error it throws); Camunda refuses it too"),
    (process('<bpmn:endEvent id="Esc"><bpmn:escalationEventDefinition escalationRef="Nope" /></bpmn:endEvent>'),
     "escalationRef 'Nope' names nothing in this file, not a bpmn:escalation; declare <bpmn:escalation "
     "id=\"Nope\"> or pick an existing one (Camunda 7 refuses it too)"),
    (process('<bpmn:endEvent id="Esc"><bpmn:escalationEventDefinition escalationRef="Task_A" /></bpmn:endEvent>'),
     "escalationRef 'Task_A' names a bpmn:userTask, not a bpmn:escalation; declare <bpmn:escalation "
     "id=\"Task_A\"> or pick an existing one (Camunda 7 refuses it too)"),
    (process('<bpmn:subProcess id="Sub" />'), "subProcess must define a startEvent element (Camunda 7 refuses "
     "it too)"),
    (process('<bpmn:intermediateThrowEvent id="Sig"><bpmn:signalEventDefinition signalRef="S" />'
             '</bpmn:intermediateThrowEvent>'), "signalRef 'S' names no bpmn:signal of this file"),
    (process('<bpmn:intermediateThrowEvent id="Sig"><bpmn:signalEventDefinition signalRef="S" />'
             '</bpmn:intermediateThrowEvent>', top='<bpmn:signal id="S" name="${x}" />'),
     "signal name '${x}' is an expression; Reglament routes signals by literal names: name the signal as "
     "written in every event that throws or catches it"),
    (process('<bpmn:intermediateCatchEvent id="Msg"><bpmn:messageEventDefinition messageRef="M1" />'
             '</bpmn:intermediateCatchEvent>', top='<bpmn:message id="M1" />'),
     "the message 'M1' it waits for has no name: a message event needs a named message to be correlated "
     "(Camunda 7 refuses it too)"),
    (process('<bpmn:task id="IO"><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="">'
             'x</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:task>'),
     "an input/output parameter has no name"),
    (process('<bpmn:callActivity id="Call" calledElement="coded"><bpmn:extensionElements><camunda:in '
             'source="a" /></bpmn:extensionElements></bpmn:callActivity>'),
     "camunda:in needs source (or sourceExpression) and target, or variables=\"all\" (Camunda 7 refuses it "
     "too)"),
])
def test_a_refused_diagram_names_a_coded_problem_in_its_english(content: bytes, message: str) -> None:
    problems = problems_of(content)
    assert message in [p.message for p in problems], problems
    for problem in problems:
        assert_coded(problem)


def test_a_file_over_the_size_limit_is_refused_with_the_sizes_as_numbers() -> None:
    problems = problems_of(b" " * (5 * 1024 * 1024 + 1))
    assert [p.message for p in problems] == ["coded.bpmn is 5,242,881 bytes; the limit is 5,242,880 bytes"]
    assert problems[0].params == {"filename": "coded.bpmn", "size": 5_242_881, "limit": 5_242_880}
    assert_coded(problems[0])


def test_a_call_cycle_and_a_late_call_are_coded() -> None:
    own = process('<bpmn:callActivity id="Call_Self" calledElement="coded" />')
    problems = problems_of(own)
    assert [p.message for p in problems] == ["call activity calls its own process 'coded': calls may not form "
                                             "a cycle, such a cycle never ends (call path coded (Call_Self) → "
                                             "coded)"]
    assert_coded(problems[0])
    late = problems_of(process('<bpmn:callActivity id="Call_Later" calledElement="later" />'))
    assert [p.message for p in late] == ["call activity calls 'later', which is neither in this file nor "
                                         "deployed: a cycle that reaches it goes into incident until a "
                                         "regulation with process 'later' is deployed, then retrying the cycle "
                                         "runs the call"]
    assert_coded(late[0])


def rule_task(attributes: str) -> str:
    """A business rule task on a branch of its own from the start event."""
    return (f'<bpmn:businessRuleTask id="Rate" name="Rate the deal" {attributes} />'
            '<bpmn:sequenceFlow id="F_R" sourceRef="Start_A" targetRef="Rate" />')


@pytest.mark.parametrize(("attributes", "message"), [
    ("", "business rule task 'Rate the deal': it has no camunda:decisionRef: name the id of the DMN decision it "
     "evaluates"),
    ('camunda:decisionRef="d" camunda:decisionRefBinding="newest"', "business rule task 'Rate the deal': "
     "camunda:decisionRefBinding 'newest' is not one of latest, deployment, version, versionTag"),
    ('camunda:decisionRef="d" camunda:mapDecisionResult="all"', "business rule task 'Rate the deal': "
     "camunda:mapDecisionResult 'all' is not one of singleEntry, singleResult, collectEntries, resultList"),
    ('camunda:decisionRef="d" camunda:decisionRefTenantId="t"', "business rule task 'Rate the deal': "
     "camunda:decisionRefTenantId is not supported: Reglament has no tenants"),
])
def test_a_refused_business_rule_task_is_coded(attributes: str, message: str) -> None:
    problems = problems_of(process(rule_task(attributes)))
    assert [p.message for p in problems] == [message]
    assert (problems[0].element_id, problems[0].code) == ("Rate", "rule_task_problem")
    assert_coded(problems[0])


@pytest.mark.parametrize(("attributes", "message"), [
    ('camunda:decisionRef="d"', "business rule task 'Rate the deal': decision 'd' is in no DMN file of this "
     "deploy (it has no DMN file) nor in a regulation deployed earlier: a cycle that reaches the task goes "
     "into incident until the DMN file is deployed"),
    ('camunda:decisionRef="d" camunda:decisionRefBinding="versionTag" camunda:decisionRefVersionTag="v2"',
     "business rule task 'Rate the deal': decision 'd' with camunda:versionTag 'v2' is in no DMN file of this "
     "deploy (it has no DMN file) nor in a regulation deployed earlier: a cycle that reaches the task goes "
     "into incident until the DMN file is deployed"),
    ('camunda:decisionRef="d" camunda:decisionRefBinding="deployment"', "business rule task 'Rate the deal': "
     "decision 'd' is in no DMN file of this deploy (it has no DMN file): a cycle that reaches the task goes "
     "into incident until the DMN file is deployed"),
    ('camunda:decisionRef="d" camunda:decisionRefBinding="version" camunda:decisionRefVersion="2"',
     "business rule task 'Rate the deal': decision 'd' is in no DMN file of this deploy nor in a regulation "
     "deployed earlier: a cycle that reaches the task goes into incident until the DMN file is deployed"),
])
def test_a_business_rule_task_whose_decision_is_missing_warns_coded(attributes: str, message: str) -> None:
    warnings = problems_of(process(rule_task(attributes)))
    assert [w.message for w in warnings] == [message]
    assert_coded(warnings[0])


def test_problems_are_stored_and_read_back_with_their_code() -> None:
    problem = problems_of(process(user_task('camunda:assignee="${owner}" camunda:dueDate="next week"')))[0]
    again = Problem(**problem.as_dict())
    assert (again.code, again.message) == (problem.code, problem.message)
    assert again.rendered(lambda text: text, show=english) == problem.message
    russian = {PROBLEMS["user_task_due_date"]: "срок: %(reason)s"}
    assert again.rendered(translate=lambda text: russian.get(text, text)).startswith(
        "срок: 'next week' is not a date")
