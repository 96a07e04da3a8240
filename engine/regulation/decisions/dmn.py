"""DMN decision tables of our own: loaded from untrusted XML, evaluated without eval.

SpiffWorkflow's DMN engine evaluates cells as Python, so motivation tables never reach
it. ``load_table`` parses a DMN 1.1-1.3 document (Camunda Modeler and dmn-js write 1.3)
with the hardened parser of engine/bpmn_xml.py, picks its decision table and checks
every cell up front; ``DecisionTable.evaluate`` applies it to a dict of inputs.

* Inputs: the ``inputExpression`` text, a variable name or a simple expression for the
  safe evaluator (engine/expressions.py) over the given inputs.
* Input entries: FEEL simple unary tests (engine/feel.py).
* Output entries: FEEL literals, or simple expressions for the safe evaluator.
* Hit policies: UNIQUE (the default), FIRST, ANY, PRIORITY, RULE ORDER, OUTPUT ORDER,
  COLLECT with SUM, MIN, MAX, COUNT or no aggregation. A single-result policy with no
  matching rule is an error (a payout never silently becomes nothing).
* Numbers are Decimal throughout: literals as written, float inputs by their repr.
* Saving (``check_table``) also refuses a UNIQUE table with overlapping rules (and an ANY
  table whose overlapping rules give different outputs), naming the rules, the region where
  they overlap and an example (engine/regulation/decisions/overlap.py); what cannot be
  decided statically still fails at evaluation, naming the rules that both matched.

Every problem is a DmnError (an InputInvalid, HTTP 422) naming the table and, where
known, the rule, the input or output, and the cell text; ``details`` holds them apart.
"""
from __future__ import annotations

import ast
from typing import Any

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from engine.regulation import expressions
from engine.regulation.decisions import feel, feel_builtins, feel_eval, feel_parse, overlap
from engine.regulation.decisions.tables import (
    _DECIMAL_COMMA,
    AGGREGATIONS,
    DMN_NAMESPACES,
    HIT_POLICIES,
    MAX_COLUMNS,
    MAX_RULES,
    DecisionTable,
    Input,
    Match,
    Output,
    OutputEntry,
    Result,
    Rule,
)
from engine.regulation.xml import parse_document
from engine.shared.errors import DmnError, ExpressionError, RegulationInvalid

MAX_NAME = 200

__all__ = [
    "AGGREGATIONS",
    "DMN_NAMESPACES",
    "DecisionTable",
    "HIT_POLICIES",
    "Input",
    "MAX_COLUMNS",
    "MAX_RULES",
    "Match",
    "Output",
    "OutputEntry",
    "Result",
    "Rule",
    "check_table",
    "load_table",
]


# ----------------------------------------------------------------------------- loading

class _Loader:
    def __init__(self, name: str, known: frozenset[str] = frozenset()) -> None:
        self.name = name
        #: names in scope that may hold spaces (a DRG's input data and decisions)
        self.known = known

    def error(self, message: str, line: int | None = None, **details: Any) -> DmnError:
        where = f" (line {line})" if line else ""
        return DmnError(f"table {self.name}: {message}{where}", {"table": self.name, "line": line, **details})

    def load(self, xml: str | bytes) -> DecisionTable:
        try:
            tree = parse_document(xml, "the file")
        except RegulationInvalid as exc:
            problem = exc.problems[0]
            raise self.error(problem.message, problem.line) from None
        root = tree.getroot()
        qname = etree.QName(root)
        if qname.namespace not in DMN_NAMESPACES or qname.localname != "definitions":
            raise self.error(f"not a DMN document (the root element is {qname.localname!r} in "
                             f"{qname.namespace or 'no namespace'}; expected definitions in the DMN 1.1-1.3 "
                             "namespace)")
        self.ns = qname.namespace
        decision, table = self._pick(root)
        return self.table(decision, table)

    def q(self, local: str) -> str:
        return f"{{{self.ns}}}{local}"

    def _pick(self, root: etree._Element) -> tuple[etree._Element, etree._Element]:
        found = [(d, d.find(self.q("decisionTable"))) for d in root.iterfind(self.q("decision"))]
        tables = [(d, t) for d, t in found if t is not None]
        if not tables:
            raise self.error("the file has no decision table")
        if len(tables) == 1:
            return tables[0]
        for decision, table in tables:
            if self.name in (decision.get("id"), decision.get("name")):
                return decision, table
        names = ", ".join(d.get("id") or "?" for d, _ in tables)
        raise self.error(f"the file has {len(tables)} decision tables ({names}); give the one to use "
                         f"the id {self.name!r}")

    def _text(self, el: etree._Element | None) -> str:
        if el is None:
            return ""
        text = el.find(self.q("text"))
        return (text.text or "").strip() if text is not None else ""

    def table(self, decision: etree._Element, table: etree._Element) -> DecisionTable:
        hit_policy = (table.get("hitPolicy") or "UNIQUE").strip().upper()
        if hit_policy not in HIT_POLICIES:
            raise self.error(f"hit policy {hit_policy!r} is not supported; use "
                             f"{', '.join(HIT_POLICIES)}", table.sourceline)
        aggregation = (table.get("aggregation") or "").strip().upper() or None
        if aggregation and (hit_policy != "COLLECT" or aggregation not in AGGREGATIONS):
            raise self.error(f"aggregation {aggregation!r} is supported only with hit policy COLLECT, as "
                             f"{', '.join(AGGREGATIONS)}", table.sourceline)
        inputs = tuple(self._input(i, el) for i, el in enumerate(table.iterfind(self.q("input")), 1))
        outputs = tuple(self._output(i, el) for i, el in enumerate(table.iterfind(self.q("output")), 1))
        if not outputs:
            raise self.error("the table has no output column", table.sourceline)
        outputs = self._name_single_output(outputs, decision, table)
        if len(inputs) > MAX_COLUMNS or len(outputs) > MAX_COLUMNS:
            raise self.error(f"the table has more than {MAX_COLUMNS} columns", table.sourceline)
        self._check_outputs(outputs, hit_policy, aggregation, table)
        rules_el = table.findall(self.q("rule"))
        if len(rules_el) > MAX_RULES:
            raise self.error(f"the table has {len(rules_el)} rules; the limit is {MAX_RULES}")
        rules = tuple(self._rule(n, el, inputs, outputs) for n, el in enumerate(rules_el, 1))
        return DecisionTable(self.name, decision.get("id"), decision.get("name") or decision.get("id") or "",
                             hit_policy, aggregation, inputs, outputs, rules)

    def _input(self, number: int, el: etree._Element) -> Input:
        label = (el.get("label") or "").strip()
        expression_el = el.find(self.q("inputExpression"))
        expression = self._text(expression_el)
        where = f"input {number}" + (f" ({label})" if label else "")
        if not expression:
            raise self.error(f"{where} has no input expression: name the variable it reads", el.sourceline,
                             input=number)
        tree = None
        try:
            expressions.check(expression)
            names = _names(expression)
        except ExpressionError as exc:
            tree = self._feel(expression)
            if tree is None:
                raise self.error(f"{where}: {exc.message}", el.sourceline, input=number, cell=expression) from None
            names = frozenset(feel_eval.names(tree) - feel_builtins.names())
        type_ref = expression_el.get("typeRef") if expression_el is not None else None
        return Input(number, el.get("id"), label or expression, expression, type_ref, names, tree)

    def _feel(self, text: str) -> Any:
        """The FEEL tree of an expression the safe evaluator does not read; None if FEEL cannot."""
        try:
            return feel_parse.parse(text, self.known)
        except feel.FeelError:
            return None

    def _output(self, number: int, el: etree._Element) -> Output:
        name = (el.get("name") or "").strip()
        label = (el.get("label") or "").strip()
        if len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
            raise self.error(f"output {number} is named {name[:40]!r}...: a name is at most {MAX_NAME} "
                             "characters, without control characters", el.sourceline, output=number)
        priorities: tuple[Any, ...] = ()
        values = el.find(self.q("outputValues"))
        text = self._text(values)
        if text:
            try:
                tests = feel.parse_unary_tests(text)
            except feel.FeelError as exc:
                raise self.error(f"output {name}: output values {text!r}: {exc.message}", el.sourceline,
                                 output=name, cell=text) from None
            if tests.negated or not all(isinstance(t, feel.Equals) for t in tests.tests):
                raise self.error(f"output {name}: output values must be a list of literals, not {text!r}",
                                 el.sourceline, output=name, cell=text)
            priorities = tuple(t.literal for t in tests.tests)  # type: ignore[attr-defined]
        return Output(number, el.get("id"), name, label or name, el.get("typeRef"), priorities)

    def _name_single_output(self, outputs: tuple[Output, ...], decision: etree._Element,
                            table: etree._Element) -> tuple[Output, ...]:
        """Camunda Modeler's new table has one output without a name: it is named after its
        label, else the decision (its value is the decision's value); several outputs each
        need a name."""
        unnamed = [o for o in outputs if not o.name]
        if not unnamed:
            return outputs
        if len(outputs) > 1:
            first = unnamed[0]
            raise self.error(f"output {first.number}{f' ({first.label})' if first.label else ''} has no name: "
                             "a table with several outputs names each (for example rate)",
                             table.sourceline, output=first.number)
        only = outputs[0]
        name = only.label or (table.get("outputLabel") or "").strip() or decision.get("name") or decision.get("id") \
            or "result"
        return (Output(only.number, only.id, name, name, only.type_ref, only.priorities),)

    def _check_outputs(self, outputs: tuple[Output, ...], hit_policy: str, aggregation: str | None,
                       table: etree._Element) -> None:
        names = [o.name for o in outputs]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise self.error(f"two outputs are named {twice[0]!r}", table.sourceline)
        if hit_policy in ("PRIORITY", "OUTPUT ORDER") and not any(o.priorities for o in outputs):
            raise self.error(f"hit policy {hit_policy} ranks rules by the output values listed in order "
                             "(for example \"high\",\"medium\",\"low\"); no output lists them", table.sourceline)
        if aggregation and len(outputs) != 1:
            raise self.error(f"aggregation {aggregation} needs exactly one output column, the table has "
                             f"{len(outputs)}", table.sourceline)

    def _rule(self, number: int, el: etree._Element, inputs: tuple[Input, ...],
              outputs: tuple[Output, ...]) -> Rule:
        entries_in = el.findall(self.q("inputEntry"))
        entries_out = el.findall(self.q("outputEntry"))
        if len(entries_in) != len(inputs) or len(entries_out) != len(outputs):
            raise self.error(f"rule {number} has {len(entries_in)} input and {len(entries_out)} output cells; "
                             f"the table has {len(inputs)} inputs and {len(outputs)} outputs",
                             el.sourceline, rule=number)
        tests = tuple(self._test(number, inp, cell) for inp, cell in zip(inputs, entries_in))
        given = tuple(self._entry(number, out, cell) for out, cell in zip(outputs, entries_out))
        description = el.find(self.q("description"))
        annotation = (description.text or "").strip() if description is not None else ""
        if not annotation:
            annotation = "; ".join(t for t in (self._text(a) for a in el.iterfind(self.q("annotationEntry"))) if t)
        return Rule(number, el.get("id"), annotation, tests, given, tuple(c.get("id") for c in entries_in))

    def _test(self, rule: int, inp: Input, cell: etree._Element) -> feel.UnaryTests:
        text = self._text(cell)
        where = f"rule {rule}, input {inp.expression}"
        details = {"rule": rule, "input": inp.number, "cell": text, "cell_id": cell.get("id")}
        try:
            tests = feel.parse_unary_tests(text)
        except feel.FeelError as exc:
            raise self.error(f"{where}: unsupported FEEL {text!r}: {exc.message}", cell.sourceline,
                             **details) from None
        wrong = tests.literal_kinds() - {inp.kind, "null"} if inp.kind else set()
        if wrong:
            raise self.error(f"{where}: {text!r} tests a {sorted(wrong)[0]}, but the input is a {inp.kind}",
                             cell.sourceline, **details)
        return tests

    def _entry(self, rule: int, out: Output, cell: etree._Element) -> OutputEntry:
        text = self._text(cell)
        where = f"rule {rule}, output {out.name}"
        details = {"rule": rule, "output": out.name, "cell": text, "cell_id": cell.get("id")}
        if _DECIMAL_COMMA.match(text):
            raise self.error(f"{where}: {text!r}: write decimals with a point ({text.replace(',', '.')})",
                             cell.sourceline, **details)
        if not text:
            return OutputEntry(cell.get("id"), text, True, None)
        try:
            is_literal, value = feel.parse_literal(text)
        except feel.FeelError as exc:
            raise self.error(f"{where}: {text!r}: {exc.message}", cell.sourceline, **details) from None
        if is_literal:
            if out.kind and value is not None and feel.kind(value) != out.kind:
                raise self.error(f"{where}: {text!r} is a {feel.kind(value)}, but the output is a {out.kind}",
                                 cell.sourceline, **details)
            return OutputEntry(cell.get("id"), text, True, value)
        try:
            expressions.check(text)
        except ExpressionError as exc:
            tree = self._feel(text)
            if tree is None:
                raise self.error(f"{where}: unsupported expression {text!r}: {exc.message}", cell.sourceline,
                                 **details) from None
            return OutputEntry(cell.get("id"), text, False, None, tree)
        if isinstance(ast.parse(expressions.unwrap(text), mode="eval").body, (ast.Tuple, ast.List, ast.Dict,
                                                                              ast.Set)):
            raise self.error(f"{where}: {text!r} is not a single value", cell.sourceline, **details)
        return OutputEntry(cell.get("id"), text, False)


def _names(expression: str) -> frozenset[str]:
    """The variables an (already checked) expression reads."""
    tree = ast.parse(expressions.unwrap(expression), mode="eval")
    known = set(expressions.FUNCTIONS) | set(expressions.CONSTANTS)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return frozenset(node.id for node in ast.walk(tree)
                     if isinstance(node, ast.Name) and id(node) not in called and node.id not in known)


def load_table(xml: str | bytes, name: str) -> DecisionTable:
    """Parse and check a DMN decision table; DmnError names the table, rule and cell."""
    return _Loader(name).load(xml)


def table_of(decision: etree._Element, table: etree._Element, name: str,
             known: frozenset[str] = frozenset()) -> DecisionTable:
    """The decision table element of a decision already parsed (a DRG's), checked as ``load_table``
    checks; ``known`` are the names in scope that hold spaces."""
    loader = _Loader(name, known)
    loader.ns = etree.QName(decision).namespace or ""
    return loader.table(decision, table)


def check_table(xml: str | bytes, name: str) -> DecisionTable:
    """A table as it is saved: what ``load_table`` checks, and no overlapping rules where the
    hit policy wants one rule to match (see overlap.refuse_overlaps); DmnError otherwise."""
    table = load_table(xml, name)
    overlap.refuse_overlaps(table)
    return table
