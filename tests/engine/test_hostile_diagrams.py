"""Uploaded diagrams are untrusted: deploy refuses anything that would run code, blow up the
parser or leave work nobody can see, and says which element is wrong and why."""
from __future__ import annotations

import pytest
from conftest import bpmn_file

from engine.platform.root import Reglament
from engine.regulation.expressions import evaluate
from engine.regulation.versions import SourceFile
from engine.shared.errors import ExpressionError, Problem, RegulationInvalid

NAMESPACES = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
              'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')

CALL = """<bpmn:userTask id="Task_Call" name="Call" camunda:assignee="${owner}">
      <bpmn:incoming>Flow_Start</bpmn:incoming><bpmn:outgoing>Flow_Call</bpmn:outgoing>
    </bpmn:userTask>"""
WON = """<bpmn:endEvent id="End_Won" name="Won">
      <bpmn:extensionElements><camunda:properties><camunda:property name="outcome" value="won" />
      </camunda:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_Call</bpmn:incoming>
    </bpmn:endEvent>"""


def diagram(*nodes: str, executable: str = "true", prolog: str = "") -> bytes:
    """A one-process regulation: Start -> Flow_Start -> the given nodes."""
    body = "\n    ".join(nodes)
    return f"""<?xml version="1.0" encoding="UTF-8"?>{prolog}
<bpmn:definitions {NAMESPACES} id="Defs" targetNamespace="http://reglament.dev/test">
  <bpmn:process id="hostile" name="Hostile" isExecutable="{executable}">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_Start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_Start" sourceRef="StartEvent_1" targetRef="Task_Call" />
    {body}
  </bpmn:process>
</bpmn:definitions>
""".encode()


def gateway(condition: str) -> list[str]:
    """Task_Call -> Gateway_Check -(condition, Flow_Cond)-> End_Won, default -> End_Lost."""
    return [
        CALL,
        '<bpmn:sequenceFlow id="Flow_Call" sourceRef="Task_Call" targetRef="Gateway_Check" />',
        """<bpmn:exclusiveGateway id="Gateway_Check" default="Flow_Default">
      <bpmn:incoming>Flow_Call</bpmn:incoming>
      <bpmn:outgoing>Flow_Cond</bpmn:outgoing><bpmn:outgoing>Flow_Default</bpmn:outgoing>
    </bpmn:exclusiveGateway>""",
        f"""<bpmn:sequenceFlow id="Flow_Cond" name="Hostile" sourceRef="Gateway_Check" targetRef="End_Won">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"><![CDATA[{condition}]]></bpmn:conditionExpression>
    </bpmn:sequenceFlow>""",
        '<bpmn:sequenceFlow id="Flow_Default" sourceRef="Gateway_Check" targetRef="End_Lost" />',
        WON.replace("Flow_Call", "Flow_Cond"),
        """<bpmn:endEvent id="End_Lost"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="outcome" value="lost" /></camunda:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_Default</bpmn:incoming></bpmn:endEvent>""",
    ]


def call_then(task: str) -> list[str]:
    """Task_Call -> the given element (id Task_Bad, Flow_Call in, Flow_Bad out) -> End_Won."""
    return [CALL, '<bpmn:sequenceFlow id="Flow_Call" sourceRef="Task_Call" targetRef="Task_Bad" />', task,
            '<bpmn:sequenceFlow id="Flow_Bad" sourceRef="Task_Bad" targetRef="End_Won" />',
            WON.replace("Flow_Call", "Flow_Bad")]


def refused(platform: Reglament, actor, content: bytes, name: str = "hostile.bpmn") -> list[Problem]:
    with pytest.raises(RegulationInvalid) as caught:
        platform.regulation.deploy(actor, [SourceFile(name, content)])
    assert caught.value.code == "regulation_invalid"
    assert caught.value.details["problems"] == [p.as_dict() for p in caught.value.problems]
    assert [r.key for r in platform.regulation.regulations()] == ["new_client_sale"], "nothing may be stored"
    return caught.value.problems


def only_problem(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


IMPORT_OS = "${__import__('os').system('id')}"
SUBCLASSES = "${().__class__.__bases__[0].__subclasses__()}"


def test_the_template_itself_deploys(platform: Reglament, actors) -> None:
    deployed = platform.regulation.deploy(actors["head"], [SourceFile("ok.bpmn", diagram(*gateway("${x == 1}")))])
    assert (deployed.key, deployed.version, deployed.created) == ("hostile", 1, True)


@pytest.mark.parametrize("condition", [IMPORT_OS, SUBCLASSES, "${open('/etc/passwd')}",
                                       "${x.__class__}", "${_secret}", "${(lambda: 1)()}",
                                       "${[c for c in range(9)]}"])
def test_a_code_running_condition_is_refused_naming_its_flow(platform: Reglament, actors,
                                                             condition: str) -> None:
    problem = only_problem(refused(platform, actors["head"], diagram(*gateway(condition))))
    assert problem.element_id == "Flow_Cond" and problem.element_name == "Hostile"
    assert problem.message.startswith("condition: ")
    assert "not allowed" in problem.message or "may be called" in problem.message \
        or "may not start with '_'" in problem.message
    assert problem.line is not None


def test_the_subclasses_walk_is_refused_as_a_forbidden_call(platform: Reglament, actors) -> None:
    problem = only_problem(refused(platform, actors["head"], diagram(*gateway(SUBCLASSES))))
    assert "calls '().__class__.__bases__[0].__subclasses__'" in problem.message


def test_a_condition_in_an_unsupported_language_is_refused(platform: Reglament, actors) -> None:
    content = diagram(*gateway("${x == 1}")).replace(
        b'xsi:type="bpmn:tFormalExpression"', b'xsi:type="bpmn:tFormalExpression" language="javascript"')
    problem = only_problem(refused(platform, actors["head"], content))
    assert problem.element_id == "Flow_Cond" and "'javascript' is not supported" in problem.message


@pytest.mark.parametrize(("task", "message"), [
    ('<bpmn:scriptTask id="Task_Bad" name="Evil" scriptFormat="python"><bpmn:incoming>Flow_Call</bpmn:incoming>'
     '<bpmn:outgoing>Flow_Bad</bpmn:outgoing><bpmn:script>import os; os.system("id")</bpmn:script>'
     '</bpmn:scriptTask>', "scriptTask refused: script tasks run code"),
    ('<bpmn:serviceTask id="Task_Bad" name="Evil" camunda:expression="${evil}">'  # external ones run (issue 11)
     '<bpmn:incoming>Flow_Call</bpmn:incoming><bpmn:outgoing>Flow_Bad</bpmn:outgoing></bpmn:serviceTask>',
     "serviceTask refused: service tasks call code"),
    ('<bpmn:task id="Task_Bad" name="Evil" camunda:class="com.evil.Delegate">'
     '<bpmn:incoming>Flow_Call</bpmn:incoming><bpmn:outgoing>Flow_Bad</bpmn:outgoing></bpmn:task>',
     "camunda:class refused: it would run code"),
    ('<bpmn:userTask id="Task_Bad" name="Evil" camunda:assignee="${owner}" '
     'camunda:delegateExpression="${evil}"><bpmn:incoming>Flow_Call</bpmn:incoming>'
     '<bpmn:outgoing>Flow_Bad</bpmn:outgoing></bpmn:userTask>',
     "camunda:delegateExpression refused: it would run code"),
    ('<bpmn:userTask id="Task_Bad" name="Evil" camunda:assignee="${owner}"><bpmn:extensionElements>'
     '<camunda:executionListener class="com.evil.Listener" event="start" /></bpmn:extensionElements>'
     '<bpmn:incoming>Flow_Call</bpmn:incoming><bpmn:outgoing>Flow_Bad</bpmn:outgoing></bpmn:userTask>',
     "camunda:executionListener refused: execution listeners run code"),
    ('<bpmn:userTask id="Task_Bad" name="Evil" camunda:assignee="${owner}"><bpmn:extensionElements>'
     '<camunda:taskListener event="create"><camunda:script scriptFormat="groovy">evil()</camunda:script>'
     '</camunda:taskListener></bpmn:extensionElements>'
     '<bpmn:incoming>Flow_Call</bpmn:incoming><bpmn:outgoing>Flow_Bad</bpmn:outgoing></bpmn:userTask>',
     "camunda:taskListener refused: task listeners run code"),
], ids=["scriptTask", "serviceTask", "camunda-class", "delegateExpression", "executionListener",
        "taskListener"])
def test_an_element_that_would_run_code_is_refused_naming_it(platform: Reglament, actors, task: str,
                                                             message: str) -> None:
    problems = refused(platform, actors["head"], diagram(*call_then(task)))
    assert problems[0].element_id == "Task_Bad" and problems[0].element_name == "Evil"
    assert problems[0].message.startswith(message)
    assert all(p.element_id == "Task_Bad" for p in problems)
    assert "Task_Bad (Evil), line" in str(problems[0])


def test_the_hostile_fixture_file_is_refused_for_every_reason_at_once(platform: Reglament, actors) -> None:
    problems = refused(platform, actors["head"], bpmn_file("hostile_everything.bpmn").content,
                       "hostile_everything.bpmn")
    named = {(p.element_id, p.message.split(":")[0]) for p in problems}
    assert named == {
        ("Task_Script", "scriptTask refused"),
        ("Task_Service", "serviceTask refused"),
        ("Task_Java", "camunda"),
        ("Task_Listened", "camunda"),
        ("Flow_Escape", "condition"),
        ("End_Maybe", "outcome 'maybe' is not known; use 'won' or 'lost'"),
        ("Task_Form", "form field 'kind' is an enum with no values"),
    }


BILLION_LAUGHS = """<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>"""


@pytest.mark.parametrize(("dtd", "process_name"), [
    (BILLION_LAUGHS, "&lol3;"),
    ("""<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>""", "&xxe;"),
    ("""<!DOCTYPE bpmn:definitions>""", "Hostile"),
], ids=["billion-laughs", "external-entity", "bare-doctype"])
def test_a_dtd_or_entity_declaration_is_refused(platform: Reglament, actors, dtd: str,
                                                process_name: str) -> None:
    content = diagram(*gateway("${x == 1}"), prolog="\n" + dtd).replace(
        b'name="Hostile"', f'name="{process_name}"'.encode())
    problem = only_problem(refused(platform, actors["head"], content, "laughs.bpmn"))
    assert problem.element_id is None
    assert problem.message == ("laughs.bpmn declares a DTD or entities, which are refused for safety; "
                               "remove the <!DOCTYPE> block")


def test_not_well_formed_xml_reports_the_line(platform: Reglament, actors) -> None:
    content = diagram(*gateway("${x == 1}")).replace(b"</bpmn:exclusiveGateway>", b"</bpmn:gateway>")
    line = content[:content.index(b"</bpmn:gateway>")].count(b"\n") + 1
    problem = only_problem(refused(platform, actors["head"], content, "broken.bpmn"))
    assert problem.element_id is None
    assert problem.message.startswith("broken.bpmn is not well-formed XML: ")
    assert "exclusiveGateway" in problem.message
    assert problem.line == line and f"line {line}" in str(problem)


@pytest.mark.parametrize("content", [b"", b"   \n", b"just text", b"<a><b></a>"])
def test_an_empty_or_garbage_file_is_refused(platform: Reglament, actors, content: bytes) -> None:
    problem = only_problem(refused(platform, actors["head"], content, "junk.bpmn"))
    assert problem.message.startswith("junk.bpmn is ")


def test_an_xml_document_that_is_not_bpmn_is_refused(platform: Reglament, actors) -> None:
    content = b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
    problem = only_problem(refused(platform, actors["head"], content, "page.bpmn"))
    assert problem.message == ("page.bpmn is not a BPMN 2.0 document (root element is 'html', "
                               "expected bpmn:definitions)")
    assert problem.line == 2


def _user_task(attributes: str, form: str = "") -> str:
    ext = f"<bpmn:extensionElements><camunda:formData>{form}</camunda:formData></bpmn:extensionElements>" \
        if form else ""
    return (f'<bpmn:userTask id="Task_Bad" name="Fill in" {attributes}>{ext}'
            '<bpmn:incoming>Flow_Call</bpmn:incoming><bpmn:outgoing>Flow_Bad</bpmn:outgoing></bpmn:userTask>')


@pytest.mark.parametrize(("task", "message"), [
    (_user_task('camunda:assignee="${owner}"', '<camunda:formField id="kind" label="Kind" type="enum" />'),
     "form field 'kind' is an enum with no values"),
    (_user_task('camunda:assignee="${owner}"', '<camunda:formField id="kind" type="color" />'),
     "form field 'kind' has type 'color'; supported types are string, long, boolean, date, enum"),
    (_user_task('camunda:assignee="${owner}"', '<camunda:formField id="1st" type="string" />'),
     "form field '1st': the id must start with a letter"),
    (_user_task('camunda:assignee="${owner}"', '<camunda:formField id="a" /><camunda:formField id="a" />'),
     "form field 'a' appears twice"),
    (_user_task('camunda:assignee="${owner}"', '<camunda:formField id="a" type="long"><camunda:validation>'
                '<camunda:constraint name="max" config="lots" /></camunda:validation></camunda:formField>'),
     "form field 'a': constraint max needs a number, got 'lots'"),
    (_user_task('camunda:assignee="${owner}"', '<camunda:formField id="a"><camunda:validation>'
                '<camunda:constraint name="validator" config="com.evil.V" /></camunda:validation>'
                '</camunda:formField>'),
     "form field 'a': constraint validator refused: a Java validator class or bean would run code"),
    (_user_task('camunda:assignee="${owner.getClass()}"'),
     "assignee: Expression '${owner.getClass()}': the method 'getClass' may not be called"),
    (_user_task('camunda:assignee="${owner}" camunda:dueDate="${__import__(1)}"'),
     "due date: Expression '${__import__(1)}' calls '__import__'"),
], ids=["enum-without-values", "unknown-type", "bad-field-id", "duplicate-field", "non-numeric-max",
        "unknown-constraint", "assignee-expression", "due-date-expression"])
def test_a_user_task_that_cannot_work_is_refused_naming_it(platform: Reglament, actors, task: str,
                                                           message: str) -> None:
    problem = only_problem(refused(platform, actors["head"], diagram(*call_then(task))))
    assert problem.element_id == "Task_Bad" and problem.element_name == "Fill in"
    assert problem.message.startswith(message), problem.message


def test_an_unknown_outcome_is_refused_naming_the_end_event(platform: Reglament, actors) -> None:
    nodes = gateway("${x == 1}")
    nodes[-2] = nodes[-2].replace('id="End_Won" name="Won"', 'id="End_Won" name="Maybe"') \
        .replace('value="won"', 'value="postponed"')
    problem = only_problem(refused(platform, actors["head"], diagram(*nodes)))
    assert problem.element_id == "End_Won" and problem.element_name == "Maybe"
    assert problem.message == "outcome 'postponed' is not known; use 'won' or 'lost'"


def test_a_file_over_five_mebibytes_is_refused_before_parsing(platform: Reglament, actors) -> None:
    content = diagram(*gateway("${x == 1}")) + b"<!--" + b"x" * (5 * 1024 * 1024) + b"-->"
    problem = only_problem(refused(platform, actors["head"], content, "huge.bpmn"))
    assert problem.message == (f"huge.bpmn is {len(content):,} bytes; the limit is 5,242,880 bytes")


def test_a_file_just_under_the_limit_is_read(platform: Reglament, actors) -> None:
    base = diagram(*gateway("${x == 1}"))
    content = base + b"<!--" + b"x" * (5 * 1024 * 1024 - len(base) - 7) + b"-->"
    assert len(content) == 5 * 1024 * 1024
    assert platform.regulation.deploy(actors["head"], [SourceFile("big.bpmn", content)]).key == "hostile"


def test_a_diagram_with_no_executable_process_is_refused(platform: Reglament, actors) -> None:
    problem = only_problem(refused(platform, actors["head"], diagram(*gateway("${x == 1}"), executable="false"),
                                   "draft.bpmn"))
    assert problem.message == ('draft.bpmn has no executable process (set isExecutable="true" '
                               "on the process to run)")


def test_two_bpmn_files_are_not_one_regulation(platform: Reglament, actors) -> None:
    content = diagram(*gateway("${x == 1}"))
    with pytest.raises(RegulationInvalid, match="got 2 BPMN files"):
        platform.regulation.deploy(actors["head"], [SourceFile("a.bpmn", content), SourceFile("b.bpmn", content)])


# ---------------------------------------------------------------- the evaluator itself

@pytest.mark.parametrize("expression", [
    IMPORT_OS, SUBCLASSES, "__import__('os')", "().__class__", "open('/etc/passwd')", "eval('1')",
    "getattr(x, 'real')", "x.real", "_x", "(lambda: 1)()", "[c for c in x]", "'{0.__class__}'.format(x)",
    "'a' * 10**9", "'a' * 1000000000", "[0] * 1000000000", "min(x, key=abs)", "a := 1",
])
def test_the_safe_evaluator_could_not_run_them_anyway(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, {"x": 1})


def test_the_safe_evaluator_still_evaluates_ordinary_conditions() -> None:
    assert evaluate("${budget >= 1000000 && !(segment == 'Retail')}",
                    {"budget": 1_500_000, "segment": "Manufacturing"}) is True
    assert evaluate("#{lower(result) == 'refused' || len(reason) > 3}",
                    {"result": "REFUSED", "reason": ""}) is True
    assert evaluate("${amount != null}", {"amount": None}) is False


DEEP = ["${" + "!" * 3000 + "x}", "${" + "1+" * 50000 + "1}"]


@pytest.mark.parametrize("expression", DEEP, ids=["3000-nots", "50000-additions"])
def test_a_deeply_nested_expression_is_an_expression_error(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, {"x": 1})


@pytest.mark.parametrize("expression", DEEP, ids=["3000-nots", "50000-additions"])
def test_a_deeply_nested_condition_is_refused_naming_its_flow(platform: Reglament, actors,
                                                              expression: str) -> None:
    problem = only_problem(refused(platform, actors["head"], diagram(*gateway(expression))))
    assert problem.element_id == "Flow_Cond"
