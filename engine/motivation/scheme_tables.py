"""A scheme's decision tables: the blank table a new table of a known name starts with, and
the check every table passes before it is stored (engine.regulation.decisions.dmn's
``check_table``: everything it loads, and no overlapping rules where the hit policy wants
one rule to match), and no gap: a UNIQUE or ANY table must give a value for every input a
payout can give it (numbers of zero or more; a missing indicator skips its multiplier), or a
payroll day ends on "no rule matches"."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from engine.motivation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.regulation.decisions import dmn, overlap
from engine.shared.errors import DmnError, FieldProblems, InputInvalid
from engine.shared.notices import coded

#: the inputs and output a new table of a known name starts with (what the payout gives and reads)
TEMPLATES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "commission_rate": (("attainment",), "rate", "0"),
    "quality_multiplier": (("conversion", "on_time_share"), "multiplier", "1"),
    "intensity_multiplier": (("activity_attainment",), "multiplier", "1"),
}
_TABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def table_name(name: Any) -> str:
    if not isinstance(name, str) or not _TABLE.match(name):
        problems = FieldProblems()
        problems.add("table", "table_name", "must be letters, digits and '_', starting with a letter "
                     "(like commission_rate)")
        raise coded(InputInvalid, "scheme_table_name", {"name": repr(name)}, problems.details())
    return name


def checked_xml(xml: str | bytes, table: str) -> str:
    """The table as text, once ``dmn.check_table`` accepts it and it has no gap (DmnError
    naming where no rule matches, with an example, otherwise)."""
    loaded = dmn.check_table(xml, table)
    if loaded.hit_policy in ("UNIQUE", "ANY"):
        gap = overlap.first_gap(loaded, lowest=Decimal(0))
        if gap is not None:
            raise loaded.error(f"{gap.text()}: every value of zero or more needs a rule (hit policy "
                               f"{loaded.hit_policy}); widen a neighbouring rule's range or add one",
                               hit_policy=loaded.hit_policy, gap=gap.as_dict())
    if isinstance(xml, bytes):
        try:
            return xml.decode("utf-8")
        except UnicodeDecodeError:
            raise DmnError(f"table {table}: the file must be UTF-8") from None
    return xml


def blank_table(name: str) -> str:
    """A new table of this name as DMN 1.3 with DMNDI: the inputs the payout gives a table of
    that name, one output and one catch-all rule."""
    inputs, output, value = TEMPLATES.get(name, (("value",), "result", "0"))
    columns = "".join(
        f'      <input id="Input_{i}" label="{var}">\n'
        f'        <inputExpression id="InputExpression_{i}" typeRef="number">\n'
        f"          <text>{var}</text>\n        </inputExpression>\n      </input>\n"
        for i, var in enumerate(inputs, 1))
    cells = "".join(f'        <inputEntry id="UnaryTests_{i}">\n          <text>-</text>\n        </inputEntry>\n'
                    for i in range(1, len(inputs) + 1))
    definitions = ('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
                   'xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" '
                   'xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" '
                   f'id="Definitions_{name}" name="{name}" namespace="http://reglament.dev/dmn/motivation" '
                   'exporter="Reglament" exporterVersion="1">')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{definitions}
  <decision id="{name}" name="{name}">
    <decisionTable id="DecisionTable_{name}" hitPolicy="UNIQUE">
{columns}      <output id="Output_1" label="{output}" name="{output}" typeRef="number" />
      <rule id="Rule_1">
{cells}        <outputEntry id="LiteralExpression_1">
          <text>{value}</text>
        </outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_{name}">
      <dmndi:DMNShape id="DMNShape_{name}" dmnElementRef="{name}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""
