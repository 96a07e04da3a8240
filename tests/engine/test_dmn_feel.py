"""FEEL expressions (engine/regulation/decisions/feel_parse.py, feel_eval.py): what DMN compliance
level 2 needs and the everyday part of level 3, null semantics, and the bounds on what an
expression may cost. Table-driven: expression, scope, expected value."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from engine.regulation.decisions import feel_eval, feel_parse
from engine.regulation.decisions.feel import FeelError
from engine.regulation.decisions.feel_values import Range, YearsMonths

CASES: list[tuple[str, dict[str, Any], Any]] = [
    # literals and names with spaces
    ("-.872", {}, D("-0.872")), ('"横綱"', {}, "横綱"), ("true", {}, True), ("null", {}, None),
    ('"Hello " + Full Name', {"Full Name": "John Doe"}, "Hello John Doe"),
    ("12 * Monthly Salary", {"Monthly Salary": D(10000)}, D(120000)),
    ("Loan.amount / Loan.term", {"Loan": {"amount": D(1200), "term": D(12)}}, D(100)),
    # arithmetic and precedence
    ("10 + 20 / -5 - 3", {}, D(3)), ("5+2**5+3", {}, D(40)), ("(5+2)**5", {}, D(16807)),
    ("10**-5", {}, D("0.00001")), ("-10--5", {}, D(-5)), ("1.2*10**3", {}, D(1200)),
    ("1/3*3", {}, D("0.9999999999999999999999999999999999")),
    # null semantics: what does not fit is null
    ("10 + null", {}, None), ("(10+20)/0", {}, None), ('"a" + 1', {}, None), ("missing * 2", {}, None),
    ('1 < "a"', {}, None), ('1 = "1"', {}, None), ("null = null", {}, True), ("1 = null", {}, False),
    # three-valued logic
    ("A and B", {"A": True, "B": None}, None), ("A and B", {"A": False, "B": None}, False),
    ("A or B", {"A": True, "B": None}, True), ("A or B", {"A": False, "B": None}, None),
    ("not(A)", {"A": False}, True), ("not(A)", {"A": "yes"}, None),
    ('if x > 1 then "big" else "small"', {"x": D(2)}, "big"), ('if x > 1 then "big" else "small"', {"x": None}, "small"),
    # comparisons, ranges, lists, in
    ("x between 1 and 5", {"x": D(5)}, True), ("x in [1..5)", {"x": D(5)}, False), ("x in (1..5]", {"x": D(5)}, True),
    ('x in ("a", "b")', {"x": "b"}, True), ("x in < 5", {"x": D(3)}, True), ("x in [1, 2, 3]", {"x": D(4)}, False),
    ("[1..10)", {}, Range(D(1), D(10), True, False)),
    ("[1, 2, 3][item > 1]", {}, [D(2), D(3)]), ("[1, 2, 3][-1]", {}, D(3)), ("[1, 2, 3][4]", {}, None),
    ("[{a: 1}, {a: 2}][a > 1].a", {}, [D(2)]), ("{a: 1, b: a + 1}.b", {}, D(2)), ('{"c d": 5}.c d', {}, D(5)),
    # functions
    ('string length("abc")', {}, D(3)), ('upper case(substring("hello", 2, 3))', {}, "ELL"),
    ('substring(string: "hello", start position: 2)', {}, "ello"), ('contains("abc", "b")', {}, True),
    ("decimal(1/3, 2)", {}, D("0.33")), ("floor(-1.5)", {}, D(-2)), ("ceiling(1.2)", {}, D(2)),
    ("sum([1, 2, 3])", {}, D(6)), ("max(1, 3, 2)", {}, D(3)), ("mean([1, 2])", {}, D("1.5")), ("count([])", {}, D(0)),
    ("modulo(-7, 3)", {}, D(2)), ('number("1,000.5", ",", ".")', {}, D("1000.5")), ("string(1.50)", {}, "1.50"),
    ('date("2026-01-31") + duration("P1M")', {}, dt.date(2026, 2, 28)),
    ('date("2026-03-01") - date("2026-01-01")', {}, dt.timedelta(days=59)),
    ('date("2026-01-01") < date("2026-02-01")', {}, True), ('date("2026-05-04").weekday', {}, D(1)),
    ('duration("P1Y2M")', {}, YearsMonths(14)), ('duration("PT90M").hours', {}, D(1)),
    ('date and time("2026-01-01T10:00:00") + duration("PT1H")', {}, dt.datetime(2026, 1, 1, 11)),
    ('years and months duration(date("2020-05-10"), date("2026-05-09")).years', {}, D(5)),
    ('@"2026-07-01" < @"2026-07-02"', {}, True), ('-@"P1D"', {}, dt.timedelta(days=-1)),
    ('abs(@"-P1D")', {}, dt.timedelta(days=1)), ("floor(1.56, 1)", {}, D("1.5")), ("round half up(2.5)", {}, D(3)),
    ('substring after("abc", "")', {}, "abc"), ('substring before("", "")', {}, ""),
]


@pytest.mark.parametrize(("expression", "scope", "expected"), CASES, ids=[c[0] for c in CASES])
def test_an_expression_gives_what_feel_says(expression: str, scope: dict[str, Any], expected: Any) -> None:
    assert feel_eval.evaluate(expression, scope) == expected


@pytest.mark.parametrize(("expression", "says"), [
    ("1 +", "ends too early"), ("'single'", "FEEL strings take double quotes"), ("(1", "ends too early"),
    ("(1 2", "expected ')', found '2'"), ('@"tomorrow"', "is not a date, time or duration"),
    ("1 2", "unexpected '2' after a complete expression"), ("x.__class__", "names with '__'"),
    ("__import__(\"os\")", "names with '__'"), ("", "the expression is empty"), ("then", "'then' is not supported"),
    ("x" * 20001, "the limit is 20000"), ("+".join(["1"] * 3000), "more than 150 operations deep"),
    ("(" * 70 + "1" + ")" * 70, "nested more than 64 deep"),
])
def test_an_expression_that_cannot_be_read_says_why(expression: str, says: str) -> None:
    with pytest.raises(FeelError) as caught:
        feel_parse.parse(expression)
    assert says in caught.value.message


def test_huge_powers_and_strings_give_null_not_a_hang() -> None:
    assert feel_eval.evaluate("10 ** 1000000", {}) is None
    assert feel_eval.evaluate("10 ** 10000", {}) is None  # beyond decimal128's range
    assert feel_eval.evaluate("s + s", {"s": "x" * 600_000}) is None


def test_recursion_through_functions_is_bounded() -> None:
    from engine.regulation.decisions.feel_values import Function

    def again(n: Any) -> Any:
        return feel_eval.evaluate("f(n)", {"f": looping, "n": n})
    looping = Function("f", ("n",), again)
    with pytest.raises(FeelError, match="nest more than 32 deep"):
        feel_eval.run(feel_parse.parse("f(1)"), {"f": looping})


def test_names_an_expression_reads() -> None:
    tree = feel_parse.parse('if Loan.amount > limit then upper case(name) else {a: 1, b: a}.b', {"upper case"})
    assert feel_eval.names(tree) == {"Loan", "limit", "name"}
