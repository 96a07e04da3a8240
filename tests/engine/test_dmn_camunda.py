"""DMN as Camunda writes it: Modeler's new-table template (one output without a name), output
names with spaces and slashes, the DMN 1.1 namespace Camunda Modeler 3/4 wrote and 1.2/1.3,
FEEL literal-expression decisions that require a table, FEEL in input expressions and output
entries; as tables (decisions/dmn.py) and in business rule tasks of a deployed regulation."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cycle_helpers import complete, start, visible
from test_dmn import DMN11, DMN12, DMN13, table_xml
from test_dmn_rule_tasks import regulation

from engine.platform.root import Reglament
from engine.regulation.decisions import decide, dmn, drg
from engine.regulation.versions import SourceFile
from engine.shared.errors import DmnError, RegulationInvalid

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dmn"
NEW_TABLE = (FIXTURES / "camunda_new_table.dmn").read_bytes()
DMN11_LITERAL = (FIXTURES / "camunda_dmn11_literal.dmn").read_bytes()


# ----------------------------------------------------------------------------- tables

def test_camunda_modelers_new_table_template_with_an_unnamed_output_loads() -> None:
    table = dmn.load_table(NEW_TABLE, "Decision_1qv9b7z")
    assert [o.name for o in table.outputs] == ["Decision 1"]  # named after the decision
    assert table.evaluate({"segment": "Public sector"}).value == "tender"
    assert table.evaluate({"segment": "Retail"}).value == "direct"


def test_an_unnamed_output_takes_its_label() -> None:
    xml = table_xml([(["-"], ["1"])]).replace(' name="y"', ' label="Rate, %"')
    assert dmn.load_table(xml, "t").evaluate({"x": 1}).outputs == {"Rate, %": Decimal(1)}


@pytest.mark.parametrize("name", ["discount percent", "payment/terms", "Скидка, %"])
def test_output_names_with_spaces_slashes_or_cyrillic_are_kept(name: str) -> None:
    xml = table_xml([(["-"], ["1"])]).replace(' name="y"', f' name="{name}"')
    assert dmn.load_table(xml, "t").evaluate({"x": 1}).outputs == {name: Decimal(1)}


def test_an_output_name_is_bounded() -> None:
    xml = table_xml([(["-"], ["1"])]).replace(' name="y"', f' name="{"n" * 201}"')
    with pytest.raises(DmnError, match="a name is at most 200 characters"):
        dmn.load_table(xml, "t")


@pytest.mark.parametrize("ns", [DMN11, DMN12, DMN13])
def test_each_dmn_namespace_camunda_writes_is_read_as_a_graph(ns: str) -> None:
    xml = table_xml([(["< 1"], ['"low"']), ([">= 1"], ['"high"'])], ns=ns, decision_id="level")
    assert drg.load_model(xml).evaluate("level", {"x": Decimal("0.5")}) == "low"


def test_feel_in_input_expressions_and_output_entries() -> None:
    xml = table_xml([(["> 100"], ['"Dear " + upper case(name)', "amount * 0.05"]),
                     (["-"], ['if name = "" then "Hello" else "Hi " + name', "0"])],
                    inputs=[("amount ** 1", "number")], outputs=[("greeting", "string"), ("bonus", "number")],
                    hit_policy="FIRST")
    table = dmn.load_table(xml, "t")
    assert table.evaluate({"amount": 200, "name": "Anna"}).outputs == {"greeting": "Dear ANNA",
                                                                      "bonus": Decimal("10.00")}
    assert table.evaluate({"amount": 5, "name": ""}).outputs == {"greeting": "Hello", "bonus": Decimal(0)}


def test_a_feel_cell_that_cannot_be_read_is_refused_naming_rule_and_output() -> None:
    with pytest.raises(DmnError, match=r"rule 1, output y: unsupported expression 'amount \*\* \*'"):
        dmn.load_table(table_xml([(["-"], ["amount ** *"])]), "t")


@pytest.mark.parametrize(("cell", "value", "matches"), [
    ('< date("2026-07-01")', dt.date(2026, 6, 30), True), ('< date("2026-07-01")', dt.date(2026, 7, 1), False),
    ('[date("2026-01-01")..date("2026-12-31")]', dt.date(2027, 1, 1), False),
    ('date("2026-01-01"), date("2026-01-02")', dt.date(2026, 1, 2), True),
    ('not(date("2026-01-01"))', dt.date(2026, 1, 1), False), ('duration("P3D")', dt.timedelta(days=3), True),
    ('contains(?, "VIP")', "Acme VIP", True), ("? > 0 and ? < 100", 500, False), ("? > 0 and ? < 100", 5, True),
    ('starts with(?, "A"), "Zeta"', "Zeta", True),
])
def test_feel_expressions_as_input_entries(cell: str, value: Any, matches: bool) -> None:
    table = dmn.load_table(table_xml([([cell], ['"yes"'])], inputs=[("x", None)], hit_policy="COLLECT"), "t")
    assert (table.evaluate({"x": value}).outputs == [{"y": "yes"}]) is matches


@pytest.mark.parametrize(("type_ref", "value", "early"), [
    ("date", "2026-06-30", True), ("date", "2026-07-01", False),
    ("dateTime", "2026-06-30T23:00:00", True), ("dateTime", "2026-07-01T00:00:00Z", False),
])
def test_a_date_form_field_is_read_as_a_date_by_an_input_typed_date(type_ref: str, value: str, early: bool) -> None:
    cell = '< date("2026-07-01")' if type_ref == "date" else '< date and time("2026-07-01T00:00:00Z")'
    table = dmn.load_table(table_xml([([cell], ['"early"']), (["-"], ['"late"'])], inputs=[("signed_on", type_ref)],
                                     hit_policy="FIRST"), "t")
    assert table.evaluate({"signed_on": value}).value == ("early" if early else "late")


def test_an_expression_test_of_another_type_is_an_error_not_a_silent_miss() -> None:
    table = dmn.load_table(table_xml([(['< date("2026-07-01")'], ['"early"'])], inputs=[("x", None)]), "t")
    with pytest.raises(DmnError, match=r'rule 1: cannot compare x="2026-06-01" with < date\("2026-07-01"\)'):
        table.evaluate({"x": "2026-06-01"})
    assert drg.load_model(table_xml([(['< date("2026-07-01")'], ['"early"'])], inputs=[("x", None)],
                                    decision_id="d")).evaluate("d", {"x": "2026-06-01"}) is None


@pytest.mark.parametrize(("cell", "says"), [
    ("? > limit", "cannot read"), ('day("2026-01-01")', "not a literal"), ("[1,2]", "interval"),
    ("Retail", 'write strings in double quotes ("Retail")'),
])
def test_an_entry_reading_a_variable_or_an_unknown_function_is_refused(cell: str, says: str) -> None:
    with pytest.raises(DmnError, match=re.escape(says)):
        dmn.load_table(table_xml([([cell], ['"yes"'])]), "t")


def test_overlaps_of_expression_entries_are_left_to_evaluation() -> None:
    xml = table_xml([(['< date("2026-07-01")'], ['"a"']), (['< date("2026-08-01")'], ['"b"'])],
                    inputs=[("x", None)], hit_policy="UNIQUE")
    table = dmn.check_table(xml, "t")  # saved: the overlap cannot be decided statically
    with pytest.raises(DmnError, match="rules 1 and 2 both match"):
        table.evaluate({"x": dt.date(2026, 1, 1)})


# ----------------------------------------------------------------------------- graphs

def test_a_literal_expression_decision_requiring_a_table() -> None:
    model = drg.load_model(DMN11_LITERAL)
    terms = model.evaluate("price_terms", {"amount": Decimal(200000), "segment": "Retail"})
    assert terms == {"discount percent": Decimal(5), "payment/terms": "prepay 50/50"}
    assert model.evaluate("net_price", {"amount": Decimal(200000), "segment": "Retail"}) == Decimal(190000)
    assert model.evaluate("Net price", {"amount": Decimal(1000), "segment": "Public sector"}) == Decimal(1000)


def test_a_decision_requiring_one_that_is_not_there_is_refused() -> None:
    broken = DMN11_LITERAL.replace(b'href="#price_terms"', b'href="#price_rules"')
    with pytest.raises(DmnError, match="decision Net price: it requires 'price_rules', which is not in the document"):
        drg.load_model(broken)


def test_decisions_requiring_each_other_are_refused() -> None:
    looping = DMN11_LITERAL.replace(b'<decisionTable id="decisionTable_terms"',
                                    b'<informationRequirement><requiredDecision href="#net_price" /></informationRequirement>'
                                    b'<decisionTable id="decisionTable_terms"')
    with pytest.raises(DmnError, match="it requires itself"):
        drg.load_model(looping)


@pytest.mark.parametrize(("body", "says"), [
    ("<literalExpression><text>1 +</text></literalExpression>", "decision D: FEEL '1 +': the expression ends too early"),
    ("<literalExpression><text></text></literalExpression>", "decision D: the literal expression is empty"),
    ("<context/>", "decision D: context is not supported; use a decision table or a literal expression"),
])
def test_a_decision_that_cannot_be_read_is_refused_naming_it(body: str, says: str) -> None:
    xml = f'<definitions xmlns="{DMN13}" id="x" name="x" namespace="x"><decision id="d" name="D">{body}</decision></definitions>'
    with pytest.raises(DmnError) as caught:
        drg.load_model(xml)
    assert says in caught.value.message


def test_a_business_rule_task_decision_is_strict_where_the_standard_gives_null() -> None:
    decision = decide.load_decision(NEW_TABLE, "Decision_1qv9b7z")
    assert decision.rows({"segment": "Retail"}) == [{"Decision 1": "direct"}]
    with pytest.raises(DmnError, match="missing input segment"):
        decision.rows({})
    standard = drg.load_model(NEW_TABLE)
    assert standard.evaluate("Decision_1qv9b7z", {}) == "direct"  # null is not "Public sector"


# ----------------------------------------------------------------------------- in a regulation

@pytest.mark.parametrize(("segment", "channel", "who", "task"), [
    ("Public sector", "tender", "head", "Task_Head"), ("Retail", "direct", "anna", "Task_Send")])
def test_the_new_table_template_drives_a_business_rule_task(platform: Reglament, actors, segment: str,
                                                            channel: str, who: str, task: str) -> None:
    attributes = ('camunda:decisionRef="Decision_1qv9b7z" camunda:resultVariable="channel" '
                  'camunda:mapDecisionResult="singleEntry"')
    platform.regulation.deploy(actors["head"], [regulation(attributes, '${channel == "tender"}'),
                                                SourceFile("diagram_1.dmn", NEW_TABLE)])
    anna = actors["anna"]
    client = platform.clients.create_client(anna, "Acme", segment=segment)
    cycle = platform.regulation.start_cycle(anna, client.id, "rule_task_sale")
    done = complete(platform, anna, cycle.id, "Task_Amount", {"amount": 1000})
    assert done.variables["segment"] == segment and done.variables["channel"] == channel
    assert visible(platform, actors[who], cycle.id) == [task]


def test_a_dmn_1_1_literal_decision_with_spaced_outputs_in_a_regulation(platform: Reglament, actors) -> None:
    files = [SourceFile("price.dmn", DMN11_LITERAL)]
    net = ('camunda:decisionRef="net_price" camunda:resultVariable="net" camunda:mapDecisionResult="singleEntry"')
    platform.regulation.deploy(actors["head"], [regulation(net, "${amount > net}"), *files])
    anna = actors["anna"]
    cycle = start(platform, anna, "rule_task_sale")
    done = complete(platform, anna, cycle.id, "Task_Amount", {"amount": 1000})
    assert done.status == "active", done.incident
    assert done.variables["net"] == 1000  # no discount below 100000: the owner sends the proposal
    assert visible(platform, anna, cycle.id) == ["Task_Send"]


def test_spaced_and_slashed_output_names_reach_the_result_variable(platform: Reglament, actors) -> None:
    terms = 'camunda:decisionRef="price_terms" camunda:resultVariable="terms" camunda:mapDecisionResult="singleResult"'
    platform.regulation.deploy(actors["head"], [
        regulation(terms, '${terms["payment/terms"] == "prepay 100"}'), SourceFile("price.dmn", DMN11_LITERAL)])
    cycle = start(platform, actors["anna"], "rule_task_sale")
    done = complete(platform, actors["anna"], cycle.id, "Task_Amount", {"amount": 500})
    assert done.variables["terms"] == {"discount percent": 0, "payment/terms": "prepay 100"}
    assert visible(platform, actors["head"], cycle.id) == ["Task_Head"]


def test_a_regulation_with_an_unreadable_dmn_file_is_refused_naming_file_decision_and_line(platform: Reglament, actors) -> None:
    broken = SourceFile("price.dmn", DMN11_LITERAL.replace(b"/ 100)", b"/ 100"))
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.deploy(actors["head"], [
            regulation('camunda:decisionRef="net_price" camunda:resultVariable="net"'), broken])
    [problem] = refused.value.problems
    assert problem.message.startswith("price.dmn: decision Net price: FEEL 'amount * (1 - Price terms.discount percent")
    assert problem.message.endswith("the expression ends too early") and problem.line == 38


def _literal_dmn(expression: str) -> SourceFile:
    xml = (f'<definitions xmlns="{DMN13}" id="defs" name="Dates" namespace="http://x"><decision id="due_date" '
           f'name="Due date"><literalExpression><text>{expression}</text></literalExpression></decision></definitions>')
    return SourceFile("due.dmn", xml.encode("utf-8"))


def test_a_date_a_decision_gives_becomes_iso_text_in_the_cycle(platform: Reglament, actors) -> None:
    dmn_file = _literal_dmn('date("2026-07-01") + duration("P" + string(amount) + "D")')
    attributes = 'camunda:decisionRef="due_date" camunda:resultVariable="due" camunda:mapDecisionResult="singleEntry"'
    platform.regulation.deploy(actors["head"], [regulation(attributes, '${due == "2026-07-31"}'), dmn_file])
    cycle = start(platform, actors["anna"], "rule_task_sale")
    done = complete(platform, actors["anna"], cycle.id, "Task_Amount", {"amount": 30})
    assert done.variables["due"] == "2026-07-31"
    assert visible(platform, actors["head"], cycle.id) == ["Task_Head"]


def test_a_value_no_variable_can_hold_is_an_incident(platform: Reglament, actors) -> None:
    attributes = 'camunda:decisionRef="due_date" camunda:resultVariable="due" camunda:mapDecisionResult="singleEntry"'
    platform.regulation.deploy(actors["head"], [regulation(attributes), _literal_dmn("[1..amount]")])
    cycle = start(platform, actors["anna"], "rule_task_sale")
    done = complete(platform, actors["anna"], cycle.id, "Task_Amount", {"amount": 30})
    assert done.status == "incident"
    assert "the decision gave range [1..30], which a cycle variable cannot hold" in done.incident["message"]

