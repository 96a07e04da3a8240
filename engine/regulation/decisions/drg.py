"""A DMN document as a decision requirements graph: input data, decisions (decision tables and
FEEL literal expressions) that require input data, other decisions and business knowledge
models (functions whose body is a FEEL literal expression).

``load_model`` parses the document with the hardened parser and checks every expression up
front (DmnError naming the decision); ``Model.evaluate(decision, inputs)`` evaluates a decision
by name or id, its required decisions first, with the DMN standard's semantics: a table with
no matching rule gives null, a single output is the decision's value, several outputs make a
context, COLLECT / RULE ORDER / OUTPUT ORDER give lists. Evaluation is bounded by the size
of the document (every decision evaluated at most once per call).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.regulation.decisions import dmn, feel, feel_eval, feel_parse
from engine.regulation.decisions.feel_values import Function
from engine.regulation.decisions.tables import DMN_NAMESPACES, DecisionTable
from engine.regulation.xml import parse_document
from engine.shared.errors import DmnError, RegulationInvalid

MAX_DECISIONS = 500


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    #: "table", "literal" (decisions) or "function" (business knowledge models)
    kind: str
    table: DecisionTable | None = None
    tree: Any = None
    text: str = ""
    params: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # ids of required decisions
    knows: tuple[str, ...] = ()     # ids of required business knowledge models
    line: int | None = None

    @property
    def output_count(self) -> int:
        return len(self.table.outputs) if self.table is not None else 1


@dataclass
class Model:
    name: str
    decisions: dict[str, Node] = field(default_factory=dict)   # by id
    knowledge: dict[str, Node] = field(default_factory=dict)   # by id
    inputs: dict[str, str] = field(default_factory=dict)       # input data id -> name

    def find(self, key: str) -> Node:
        if key in self.decisions:
            return self.decisions[key]
        for node in self.decisions.values():
            if node.name == key:
                return node
        raise DmnError(f"decision {key}: the document has no decision of that id or name "
                       f"(it has {', '.join(sorted(self.decisions)) or 'none'})", {"table": key})

    def evaluate(self, key: str, inputs: Mapping[str, Any], strict: bool = False) -> Any:
        """The value of a decision; ``strict`` makes a table with no matching rule an error."""
        return _Run(self, inputs, strict).decision(self.find(key))

    def scope(self, node: Node, inputs: Mapping[str, Any], strict: bool = False) -> dict[str, Any]:
        """What a decision's expression sees: the inputs, required decisions and functions."""
        return _Run(self, inputs, strict).scope(node)


class _Run:
    def __init__(self, model: Model, inputs: Mapping[str, Any], strict: bool) -> None:
        self.model, self.strict = model, strict
        self.inputs = {str(k): feel.normalize(v) for k, v in inputs.items()}
        self.done: dict[str, Any] = {}
        self.active: set[str] = set()

    def scope(self, node: Node) -> dict[str, Any]:
        scope = dict(self.inputs)
        for bkm_id in node.knows:
            bkm = self.model.knowledge[bkm_id]
            scope[bkm.name] = self.function(bkm)
        for required in node.requires:
            other = self.model.decisions[required]
            scope[other.name] = self.decision(other)
        return scope

    def function(self, bkm: Node) -> Function:
        closure = self.scope(bkm)

        def call(*args: Any) -> Any:
            if len(args) > len(bkm.params):
                return None
            inner = dict(closure)
            inner.update(zip(bkm.params, list(args) + [None] * (len(bkm.params) - len(args))))
            return feel_eval.run(bkm.tree, inner)
        return Function(bkm.name, bkm.params, call)

    def decision(self, node: Node) -> Any:
        if node.id in self.done:
            return self.done[node.id]
        if node.id in self.active:
            raise DmnError(f"decision {node.name}: it requires itself", {"table": node.name})
        self.active.add(node.id)
        try:
            scope = self.scope(node)
            if node.table is not None:
                value = self._table(node.table, scope)
            else:
                value = feel_eval.run(node.tree, scope)
        except feel.FeelError as exc:
            raise DmnError(f"decision {node.name}: {exc.message}", {"table": node.name}) from None
        finally:
            self.active.discard(node.id)
        self.done[node.id] = value
        return value

    def _table(self, table: DecisionTable, scope: dict[str, Any]) -> Any:
        given = {k: v for k, v in scope.items() if not isinstance(v, Function)}
        for inp in table.inputs if not self.strict else ():  # the standard: an input not given is null
            for name in inp.names:
                given.setdefault(name, None)
        try:
            result = table.evaluate(given, strict=self.strict)
        except DmnError:
            if self.strict:
                raise
            return None
        single = len(table.outputs) == 1
        if isinstance(result.outputs, dict):
            if not result.outputs:
                return None
            return next(iter(result.outputs.values())) if single else dict(result.outputs)
        return [next(iter(row.values())) if single else dict(row) for row in result.outputs]


def load_model(xml: str | bytes, name: str = "the file") -> Model:
    """Parse and check a DMN document; DmnError names the decision and what is wrong."""
    try:
        root = parse_document(xml, name).getroot()
    except RegulationInvalid as exc:
        problem = exc.problems[0]
        raise DmnError(f"{name}: {problem.message}", {"table": name, "line": problem.line}) from None
    return model_of(root, name)


def model_of(root: etree._Element, name: str) -> Model:
    ns = etree.QName(root).namespace
    if ns not in DMN_NAMESPACES or etree.QName(root).localname != "definitions":
        raise DmnError(f"{name}: not a DMN document (expected definitions in a DMN 1.1-1.5 namespace)",
                       {"table": name})

    def q(local: str) -> str:
        return f"{{{ns}}}{local}"

    model = Model(name)
    model.inputs = {el.get("id") or "": el.get("name") or "" for el in root.iterfind(q("inputData"))}
    decisions = root.findall(q("decision"))
    bkms = root.findall(q("businessKnowledgeModel"))
    if len(decisions) + len(bkms) > MAX_DECISIONS:
        raise DmnError(f"{name}: {len(decisions) + len(bkms)} decisions; the limit is {MAX_DECISIONS}",
                       {"table": name})
    known = frozenset([*model.inputs.values(), *(d.get("name") or "" for d in decisions),
                       *(b.get("name") or "" for b in bkms),
                       *(c.get("name") or "" for c in root.iter(q("itemComponent"))),
                       *(o.get("name") or "" for o in root.iter(q("output")))])
    for el in bkms:
        node = _knowledge(el, q, known)
        model.knowledge[node.id] = node
    for el in decisions:
        node = _decision(el, q, known)
        model.decisions[node.id] = node
    for node in [*model.decisions.values(), *model.knowledge.values()]:
        missing = [r for r in node.requires if r not in model.decisions] + \
                  [k for k in node.knows if k not in model.knowledge]
        if missing:
            raise DmnError(f"decision {node.name}: it requires {missing[0]!r}, which is not in the document",
                           {"table": node.name, "line": node.line})
    _refuse_cycles(model)
    return model


def _refuse_cycles(model: Model) -> None:
    """A decision or business knowledge model that requires itself, directly or not, is refused."""
    nodes = {**model.decisions, **model.knowledge}
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node_id: str) -> None:
        state[node_id] = 1
        node = nodes[node_id]
        for nxt in (*node.requires, *node.knows):
            if state.get(nxt) == 1:
                raise DmnError(f"decision {node.name}: it requires itself (through {nodes[nxt].name})",
                               {"table": node.name, "line": node.line})
            if nxt not in state:
                visit(nxt)
        state[node_id] = 2

    for node_id in nodes:
        if node_id not in state:
            visit(node_id)


def _refs(el: etree._Element, q: Any, requirement: str, target: str) -> tuple[str, ...]:
    found = []
    for req in el.iterfind(f"{q(requirement)}/{q(target)}"):
        href = (req.get("href") or "").strip()
        if href:
            found.append(href.split("#", 1)[-1])
    return tuple(found)


def _literal(el: etree._Element | None, q: Any, owner: str, known: frozenset[str],
             params: tuple[str, ...] = ()) -> tuple[Any, str]:
    text_el = el.find(q("text")) if el is not None else None
    text = (text_el.text or "").strip() if text_el is not None else ""
    if not text:
        raise DmnError(f"decision {owner}: the literal expression is empty", {"table": owner})
    try:
        return feel_parse.parse(text, known | frozenset(params)), text
    except feel.FeelError as exc:
        raise DmnError(f"decision {owner}: FEEL {text[:80]!r}: {exc.message}",
                       {"table": owner, "cell": text, "line": el.sourceline if el is not None else None}) from None


def _decision(el: etree._Element, q: Any, known: frozenset[str]) -> Node:
    node_id = el.get("id") or el.get("name") or ""
    name = el.get("name") or node_id
    requires = _refs(el, q, "informationRequirement", "requiredDecision")
    knows = _refs(el, q, "knowledgeRequirement", "requiredKnowledge")
    table_el = el.find(q("decisionTable"))
    if table_el is not None:
        table = dmn.table_of(el, table_el, name, known)
        return Node(node_id, name, "table", table=table, requires=requires, knows=knows, line=el.sourceline)
    literal = el.find(q("literalExpression"))
    if literal is None:
        kinds = sorted({etree.QName(c).localname for c in el if isinstance(c.tag, str)} -
                       {"variable", "informationRequirement", "knowledgeRequirement", "authorityRequirement",
                        "description", "extensionElements", "question", "allowedAnswers"})
        raise DmnError(f"decision {name}: {', '.join(kinds) or 'an empty decision'} is not supported; use a "
                       "decision table or a literal expression", {"table": name, "line": el.sourceline})
    tree, text = _literal(literal, q, name, known)
    return Node(node_id, name, "literal", tree=tree, text=text, requires=requires, knows=knows,
                line=el.sourceline)


def _knowledge(el: etree._Element, q: Any, known: frozenset[str]) -> Node:
    node_id = el.get("id") or el.get("name") or ""
    name = el.get("name") or node_id
    logic = el.find(q("encapsulatedLogic"))
    if logic is None:
        raise DmnError(f"business knowledge model {name}: it has no encapsulated logic", {"table": name})
    params = tuple(p.get("name") or "" for p in logic.iterfind(q("formalParameter")))
    literal = logic.find(q("literalExpression"))
    if literal is None:
        raise DmnError(f"business knowledge model {name}: only a literal expression body is supported",
                       {"table": name, "line": el.sourceline})
    tree, text = _literal(literal, q, name, known, params)
    return Node(node_id, name, "function", tree=tree, text=text, params=params,
                knows=_refs(el, q, "knowledgeRequirement", "requiredKnowledge"), line=el.sourceline)
