"""Overlapping rules of single-hit decision tables, refused when a table is saved
(engine/regulation/decisions/overlap.py through dmn.check_table): the rules by number, the
region of each input where both match and an example; what cannot be decided statically is
left to evaluation. Checked against brute-force evaluation on random tables."""
from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

import pytest
from test_dmn import TIERS, table_xml

from engine.regulation.decisions import dmn, feel, overlap
from engine.shared.errors import DmnError


def refused(rules: list[tuple[list[str], list[str]]], **kwargs: Any) -> DmnError:
    with pytest.raises(DmnError) as caught:
        dmn.check_table(table_xml(rules, **kwargs), "t")
    return caught.value


def test_a_unique_table_with_overlapping_intervals_is_refused_naming_both_rules_and_where() -> None:
    error = refused([(["< 0.5"], ["0"]), (["[0.5..0.9]"], ["0.03"]), (["[0.8..1)"], ["0.05"]), ([">= 1"], ["0.07"])],
                    inputs=[("attainment", "number")])
    assert error.message.startswith("table t: rules 2 and 3 both match attainment in [0.8..0.9] "
                                    "(for example attainment=0.8) (hit policy UNIQUE")
    assert error.details["rules"] == [2, 3] and error.details["overlapping_pairs"] == 1
    assert error.details["overlaps"][0]["region"] == {"attainment": "[0.8..0.9]"}
    assert error.details["cell_id"] == "r3i0"  # the editor marks the later rule's cell


@pytest.mark.parametrize(("cells", "inputs", "where"), [
    ([">= 1", "< 2"], [("x", "number")], "x in [1..2) (for example x=1)"),
    ([">= 1", "> 3"], [("x", "number")], "x > 3 (for example x=4)"),
    (["1, 2, 3", "not(1, 2)"], [("x", "number")], "x = 3 (for example x=3)"),
    (['"Retail", "Public"', 'not("Retail")'], [("segment", "string")], 'segment = "Public"'),
    (['"a", "b"', '"b", "a"'], [("segment", "string")], 'segment in "a", "b" (for example segment="a")'),
    (["-", "null"], [("x", "number")], "x = null (for example x=null)"),
    (["true", "not(false)"], [("flag", "boolean")], "flag = true (for example flag=true)"),
    (["-", "-"], [("x", "number")], "any input"),
    (["(0..1)", "(0.5..2)"], [("x", "number")], "x in (0.5..1) (for example x=0.75)"),
])
def test_the_overlap_is_described_in_feel(cells: list[str], inputs: list[tuple[str, str]], where: str) -> None:
    error = refused([([cells[0]], ["1"]), ([cells[1]], ["2"])], inputs=inputs)
    assert f"rules 1 and 2 both match {where}" in error.message


def test_several_inputs_overlap_only_where_every_input_does() -> None:
    rules = [(['"Retail"', ">= 1"], ["1"]), (['"Retail"', "< 1"], ["2"]), (['not("Retail")', "-"], ["3"])]
    dmn.check_table(table_xml(rules, inputs=[("segment", "string"), ("attainment", "number")]), "t")
    error = refused(rules + [(["-", "[0.5..1.5]"], ["4"])], inputs=[("segment", "string"), ("attainment", "number")])
    assert error.message.startswith('table t: rules 1 and 4 both match segment = "Retail" and attainment in [1..1.5]')
    assert "rules 2 and 4" in error.message and "rules 3 and 4" in error.message


@pytest.mark.parametrize(("cells", "type_ref"), [
    (["[0..1)", "[1..2]"], "number"),  # they meet without overlapping
    (["(1..2)", "[2..3]"], "integer"),  # no integer between 1 and 2
    (["< 1", ">= 1"], None),
    (['"a"', '"b"'], "string"),
    (["null", "not(null)"], "number"),
])
def test_rules_that_meet_without_overlapping_are_accepted(cells: list[str], type_ref: str | None) -> None:
    dmn.check_table(table_xml([([cells[0]], ["1"]), ([cells[1]], ["2"])], inputs=[("x", type_ref)]), "t")


def test_the_shipped_tables_are_accepted() -> None:
    from pathlib import Path
    for path in (Path(__file__).resolve().parents[2] / "bpmn" / "motivation").glob("*.dmn"):
        dmn.check_table(path.read_bytes(), path.stem)


@pytest.mark.parametrize("hit_policy", ["FIRST", "PRIORITY", "COLLECT", "RULE ORDER"])
def test_hit_policies_made_for_overlaps_are_not_checked(hit_policy: str) -> None:
    extra = {"output_values": {"y": "1, 2"}} if hit_policy == "PRIORITY" else {}
    dmn.check_table(table_xml([([">= 1"], ["1"]), (["< 2"], ["2"])], hit_policy=hit_policy, **extra), "t")


def test_any_refuses_overlapping_rules_only_when_their_outputs_differ() -> None:
    dmn.check_table(table_xml([([">= 1"], ['"ok"']), (["< 2"], ['"ok"'])], hit_policy="ANY"), "t")
    error = refused([([">= 1"], ['"ok"']), (["< 2"], ['"no"'])], hit_policy="ANY")
    assert "rules 1 and 2 both match x in [1..2)" in error.message and "hit policy ANY" in error.message


def test_what_cannot_be_decided_statically_is_left_to_evaluation() -> None:
    expression = table_xml([([">= 1"], ["1"]), (["< 2"], ["2"])], inputs=[("x * 2", "number")])
    table = dmn.check_table(expression, "t")  # saved: the range of x * 2 is not known here
    with pytest.raises(DmnError, match=r"rules 1 and 2 both match x \* 2=1.6 \(hit policy UNIQUE\)"):
        table.evaluate({"x": Decimal("0.8")})
    error = refused([(["-"], ["1"]), (["< 2"], ["2"])], inputs=[("x * 2", "number")])  # "-" overlaps anything
    assert "rules 1 and 2 both match x * 2 < 2" in error.message
    mixed = table_xml([(['"a"'], ["1"]), (["< 2"], ["2"])], inputs=[("x", None)])  # strings and numbers
    dmn.check_table(mixed, "t")


def test_many_overlaps_are_counted_and_the_first_ones_named() -> None:
    error = refused([(["-"], [str(n)]) for n in range(6)])
    assert error.details["overlapping_pairs"] == 15 and len(error.details["overlaps"]) == 10
    assert error.message.count("both match") == overlap.SHOWN_OVERLAPS and "and 12 more overlapping pairs" in error.message


def test_a_large_table_of_disjoint_rules_is_decided() -> None:
    rules = [([f"[{n}..{n + 1})"], [str(n)]) for n in range(3000)]
    table = dmn.load_table(table_xml(rules), "t")
    found = overlap.overlaps(table)
    assert found.complete and found.total == 0
    table = dmn.load_table(table_xml(rules + [(["[10.5..12]"], ["x"])]), "t")
    assert [p.rules for p in overlap.overlaps(table).pairs] == [(11, 3001), (12, 3001), (13, 3001)]


def test_the_initial_tiers_have_no_overlap() -> None:
    dmn.check_table(table_xml(TIERS), "t")


# ----------------------------------------------------------------------------- against brute force

NUMBERS = ["0", "0.5", "1", "1.5", "2", "3"]
STRINGS = ['"a"', '"b"', '"c"', '"ab"']
SAMPLES = {
    "number": [Decimal(x) for x in ("-1", "0", "0.25", "0.5", "0.75", "1", "1.25", "1.5", "1.75", "2", "2.5", "3", "4")],
    "string": ["", "a", "a\0", "aa", "ab", "abc", "b", "ba", "c", "d"],
    "boolean": [True, False],
}


def _cell(rng: random.Random, kind: str) -> str:
    if kind == "boolean":
        return rng.choice(["-", "true", "false", "not(true)", "null"])
    if kind == "string":
        return rng.choice(["-", ", ".join(rng.sample(STRINGS, rng.randint(1, 3))), f"not({', '.join(rng.sample(STRINGS, 2))})",
                           f"{rng.choice(['<', '>=', '>'])} {rng.choice(STRINGS)}", '["a".."b"]'])
    low, high = sorted(rng.sample(NUMBERS, 2), key=Decimal)
    return rng.choice(["-", f"{rng.choice(['<', '<=', '>', '>='])} {rng.choice(NUMBERS)}",
                       f"{rng.choice('[(]')}{low}..{high}{rng.choice('])[')}", rng.choice(NUMBERS),
                       ", ".join(rng.sample(NUMBERS, 2)), f"not({rng.choice(['< 1', '[0..1]', '2', 'null'])})", "null",
                       f"!= {rng.choice(NUMBERS)}"])


def test_the_static_check_finds_exactly_the_pairs_evaluation_would_find() -> None:
    rng = random.Random(16)
    checked = 0
    for _ in range(400):
        kinds: dict[str, str] = {}
        columns = [(name, kinds.setdefault(name, rng.choice(["number", "number", "string", "boolean"])))
                   for name in (rng.choice("xyz") for _ in range(rng.randint(1, 3)))]
        types = ["integer" if kind == "number" and rng.random() < 0.3 else kind for _, kind in columns]
        rules = [([_cell(rng, kind) for _, kind in columns], ["1"]) for _ in range(rng.randint(2, 5))]
        try:
            table = dmn.load_table(table_xml(rules, inputs=list(zip([n for n, _ in columns], types)),
                                             hit_policy="COLLECT"), "t")
        except DmnError:
            continue  # an empty interval, say
        names = sorted(kinds)
        domains = []
        for name in names:
            integer = any(t == "integer" for (n, _), t in zip(columns, types) if n == name)
            values = [v for v in SAMPLES[kinds[name]] if not integer or v == v.to_integral_value()]
            domains.append([*values, None])
        expected = set()
        for combo in itertools.product(*domains):
            given = dict(zip(names, combo))
            matched = [r.number for r in table.rules
                       if all(test.matches(feel.normalize(given[inp.expression]))
                              for inp, test in zip(table.inputs, r.tests))]
            expected |= set(itertools.combinations(matched, 2))
        found = overlap.overlaps(table, limit=100)
        assert {p.rules for p in found.pairs} == expected, (columns, types, [r for r, _ in rules])
        for pair in found.pairs:  # every example matches both rules
            if set(pair.example) == set(names):
                given = {k: feel.parse_literal(v)[1] for k, v in pair.example.items()}
                for number in pair.rules:
                    rule = table.rules[number - 1]
                    assert all(t.matches(given[i.expression]) for i, t in zip(table.inputs, rule.tests)), pair
        checked += 1
    assert checked > 300


def test_a_table_too_big_to_compare_is_left_to_evaluation() -> None:
    rules = [([f"!= {n}"], [str(n)]) for n in range(3000)]  # each rule matches almost everything
    table = dmn.check_table(table_xml(rules, hit_policy="UNIQUE"), "t")  # not decided: accepted
    assert overlap.overlaps(table).complete is False
    with pytest.raises(DmnError, match="all match x=0.5"):
        table.evaluate({"x": Decimal("0.5")})
