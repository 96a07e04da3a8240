"""engine/dmn.py: DMN decision tables loaded from untrusted XML and evaluated without eval.

Table-driven: each FEEL form of an input entry, each hit policy, the errors (named by
table, rule and cell), files written by Camunda Modeler and in DMN 1.1/1.2, hostile XML
and expressions."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from engine.regulation.decisions import dmn
from engine.shared.errors import DmnError, InputInvalid

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dmn"
DEMO = ROOT / "bpmn" / "motivation"
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMN12 = "http://www.omg.org/spec/DMN/20180521/MODEL/"
DMN11 = "http://www.omg.org/spec/DMN/20151101/dmn.xsd"


def table_xml(rules: list[tuple[list[str], list[str]] | tuple[list[str], list[str], str]],
              inputs: list[tuple[str, str | None]] = [("x", "number")],
              outputs: list[tuple[str, str | None]] = [("y", None)],
              hit_policy: str | None = None, aggregation: str | None = None, ns: str = DMN13,
              output_values: dict[str, str] | None = None, decision_id: str = "t") -> str:
    """A decision table: inputs (expression, typeRef), outputs (name, typeRef), rules (input
    cells, output cells[, annotation])."""
    attrs = (f' hitPolicy="{hit_policy}"' if hit_policy else "") + (f' aggregation="{aggregation}"' if aggregation else "")
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{ns}" id="d" name="D" namespace="http://x">',
             f'<decision id="{decision_id}" name="T"><decisionTable id="dt"{attrs}>']
    for i, (expression, type_ref) in enumerate(inputs, 1):
        tref = f' typeRef="{type_ref}"' if type_ref else ""
        parts.append(f'<input id="i{i}" label="In {i}"><inputExpression id="ie{i}"{tref}>'
                     f'<text>{escape(expression)}</text></inputExpression></input>')
    for i, (name, type_ref) in enumerate(outputs, 1):
        tref = f' typeRef="{type_ref}"' if type_ref else ""
        values = (output_values or {}).get(name)
        body = f'<outputValues id="ov{i}"><text>{escape(values)}</text></outputValues>' if values else ""
        parts.append(f'<output id="o{i}" name="{name}"{tref}>{body}</output>')
    for n, rule in enumerate(rules, 1):
        ins, outs = rule[0], rule[1]
        annotation = f"<description>{escape(rule[2])}</description>" if len(rule) > 2 else ""  # type: ignore[misc]
        cells = "".join(f'<inputEntry id="r{n}i{i}"><text>{escape(c)}</text></inputEntry>' for i, c in enumerate(ins))
        cells += "".join(f'<outputEntry id="r{n}o{i}"><text>{escape(c)}</text></outputEntry>' for i, c in enumerate(outs))
        parts.append(f'<rule id="rule{n}">{annotation}{cells}</rule>')
    parts.append("</decisionTable></decision></definitions>")
    return "\n".join(parts)


def one_cell(cell: str, type_ref: str | None = None) -> dmn.DecisionTable:
    """A COLLECT table whose single rule tests x with the cell."""
    return dmn.load_table(table_xml([([cell], ['"yes"'])], inputs=[("x", type_ref)], hit_policy="COLLECT"), "t")


# ----------------------------------------------------------------------------- FEEL input entries

FEEL_CASES: list[tuple[str, Any, bool]] = [
    # any
    ("-", 5, True), ("", "anything", True), ("-", None, True),
    # literals
    ("5", 5, True), ("5", Decimal("5.0"), True), ("5", 6, False), ("0.8", 0.8, True),
    ("-1.5", Decimal("-1.5"), True), (".5", Decimal("0.5"), True),
    ('"Retail"', "Retail", True), ('"Retail"', "retail", False), ('"say \\"hi\\""', 'say "hi"', True),
    ("true", True, True), ("true", False, False), ("false", False, True), ("true", 1, False),
    ("1", True, False), ("null", None, True), ("null", 0, False), ('"5"', 5, False),
    # comparisons
    ("< 0.8", 0.79, True), ("< 0.8", 0.8, False), ("<= 0.8", 0.8, True), ("> 1", 1, False),
    (">= 1", 1, True), (">=1", Decimal("1.00"), True), ("< -1", -2, True), ('!= "x"', "y", True),
    ('!= "x"', "x", False), ("!= 5", "five", True), ("= 5", 5, True), ("< 0.8", None, False),
    ('< "m"', "apple", True), ('>= "m"', "apple", False),
    # intervals
    ("[0..0.8)", 0, True), ("[0..0.8)", 0.8, False), ("[0..0.8)", Decimal("0.7999"), True),
    ("(1..1.2]", 1, False), ("(1..1.2]", 1.2, True), ("(1..1.2]", Decimal("1.2000001"), False),
    ("]1..2[", 1, False), ("]1..2[", 1.5, True), ("]1..2[", 2, False), ("[1..2]", 2, True),
    ("[-5..-1]", -3, True), ('["a".."f"]', "c", True), ('["a".."f"]', "g", False), ("[1..2]", None, False),
    # lists
    ('"Retail","Manufacturing"', "Manufacturing", True), ('"Retail", "Manufacturing"', "Public sector", False),
    ("< 0, > 10", 11, True), ("< 0, > 10", 5, False), ("1, [5..6], >= 100", 5.5, True),
    # negation
    ('not("Retail")', "Retail", False), ('not("Retail", "Manufacturing")', "Public sector", True),
    ("not([1..2])", 3, True), ("not(< 0)", -1, False), ("not(null)", None, False), ("not(null)", 0, True),
]


@pytest.mark.parametrize(("cell", "value", "expected"), FEEL_CASES)
def test_an_input_entry_matches_by_feel_rules(cell: str, value: Any, expected: bool) -> None:
    result = one_cell(cell).evaluate({"x": value})
    assert (len(result.matches) == 1) is expected


UNSUPPORTED = [
    ("x + 1", "cannot read '+ 1'; input entries are tests such as"), ("'Retail'", "double quotes"), ("Retail", '("Retail")'),
    ("[1..2", "ends too early"), ("[2..1]", "empty"), ("[1..\"b\"]", "two numbers or two strings"),
    ("< true", "compares nothing"), ("1 2", "unexpected"), ('day("2026-01-01")', "not a literal"),
    ("not(not(1))", "not a literal"), ("[1,2]", "interval"), (">", "ends too early"),
    ('"unterminated', "cannot read"),
]


@pytest.mark.parametrize(("cell", "says"), UNSUPPORTED)
def test_an_unsupported_input_entry_is_refused_at_load_naming_table_rule_and_cell(cell: str, says: str) -> None:
    with pytest.raises(DmnError) as caught:
        one_cell(cell)
    message = caught.value.message
    assert message.startswith("table t: rule 1, input x: unsupported FEEL"), message
    assert repr(cell) in message
    assert says in message
    assert caught.value.details["rule"] == 1 and caught.value.details["cell"] == cell


def test_an_input_entry_testing_the_wrong_type_is_refused_at_load() -> None:
    with pytest.raises(DmnError, match=r"rule 1, input x: '\"high\"' tests a string, but the input is a number"):
        one_cell('"high"', type_ref="number")


def test_comparing_a_value_of_another_type_is_an_error_not_a_silent_miss() -> None:
    with pytest.raises(DmnError, match=r'table t: rule 1: cannot compare x="high" with < 0.8'):
        one_cell("< 0.8").evaluate({"x": "high"})


# ----------------------------------------------------------------------------- numbers are Decimal

def test_numbers_are_decimal_as_written_and_arithmetic_never_goes_through_float() -> None:
    table = dmn.load_table(table_xml([(["-"], ["0.07", "x * 0.1", "x / 3"])],
                                     outputs=[("rate", "number"), ("tenth", "number"), ("third", None)]), "t")
    result = table.evaluate({"x": Decimal("1000000.10")})
    assert result.outputs == {"rate": Decimal("0.07"), "tenth": Decimal("100000.010"),
                              "third": Decimal("1000000.10") / 3}
    assert all(isinstance(v, Decimal) for v in result.outputs.values())  # type: ignore[union-attr]
    assert table.evaluate({"x": 0.3}).outputs["tenth"] == Decimal("0.03")  # type: ignore[index]


def test_an_input_expression_is_evaluated_safely_over_the_inputs() -> None:
    table = dmn.load_table(table_xml([([">= 1"], ['"met"']), (["< 1"], ['"not met"'])],
                                     inputs=[("won / target", "number")]), "t")
    assert table.evaluate({"won": Decimal("1200000"), "target": Decimal("1000000")}).value == "met"
    assert table.evaluate({"won": 1, "target": 3}).inputs == {"won / target": Decimal(1) / Decimal(3)}
    with pytest.raises(DmnError, match=r"^table t: missing input target \(for input won / target\)$"):
        table.evaluate({"won": 1})
    with pytest.raises(DmnError, match=r"input 1 \(won / target\): .*ZeroDivision|DivisionByZero|division"):
        table.evaluate({"won": 1, "target": 0})


# ----------------------------------------------------------------------------- hit policies

TIERS = [(["< 0.5"], ["0"], "below half"), (["[0.5..1)"], ["0.03"]), (["[1..1.2)"], ["0.07"]),
         ([">= 1.2"], ["0.09"], "accelerator")]
OVERLAPPING = [(["< 1"], ['"low"']), (["[0.5..2]"], ['"mid"']), ([">= 1"], ['"high"']), (["-"], ['"mid"'])]


@pytest.mark.parametrize(("hit_policy", "value", "outputs", "rules"), [
    (None, 0.3, {"y": Decimal("0")}, (1,)),  # UNIQUE by default
    ("UNIQUE", 1, {"y": Decimal("0.07")}, (3,)),
    ("UNIQUE", 5, {"y": Decimal("0.09")}, (4,)),
])
def test_unique_gives_the_one_rule_that_matches(hit_policy: str | None, value: Any, outputs: dict[str, Any],
                                                 rules: tuple[int, ...]) -> None:
    result = dmn.load_table(table_xml(TIERS, hit_policy=hit_policy), "t").evaluate({"x": value})
    assert (result.outputs, result.rules, result.hit_policy) == (outputs, rules, "UNIQUE")


def test_unique_with_two_matching_rules_is_an_error_naming_both() -> None:
    table = dmn.load_table(table_xml([(["<= 1"], ["1"]), (["[1..2]"], ["2"]), ([">= 1"], ["3"])],
                                     hit_policy="UNIQUE"), "commission_rate")
    with pytest.raises(DmnError) as caught:
        table.evaluate({"x": Decimal("1.5")})
    assert caught.value.message == "table commission_rate: rules 2 and 3 both match x=1.5 (hit policy UNIQUE)"
    assert caught.value.details["rules"] == [2, 3]
    with pytest.raises(DmnError, match=r"rules 1, 2 and 3 all match x=1.0 \(hit policy UNIQUE\)"):
        table.evaluate({"x": Decimal("1.0")})


def test_no_matching_rule_is_an_error_naming_the_inputs() -> None:
    table = dmn.load_table(table_xml([(["[0..1)"], ["0.05"]), (["[1..1.2]"], ["0.07"])],
                                     inputs=[("attainment", "number")]), "commission_rate")
    with pytest.raises(DmnError) as caught:
        table.evaluate({"attainment": Decimal("1.35")})
    assert caught.value.message == "table commission_rate: no rule matches attainment=1.35"
    assert isinstance(caught.value, InputInvalid)


def test_a_missing_input_variable_is_named() -> None:
    table = dmn.load_table(table_xml(TIERS, inputs=[("attainment", "number")]), "commission_rate")
    with pytest.raises(DmnError, match=r"^table commission_rate: missing input attainment$"):
        table.evaluate({"attainmnet": 1})


@pytest.mark.parametrize(("hit_policy", "value", "expected", "rules"), [
    ("FIRST", 0.7, "low", (1,)), ("FIRST", 1.5, "mid", (2,)), ("FIRST", 3, "high", (3,)),
    ("ANY", 3, "high", None),  # rule 3 and the catch-all 4 disagree: error below
])
def test_first_gives_the_first_matching_rule(hit_policy: str, value: Any, expected: str,
                                             rules: tuple[int, ...] | None) -> None:
    table = dmn.load_table(table_xml(OVERLAPPING, outputs=[("y", "string")], hit_policy=hit_policy), "t")
    if rules is None:
        with pytest.raises(DmnError, match=r"rules 3 and 4 both match x=3 with different outputs \(hit policy ANY\)"):
            table.evaluate({"x": value})
        return
    result = table.evaluate({"x": value})
    assert (result.value, result.rules) == (expected, rules)


def test_any_accepts_several_rules_that_agree() -> None:
    table = dmn.load_table(table_xml([([">= 1"], ['"ok"']), (["[0..2]"], ['"ok"']), (["< 0"], ['"no"'])],
                                     outputs=[("y", "string")], hit_policy="ANY"), "t")
    result = table.evaluate({"x": 1.5})
    assert result.value == "ok"
    assert result.rules == (1,)  # the first of the agreeing rules explains it


def test_priority_gives_the_rule_whose_output_ranks_highest() -> None:
    table = dmn.load_table(table_xml(OVERLAPPING, outputs=[("y", "string")], hit_policy="PRIORITY",
                                     output_values={"y": '"high","mid","low"'}), "t")
    assert table.evaluate({"x": 0.7}).value == "mid"   # rules 1 (low), 2 and 4 (mid)
    assert table.evaluate({"x": 0.2}).value == "mid"   # rules 1 (low) and 4 (mid)
    assert table.evaluate({"x": 1.5}).value == "high"  # rules 2, 3, 4
    assert table.evaluate({"x": 1.5}).rules == (3,)
    with pytest.raises(DmnError, match="hit policy PRIORITY ranks rules by the output values"):
        dmn.load_table(table_xml(OVERLAPPING, hit_policy="PRIORITY"), "t")


@pytest.mark.parametrize(("aggregation", "value", "expected"), [
    (None, 1.5, [{"y": Decimal("2")}, {"y": Decimal("3")}, {"y": Decimal("10")}]),
    ("SUM", 1.5, {"y": Decimal("15")}), ("MIN", 1.5, {"y": Decimal("2")}), ("MAX", 1.5, {"y": Decimal("10")}),
    ("COUNT", 1.5, {"y": Decimal("3")}), ("COUNT", 0, {"y": Decimal("1")}),
    (None, -1, []), ("SUM", -1, {"y": Decimal("0")}), ("COUNT", -1, {"y": Decimal("0")}), ("MAX", -1, {"y": None}),
])
def test_collect_gives_every_matching_rule_or_their_aggregate(aggregation: str | None, value: Any,
                                                               expected: Any) -> None:
    rules = [(["[0..1]"], ["1"]), (["[1..2]"], ["2"]), ([">= 1.5"], ["3"]), ([">= 0.5"], ["10"])]
    table = dmn.load_table(table_xml(rules, hit_policy="COLLECT", aggregation=aggregation), "t")
    result = table.evaluate({"x": value})
    assert result.outputs == expected
    assert result.aggregation == aggregation


def test_rule_order_and_output_order_give_lists() -> None:
    values = {"y": '"high","mid","low"'}
    ordered = dmn.load_table(table_xml(OVERLAPPING, outputs=[("y", "string")], hit_policy="RULE ORDER"), "t")
    assert ordered.evaluate({"x": 1.5}).outputs == [{"y": "mid"}, {"y": "high"}, {"y": "mid"}]
    ranked = dmn.load_table(table_xml(OVERLAPPING, outputs=[("y", "string")], hit_policy="OUTPUT ORDER",
                                      output_values=values), "t")
    assert ranked.evaluate({"x": 0.7}).outputs == [{"y": "mid"}, {"y": "mid"}, {"y": "low"}]


@pytest.mark.parametrize(("hit_policy", "aggregation", "says"), [
    ("RULE_ORDERS", None, "hit policy 'RULE_ORDERS' is not supported"),
    ("FIRST", "SUM", "aggregation 'SUM' is supported only with hit policy COLLECT"),
    ("COLLECT", "AVERAGE", "aggregation 'AVERAGE' is supported only"),
])
def test_unknown_hit_policies_and_aggregations_are_refused(hit_policy: str, aggregation: str | None,
                                                            says: str) -> None:
    with pytest.raises(DmnError, match=says):
        dmn.load_table(table_xml(TIERS, hit_policy=hit_policy, aggregation=aggregation), "t")


# ----------------------------------------------------------------------------- the explanation

def test_the_result_explains_which_rule_gave_what() -> None:
    table = dmn.load_table((DEMO / "commission_rate.dmn").read_bytes(), "commission_rate")
    result = table.evaluate({"attainment": Decimal("1.05")})
    assert result.value == Decimal("0.07")
    assert (result.rules, result.rule_ids, result.annotations) == ((4,), ("Rule_plan",), ("Plan met: 100–120 %",))
    assert result.matches[0].condition == "attainment in [1..1.2)"
    assert result.explain() == ("table commission_rate, rule 4: attainment in [1..1.2) → rate 0.07 "
                                "(Plan met: 100–120 %)")
    several = dmn.load_table(table_xml([([">= 0", "-"], ["1"]), (["-", '"a","b"'], ["2"])],
                                       inputs=[("x", "number"), ("s", "string")], hit_policy="COLLECT",
                                       aggregation="SUM"), "t").evaluate({"x": 1, "s": "b"})
    assert several.explain() == ('table t, rule 1: x >= 0 → y 1\ntable t, rule 2: s in "a", "b" → y 2\n'
                                 "table t: SUM → 3")


# ----------------------------------------------------------------------------- the shipped tables

@pytest.mark.parametrize(("attainment", "rate"), [
    ("0", "0"), ("0.499", "0"), ("0.5", "0.03"), ("0.79", "0.03"), ("0.8", "0.05"), ("0.999", "0.05"),
    ("1", "0.07"), ("1.19", "0.07"), ("1.2", "0.09"), ("3", "0.09"),
])
def test_the_demo_commission_tiers(attainment: str, rate: str) -> None:
    table = dmn.load_table((DEMO / "commission_rate.dmn").read_text(encoding="utf-8"), "commission_rate")
    assert table.evaluate({"attainment": Decimal(attainment)}).value == Decimal(rate)


@pytest.mark.parametrize(("conversion", "on_time", "multiplier", "rule"), [
    ("0.35", "0.95", "1.2", 1), ("0.25", "0.85", "1.1", 2), ("0.05", "0.95", "0.8", 3),
    ("0.25", "0.5", "0.9", 4), ("0.15", "0.7", "1", 5),
])
def test_the_demo_quality_multiplier(conversion: str, on_time: str, multiplier: str, rule: int) -> None:
    table = dmn.load_table((DEMO / "quality_multiplier.dmn").read_bytes(), "quality_multiplier")
    result = table.evaluate({"conversion": Decimal(conversion), "on_time_share": Decimal(on_time)})
    assert (result.value, result.rules) == (Decimal(multiplier), (rule,))


@pytest.mark.parametrize(("attainment", "multiplier"), [("0.5", "0.9"), ("0.7", "1"), ("1", "1.05"), ("1.3", "1.1")])
def test_the_demo_intensity_multiplier(attainment: str, multiplier: str) -> None:
    table = dmn.load_table((DEMO / "intensity_multiplier.dmn").read_bytes(), "intensity_multiplier")
    assert table.evaluate({"activity_attainment": Decimal(attainment)}).value == Decimal(multiplier)


# ----------------------------------------------------------------------------- files from elsewhere

def test_a_file_written_by_camunda_modeler_loads_and_evaluates() -> None:
    table = dmn.load_table((FIXTURES / "camunda_modeler_discount.dmn").read_bytes(), "discount")
    assert (table.decision_id, table.decision_name, table.hit_policy) == ("Decision_0x5kq7r", "Discount", "FIRST")
    assert [i.label for i in table.inputs] == ["Segment", "Amount, thousands"]
    assert table.variables == ("segment", "amount")
    big = table.evaluate({"segment": "Retail", "amount": Decimal("2500000")})
    assert big.outputs == {"discount": Decimal("125000.00"), "approval": "head"}
    assert big.explain() == ('table discount, rule 2: segment in "Retail", "Manufacturing", amount / 1000 >= 1000 '
                             '→ discount 125000.00, approval "head" (Large deals)')
    assert table.evaluate({"segment": "Public sector", "amount": 5_000_000}).outputs == {
        "discount": Decimal("0"), "approval": "none"}
    assert table.evaluate({"segment": "Retail", "amount": 500_000}).outputs["discount"] == Decimal("10000.00")  # type: ignore[index]
    assert table.evaluate({"segment": "Retail", "amount": 1000}).rules == (4,)


@pytest.mark.parametrize("ns", [DMN11, DMN12, DMN13])
def test_dmn_1_1_1_2_and_1_3_namespaces_are_read(ns: str) -> None:
    assert dmn.load_table(table_xml(TIERS, ns=ns), "t").evaluate({"x": 1}).value == Decimal("0.07")


def test_a_dmn_1_1_file_loads() -> None:
    table = dmn.load_table((FIXTURES / "dmn11_dish.dmn").read_bytes(), "dish")
    assert table.evaluate({"season": "Spring", "guestCount": 6}).value == "Steak"
    assert table.evaluate({"season": "Summer", "guestCount": 60}).value == "Light Salad and nice Steak"


def test_a_file_with_several_tables_picks_the_one_named_by_id() -> None:
    xml = table_xml(TIERS, decision_id="commission_rate").replace(
        "</definitions>", '<decision id="other"><decisionTable id="dt2"><input id="a"><inputExpression>'
        "<text>z</text></inputExpression></input><output id=\"b\" name=\"w\"/></decisionTable></decision></definitions>")
    assert dmn.load_table(xml, "commission_rate").decision_id == "commission_rate"
    with pytest.raises(DmnError, match=r"has 2 decision tables \(commission_rate, other\); give the one to use the id 'bonus'"):
        dmn.load_table(xml, "bonus")


# ----------------------------------------------------------------------------- documents that are refused

BAD_DOCUMENTS = [
    ("<definitions", "the file is not well-formed XML"),
    ("", "the file is empty"),
    ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "not a DMN document"),
    (f'<definitions xmlns="{DMN13}"><decision id="d"><literalExpression><text>1</text></literalExpression>'
     "</decision></definitions>", "the file has no decision table"),
    (table_xml([], outputs=[]), "the table has no output column"),
    (table_xml([(["1"], ["2", "3"])], outputs=[("y", None), ("z", None)]).replace(' name="z"', ""),
     "output 2 has no name: a table with several outputs names each"),
    (table_xml([(["1"], ["2"])], outputs=[("y", None), ("y", None)]).replace("</rule>", "<outputEntry><text>1</text></outputEntry></rule>"),
     "two outputs are named 'y'"),
    (table_xml([(["1", "2"], ["2"])]), "rule 1 has 2 input and 1 output cells; the table has 1 inputs and 1 outputs"),
    (table_xml([(["1"], ["0,07"])]), "rule 1, output y: '0,07': write decimals with a point (0.07)"),
    (table_xml([(["1"], ['"x"'])], outputs=[("y", "number")]), "rule 1, output y: '\"x\"' is a string, but the output is a number"),
    (table_xml([(["1"], ["1, 2"])]), "rule 1, output y: '1, 2' is not a single value"),
    (table_xml([(["1"], ["rate +"])]), "rule 1, output y: unsupported expression 'rate +'"),
    (table_xml([(["1"], ["2"])], inputs=[("", "number")]), "input 1 (In 1) has no input expression"),
    (table_xml([(["1"], ["2"])], hit_policy="COLLECT", aggregation="SUM", outputs=[("a", None), ("b", None)]).replace(
        "</rule>", "<outputEntry><text>1</text></outputEntry></rule>"), "aggregation SUM needs exactly one output column"),
]


@pytest.mark.parametrize(("xml", "says"), BAD_DOCUMENTS)
def test_a_bad_document_is_refused_with_a_clear_message(xml: str, says: str) -> None:
    with pytest.raises(DmnError) as caught:
        dmn.load_table(xml, "commission_rate")
    assert caught.value.message.startswith("table commission_rate: "), caught.value.message
    assert says in caught.value.message, caught.value.message


def test_the_line_of_a_syntax_error_is_given() -> None:
    with pytest.raises(DmnError, match=r"not well-formed XML.*\(line 3\)"):
        dmn.load_table('<?xml version="1.0"?>\n<definitions xmlns="x">\n<oops></definitions>', "t")


# ----------------------------------------------------------------------------- hostile input

HOSTILE_XML = [
    # external entity (XXE)
    f'<?xml version="1.0"?>\n<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<definitions xmlns="{DMN13}"><decision id="d"><decisionTable><input><inputExpression><text>&xxe;</text>'
    '</inputExpression></input><output name="y"/></decisionTable></decision></definitions>',
    # billion laughs
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>\n'
    f'<definitions xmlns="{DMN13}">&lol2;</definitions>',
    # a DTD alone
    f'<!DOCTYPE definitions SYSTEM "http://127.0.0.1:9/evil.dtd">\n<definitions xmlns="{DMN13}"/>',
    # a DTD hidden behind another encoding
    ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE d [<!ENTITY a "b">]>\n'
     f'<definitions xmlns="{DMN13}"/>').encode("utf-16"),
]


@pytest.mark.parametrize("xml", HOSTILE_XML)
def test_dtds_and_entities_are_refused(xml: str | bytes) -> None:
    with pytest.raises(DmnError, match="table t: .*(DTD|entit)"):
        dmn.load_table(xml, "t")


def test_a_huge_document_is_refused() -> None:
    huge = table_xml(TIERS).replace("<decision ", "<!--" + "x" * (6 * 1024 * 1024) + "--><decision ")
    with pytest.raises(DmnError, match="the limit is"):
        dmn.load_table(huge, "t")


HOSTILE_EXPRESSIONS = [
    '__import__("os").system("id")', "().__class__.__bases__[0].__subclasses__()", "open('/etc/passwd').read()",
    "(lambda: 1)()", "[c for c in ()]", "eval('1')", "x.__class__", "getattr(x, 'real')",
]


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS)
def test_an_input_expression_trying_to_run_code_is_refused_at_load(expression: str) -> None:
    with pytest.raises(DmnError) as caught:
        dmn.load_table(table_xml(TIERS, inputs=[(expression, "number")]), "t")
    assert caught.value.message.startswith("table t: input 1 (In 1): ")


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS)
def test_an_output_entry_trying_to_run_code_is_refused_at_load(expression: str) -> None:
    with pytest.raises(DmnError) as caught:
        dmn.load_table(table_xml([(["-"], [expression])]), "t")
    assert caught.value.message.startswith("table t: rule 1, output y: unsupported expression")
    assert caught.value.details["cell"] == expression


def test_string_arithmetic_cannot_blow_up_memory() -> None:
    table = dmn.load_table(table_xml([(["-"], ['"x" * 100000000'])]), "t")
    with pytest.raises(DmnError, match="rule 1, output y"):
        table.evaluate({"x": 1})


def test_dmn_error_is_an_input_error_answered_with_422() -> None:
    from web.errors import status_of

    assert status_of(DmnError("table t: no rule matches x=1")) == 422
