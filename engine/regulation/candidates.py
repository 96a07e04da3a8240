"""Candidate groups and users as Camunda 7 reads them: a comma-separated list whose items may be
expressions (``sales_${region}, Legal``); an expression may give one name, a comma-separated
text of names, or a list of them. Commas inside ``${...}`` do not separate items."""
from __future__ import annotations

from typing import Any

from engine.regulation import expressions
from engine.regulation.expression_checks import is_expression, split_list

#: names one attribute may give at run time
MAX_NAMES = 100


def names(text: str | None, variables: dict[str, Any]) -> list[str]:
    """The names the attribute gives for these variables, empty ones dropped, in order."""
    out: list[str] = []
    for item in split_list(text or ""):
        if not item:
            continue
        if not is_expression(item):
            out.append(item)
            continue
        value = expressions.evaluate(item, variables)
        if isinstance(value, (list, tuple, set)):
            out.extend(str(v).strip() for v in value if v not in (None, ""))
        elif value not in (None, ""):
            out.extend(part.strip() for part in str(value).split(","))
    return [name for name in out if name][:MAX_NAMES]
