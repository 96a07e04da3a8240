"""Runs the DMN TCK test cases vendored in tests/fixtures/dmn-tck with Reglament's evaluator.

Each case folder holds a model (.dmn) and test files (*-test-*.xml): input nodes with values
(components for structures, lists), and result nodes with the expected value. A result passes
when the evaluated value equals the expected one; numbers agree within NUMBER_PRECISION, the
tolerance of the TCK's own runners.

``python tests/engine/dmn_tck.py`` prints the figure and the results that fail.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.regulation.decisions import drg, feel_eval  # noqa: E402
from engine.regulation.decisions.feel_values import show  # noqa: E402
from engine.shared.errors import DmnError  # noqa: E402

TCK = ROOT / "tests" / "fixtures" / "dmn-tck"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: numbers agree within this, as in the TCK's own runners (Camunda, Drools: 0.00000001): the
#: expected values of 0008/0009 were computed in binary floating point
NUMBER_PRECISION = Decimal("0.00000001")
#: XML Schema types of temporal values and the FEEL function that reads them
TEMPORAL = {"date": "date", "dateTime": "date and time", "time": "time", "duration": "duration",
            "dayTimeDuration": "duration", "yearMonthDuration": "duration"}


@dataclass(frozen=True)
class Outcome:
    case: str      # folder/test file#test case id/result node
    passed: bool
    expected: Any
    actual: Any
    error: str = ""

    def line(self) -> str:
        why = self.error or f"expected {show(self.expected)}, got {show(self.actual)}"
        return f"{self.case}: {why}"


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def value_of(el: etree._Element) -> Any:
    """A TCK value element (value, component list, list of items) as a FEEL value."""
    children = [c for c in el if isinstance(c.tag, str)]
    components = [c for c in children if _local(c) == "component"]
    if components:
        return {c.get("name"): value_of(c) for c in components}
    lists = [c for c in children if _local(c) == "list"]
    if lists:
        return [value_of(item) for item in lists[0] if isinstance(item.tag, str) and _local(item) == "item"]
    values = [c for c in children if _local(c) == "value"]
    if values:
        return value_of(values[0])
    if el.get(f"{{{XSI}}}nil") == "true":
        return None
    text = el.text or ""
    kind = (el.get(f"{{{XSI}}}type") or "").split(":")[-1]
    if kind in ("decimal", "double", "int", "integer", "long", "float"):
        return Decimal(text.strip())
    if kind == "boolean":
        return text.strip() == "true"
    if kind in TEMPORAL:
        return feel_eval.evaluate(f'{TEMPORAL[kind]}("{text.strip()}")', {})
    return text


def same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Decimal):
        if isinstance(actual, bool) or not isinstance(actual, Decimal):
            return False
        return abs(expected - actual) < NUMBER_PRECISION
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            same(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and set(actual) == set(expected) and all(
            same(expected[k], actual[k]) for k in expected)
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    return bool(expected == actual)


def run_folder(folder: Path) -> list[Outcome]:
    outcomes: list[Outcome] = []
    models: dict[str, drg.Model | str] = {}
    for test_file in sorted(folder.glob("*-test-*.xml")):
        root = etree.parse(str(test_file)).getroot()
        ns = etree.QName(root).namespace
        model_name = (root.findtext(f"{{{ns}}}modelName") or "").strip()
        if model_name not in models:
            try:
                models[model_name] = drg.load_model((folder / model_name).read_bytes(), model_name)
            except DmnError as exc:
                models[model_name] = exc.message
        model = models[model_name]
        for case in root.iterfind(f"{{{ns}}}testCase"):
            inputs = {node.get("name"): value_of(node) for node in case.iterfind(f"{{{ns}}}inputNode")}
            for result in case.iterfind(f"{{{ns}}}resultNode"):
                label = f"{folder.name}/{test_file.name}#{case.get('id')}/{result.get('name')}"
                expected_el = result.find(f"{{{ns}}}expected")
                expected = value_of(expected_el) if expected_el is not None else None
                if result.get("errorResult") == "true":
                    expected = None
                if isinstance(model, str):
                    outcomes.append(Outcome(label, False, expected, None, f"the model does not load: {model}"))
                    continue
                try:
                    actual = model.evaluate(result.get("name") or "", inputs)
                except DmnError as exc:
                    outcomes.append(Outcome(label, expected is None, expected, None, exc.message))
                    continue
                outcomes.append(Outcome(label, same(expected, actual), expected, actual))
    return outcomes


def run_all(base: Path = TCK) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        outcomes.extend(run_folder(folder))
    return outcomes


def figure(outcomes: list[Outcome]) -> str:
    return f"DMN TCK level 2: {sum(o.passed for o in outcomes)} of {len(outcomes)}"


if __name__ == "__main__":
    results = run_all()
    for outcome in results:
        if not outcome.passed:
            print("FAIL", outcome.line())
    print(figure(results))
