"""JUEL as Camunda 7 writes it, evaluated by the safe evaluator (no Python eval of diagram text)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.regulation.expressions import check, evaluate
from engine.shared import clock
from engine.shared.errors import ExpressionError

NOW = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(("expression", "variables", "expected"), [
    ("${amount gt 100 and segment eq 'Retail'}", {"amount": 150, "segment": "Retail"}, True),
    ("${amount lt 100 or amount ge 1000}", {"amount": 500}, False),
    ("${amount le 10 || amount ne 500}", {"amount": 500}, False),
    ("${not approved}", {"approved": False}, True),
    ("${!approved && count != 0}", {"approved": False, "count": 2}, True),
    ("${!approved == false}", {"approved": True}, True),  # ! binds to its operand, as in JUEL
    ("${amount div 4 mod 3}", {"amount": 20}, 2),
    ("${empty reason}", {"reason": ""}, True),
    ("${empty reason}", {"reason": None}, True),
    ("${empty items}", {"items": []}, True),
    ("${not empty reason}", {"reason": "price"}, True),
    ("${not empty order.lines}", {"order": {"lines": [1]}}, True),
    ("${amount > 100 ? 'big' : 'small'}", {"amount": 150}, "big"),
    ("${amount > 100 ? 'big' : amount > 10 ? 'medium' : 'small'}", {"amount": 50}, "medium"),
    ("${(amount > 100 ? 2 : 1) * 10}", {"amount": 5}, 10),
    ("${order.price * 2}", {"order": {"price": 21}}, 42),
    ("${order['price'] == order.price}", {"order": {"price": 21}}, True),
    ("${order.customer.region}", {"order": {"customer": {"region": "North"}}}, "North"),
    ("${order.discount == null}", {"order": {"price": 1}}, True),
    ("${order.missing.deeper == null}", {"order": {}}, True),
    ("${decision.equals('yes')}", {"decision": "yes"}, True),
    ("${decision.equalsIgnoreCase('YES')}", {"decision": "Yes"}, True),
    ("${email.contains('@') && email.endsWith('.ru')}", {"email": "a@b.ru"}, True),
    ("${tags.contains('vip')}", {"tags": ["new", "vip"]}, True),
    ("${code.startsWith('RU-')}", {"code": "RU-77"}, True),
    ("${name.toUpperCase()}", {"name": "anna"}, "ANNA"),
    ("${name.toLowerCase().length()}", {"name": "ANNA"}, 4),
    ("${name.isEmpty()}", {"name": ""}, True),
    ("${'sales_' + region}", {"region": "north"}, "sales_north"),
    ("sales_${region}", {"region": "north"}, "sales_north"),
    ("${team}-${region}", {"team": "key", "region": "north"}, "key-north"),
    ("group_${missing_value}", {"missing_value": None}, "group_"),
    ("${'a,b'.contains(',')}", {}, True),
    ("#{amount > 1}", {"amount": 2}, True),
    ("${customer.prop('age').numberValue() >= 21}", {"customer": {"age": 30}}, True),  # Camunda Spin JSON
    ("${customer.prop('name').stringValue().startsWith('A')}", {"customer": {"name": "Acme"}}, True),
    ("${order.prop('lines').elements().size()}", {"order": {"lines": [1, 2]}}, 2),
    ("${not x in [1, 2]}", {"x": 3}, True),  # the word not reaches as in Python
    ("${not a == b}", {"a": 1, "b": 2}, True),
    ("${'it\\'s' == name}", {"name": "it's"}, True),  # JUEL's escapes: \\' \\" \\\\ only
    ("${'a\\nb'.length()}", {}, 4),  # a backslash before any other letter is itself
    ("${execution.getVariable('amount') > 100}", {"amount": 150}, True),  # Camunda's execution object
    ("${execution.getVariable('missing') == null}", {}, True),
    ("${'sales_'.concat(region)}", {"region": "north"}, "sales_north"),
    ("${code.substring(0, 2) eq 'RU'}", {"code": "RU-77"}, True),
    ("${code.substring(3)}", {"code": "RU-77"}, "77"),
    ("${email.indexOf('@') > 0}", {"email": "a@b.ru"}, True),
    ("${amount.toString().length()}", {"amount": 1500}, 4),
    ("${continue == true}", {"continue": True}, True),  # a variable named like a Python keyword
    ("${not continue}", {"continue": False}, True),
])
def test_a_juel_expression_gives_what_camunda_gives(expression: str, variables: dict[str, Any],
                                                    expected: Any) -> None:
    assert evaluate(expression, variables) == expected


@pytest.mark.parametrize(("expression", "expected"), [
    ("${dateTime().plusDays(2).toDate()}", "2026-02-02T09:30:00+00:00"),
    ("${dateTime().plusHours(3).toDate()}", "2026-01-31T12:30:00+00:00"),
    ("${dateTime().plusWeeks(1).toDate()}", "2026-02-07T09:30:00+00:00"),
    ("${dateTime().plusMonths(1).toDate()}", "2026-02-28T09:30:00+00:00"),  # the month's last day
    ("${dateTime().minusDays(31).toDate()}", "2025-12-31T09:30:00+00:00"),
    ("${dateTime().plusMinutes(30).plusYears(1).toDate()}", "2027-01-31T10:00:00+00:00"),
    ("${now()}", "2026-01-31T09:30:00+00:00"),
])
def test_dates_are_computed_from_the_engine_clock(expression: str, expected: str) -> None:
    with clock.using(lambda: NOW):
        assert evaluate(expression, {}) == expected


def test_date_functions_compare_inside_an_expression() -> None:
    with clock.using(lambda: NOW):
        assert evaluate("${dateTime().plusDays(1).toDate() > now()}", {}) is True


@pytest.mark.parametrize(("expression", "says"), [
    ("${name.getClass()}", "the method 'getClass' may not be called"),
    ("${name.format(1)}", "the method 'format' may not be called"),
    ("${x.__class__}", "attribute access ('.__class__'), which is not allowed"),
    ("${a ? b}", "Syntax error"),
    ("${unclosed", "never closed with '}'"),
])
def test_anything_else_is_refused_before_it_runs(expression: str, says: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        check(expression)
    assert says in caught.value.message


@pytest.mark.parametrize(("expression", "variables", "says"), [
    ("${amount.toUpperCase()}", {"amount": 3}, "toUpperCase() applies to a text"),
    ("${dateTime().plusDays(1000000).toDate()}", {}, "moves the date too far; the limit is 100,000"),
    ("${dateTime().plusDays('2').toDate()}", {}, "takes a whole number"),
    ("${missing.price}", {}, "missing"),
    ("${code.substring(2, 9)}", {"code": "RU-77"}, "substring(2, 9) is outside a text of 5 characters"),
    ("${customer.prop('age').numberValue()}", {"customer": {"age": "30"}}, "numberValue() applies to a JSON number"),
])
def test_a_method_on_the_wrong_value_is_an_expression_error_naming_it(expression: str,
                                                                    variables: dict[str, Any],
                                                                    says: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, variables)
    assert says in caught.value.message


def test_the_cost_limits_apply_to_juel_as_well(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.regulation import expressions
    monkeypatch.setattr(expressions, "MAX_EXPRESSION_STEPS", 10)
    with pytest.raises(ExpressionError, match=r"MAX_EXPRESSION_STEPS"):
        evaluate("${a eq 1 and b eq 2 and c eq 3 and d eq 4}", {"a": 1, "b": 2, "c": 3, "d": 4})
    with pytest.raises(ExpressionError, match="nested more than"):
        check("${" + "!" * 60 + "x}")


def test_a_text_python_would_warn_about_is_an_expression_error_not_a_warning() -> None:
    with pytest.raises(ExpressionError, match="Syntax error"):
        check("${1if x}")  # Python warns "invalid decimal literal" before its syntax error
