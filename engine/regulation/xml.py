"""Hardened XML reading and Reglament's own checks of a BPMN document.

Diagrams are untrusted. They are parsed with no DTD, no entities and no
network, under a size limit, and inspected before SpiffWorkflow sees them:
anything that would run code (script and service tasks, listeners, Java
delegates, pre/post scripts) is refused, every expression is pre-checked by the
safe evaluator, and user tasks must say who does them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from engine.regulation import conformance, expression_checks, expressions, limits, structure
from engine.regulation.external_spec import external_problem
from engine.regulation.problem_texts import reason
from engine.shared.errors import ExpressionError, Problem, RegulationInvalid
from engine.shared.notices import Notice

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
)
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}
OUTCOMES = ("won", "lost")
FIELD_TYPES = ("string", "long", "boolean", "date", "enum", "money", "file")  # money, file: engine/regulation/forms.py
CONSTRAINTS = ("required", "min", "max", "minlength", "maxlength", "readonly", "required_if")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,199}$")

#: elements that would run code, and the problem's code (engine/regulation/problem_texts.py)
_CODE_ELEMENTS = {"scriptTask": "script_task_refused", "serviceTask": "service_task_refused"}
_CODE_ATTRIBUTES = ("class", "expression", "delegateExpression")
_CODE_EXTENSIONS = {
    "executionListener": "execution_listener_refused",
    "taskListener": "task_listener_refused",
    "script": "embedded_script_refused",
    "connector": "connector_refused",
}


def _tag(el: etree._Element) -> tuple[str, str]:
    qname = etree.QName(el)
    return qname.namespace or "", qname.localname


def parse_document(data: bytes | str, filename: str = "diagram") -> etree._ElementTree:
    """Parse XML safely; raise RegulationInvalid naming what is wrong."""
    if isinstance(data, str):
        # A str has lost its bytes; drop a declaration that would name another encoding.
        data = re.sub(r"^\s*<\?xml[^>]*\?>", "", data, count=1).encode("utf-8")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise RegulationInvalid([Problem.coded(None, "document_too_large", {
            "filename": filename, "size": len(data), "limit": MAX_DOCUMENT_BYTES})])
    if not data.strip():
        raise RegulationInvalid([Problem.coded(None, "document_empty", {"filename": filename})])
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise RegulationInvalid([Problem.coded(None, "document_dtd_refused", {"filename": filename})])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_pis=True)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise RegulationInvalid([Problem.coded(None, "document_not_well_formed",
                                               {"filename": filename, "reason": exc.msg},
                                               line=exc.lineno)]) from None
    except ValueError as exc:
        raise RegulationInvalid([Problem.coded(None, "document_unreadable",
                                               {"filename": filename, "reason": str(exc)})]) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # whatever the encoding
        raise RegulationInvalid([Problem.coded(None, "document_dtd_refused", {"filename": filename})])
    return tree


ACTIVITI_NS = "http://activiti.org/bpmn"


def camunda_dialect(tree: etree._ElementTree) -> etree._ElementTree:
    """The document as Camunda 7 reads it: Activiti's extension namespace is Camunda's.

    The stored XML keeps the original namespace; only the copy that is inspected and
    compiled is rewritten.
    """
    if not any(ACTIVITI_NS in (el.nsmap or {}).values() for el in tree.getroot().iter() if isinstance(el.tag, str)):
        return tree
    text = etree.tostring(tree, encoding="unicode").replace(ACTIVITI_NS, CAMUNDA_NS)
    return parse_document(text)


def is_bpmn(tree: etree._ElementTree) -> bool:
    return _tag(tree.getroot()) == (BPMN_NS, "definitions")


def is_dmn(tree: etree._ElementTree) -> bool:
    return etree.QName(tree.getroot()).namespace in DMN_NAMESPACES


@dataclass
class DocumentFacts:
    """What Reglament needs to know of a BPMN document besides SpiffWorkflow's spec."""

    executable: list[str] = field(default_factory=list)
    process_names: dict[str, str] = field(default_factory=dict)
    stages: dict[str, list[str]] = field(default_factory=dict)
    called: set[str] = field(default_factory=set)
    calls: structure.CallGraph = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    lane_members: set[str] | None = None


def _problem(el: etree._Element, code: str, /, **params: object) -> Problem:
    return Problem.coded(el.get("id"), code, params, line=el.sourceline, element_name=el.get("name"))


def _noticed(el: etree._Element, notice: Notice) -> Problem:
    return _problem(el, notice.code, **notice.params)


def inspect(tree: etree._ElementTree, filename: str = "diagram") -> DocumentFacts:
    root = tree.getroot()
    facts = DocumentFacts()
    if _tag(root) != (BPMN_NS, "definitions"):
        facts.problems.append(Problem.coded(None, "document_not_bpmn", {
            "filename": filename, "root": repr(etree.QName(root).localname)}, line=root.sourceline))
        return facts
    for process in root.iterfind("bpmn:process", NS):
        pid = process.get("id") or ""
        if process.get("isExecutable", "false").lower() == "true" and not _PROCESS_ID.match(pid):
            facts.problems.append(_problem(process, "process_id_invalid"))
        facts.process_names[pid] = (process.get("name") or pid)[:300]
        if process.get("isExecutable", "false").lower() == "true":
            facts.executable.append(pid)
        stages = process.findall("bpmn:extensionElements/camunda:properties/camunda:property[@name='stages']", NS)
        if stages:
            facts.stages[pid] = [s.strip() for s in (stages[0].get("value") or "").split(",") if s.strip()]
    outgoing: dict[str, int] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        _check_element(el, facts)
        if _tag(el) == (BPMN_NS, "sequenceFlow") and el.get("sourceRef"):
            outgoing[el.get("sourceRef") or ""] = outgoing.get(el.get("sourceRef") or "", 0) + 1
    _check_fan_out(root, outgoing, facts)
    facts.problems.extend(conformance.problems(root))  # Camunda semantics (engine/regulation/conformance.py)
    return facts


def _check_fan_out(root: etree._Element, outgoing: dict[str, int], facts: DocumentFacts) -> None:
    """An element that splits the token into more branches than MAX_GATEWAY_FAN_OUT is refused."""
    crowded = {source for source, count in outgoing.items() if count > limits.MAX_GATEWAY_FAN_OUT}
    if not crowded:
        return
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") in crowded and _tag(el)[0] == BPMN_NS:
            problem = structure.fan_out_problem(_tag(el)[1], outgoing[el.get("id") or ""])
            if problem:
                facts.problems.append(_noticed(el, problem))


def calls_of(tree: etree._ElementTree) -> structure.CallGraph:
    """Process id -> the call activities in it (subprocesses included), of any BPMN document."""
    graph: structure.CallGraph = {}
    for process in tree.getroot().iterfind("bpmn:process", NS):
        pid = process.get("id") or ""
        graph[pid] = [structure.Call(pid, el.get("id") or "", el.get("calledElement") or "", el.sourceline,
                                     el.get("name"))
                      for el in process.iter(f"{{{BPMN_NS}}}callActivity") if el.get("calledElement")]
    return graph


def _check_element(el: etree._Element, facts: DocumentFacts) -> None:
    ns, local = _tag(el)
    el_id = el.get("id") or ""
    if ns == BPMN_NS:
        external = el.get(f"{{{CAMUNDA_NS}}}type") == "external"
        if local in _CODE_ELEMENTS and not (external and local == "serviceTask"):
            facts.problems.append(_problem(el, _CODE_ELEMENTS[local]))
        for attr in _CODE_ATTRIBUTES:
            if el.get(f"{{{CAMUNDA_NS}}}{attr}") is not None and local not in _CODE_ELEMENTS:
                facts.problems.append(_problem(el, "code_attribute_refused", attribute=attr))
        if external:  # an outside worker does the work (engine/regulation/external_tasks.py)
            problem = external_problem(local, el.get(f"{{{CAMUNDA_NS}}}topic"))
            if problem:
                facts.problems.append(_noticed(el, problem))
        if local == "userTask":
            _check_user_task(el, facts)
        elif local == "sequenceFlow":
            for cond in el.iterfind("bpmn:conditionExpression", NS):
                if (cond.get("language") or "").lower() not in ("", "python", "juel", "${}"):
                    facts.problems.append(_problem(el, "condition_language_unsupported",
                                                   language=repr(cond.get("language"))))
                    continue
                _check_expression(el, cond.text or "", "condition", facts)
        elif local == "timerEventDefinition":
            event = el.getparent()
            for kind in ("timeDuration", "timeDate", "timeCycle"):
                for value in el.iterfind(f"bpmn:{kind}", NS):  # engine/regulation/expression_checks.py
                    problem = expression_checks.timer_problem(kind, value.text or "")
                    if problem:
                        facts.problems.append(_noticed(event, problem))
        elif local == "endEvent":
            outcome = _property(el, "outcome")
            if outcome is not None and outcome not in OUTCOMES:
                facts.problems.append(_problem(el, "outcome_unknown", outcome=repr(outcome)))
        elif local == "callActivity":
            called = el.get("calledElement")
            if not called and el.get(f"{{{CAMUNDA_NS}}}caseRef"):
                facts.problems.append(_problem(el, "call_activity_case_ref"))
            elif not called:
                facts.problems.append(_problem(el, "call_activity_no_called_element"))
            else:
                facts.called.add(called)
                process = _process_of(el)
                facts.calls.setdefault(process, []).append(
                    structure.Call(process, el_id, called, el.sourceline, el.get("name")))
        elif local in ("completionCondition", "loopCardinality", "loopCondition"):
            owner = _owner(el.getparent() if el.getparent() is not None else el)
            _check_expression(owner, el.text or "", local, facts)
            too_many = structure.cardinality_problem(el.text or "") if local == "loopCardinality" else None
            if too_many:
                facts.problems.append(_noticed(owner, too_many))
        elif local == "conditionalEventDefinition":  # every expression is checked at deploy
            event = el.getparent() if el.getparent() is not None else el
            conditions = [c.text or "" for c in el.iterfind("bpmn:condition", NS) if (c.text or "").strip()]
            if not conditions:
                facts.problems.append(_problem(event, "conditional_event_no_condition"))
            for text in conditions:
                _check_expression(event, text, "condition", facts)
        elif local == "multiInstanceLoopCharacteristics" \
                and expression_checks.is_expression(el.get(f"{{{CAMUNDA_NS}}}collection") or ""):
            _check_expression(_owner(el.getparent() if el.getparent() is not None else el),
                              el.get(f"{{{CAMUNDA_NS}}}collection") or "", "camunda:collection", facts)
    elif ns == CAMUNDA_NS and local in ("in", "out") and el.get("sourceExpression") is not None:
        _check_expression(_owner(el), el.get("sourceExpression") or "", f"camunda:{local} sourceExpression", facts)
    elif ns == CAMUNDA_NS and local in _CODE_EXTENSIONS:
        owner = _owner(el)
        facts.problems.append(_problem(owner, _CODE_EXTENSIONS[local]))
    elif ns == SPIFF_NS and local in ("preScript", "postScript", "serviceTaskOperator"):
        owner = _owner(el)
        facts.problems.append(_problem(owner, "spiff_script_refused", extension=local))


def _process_of(el: etree._Element) -> str:
    node = el.getparent()
    while node is not None and _tag(node) != (BPMN_NS, "process"):
        node = node.getparent()
    return (node.get("id") or "") if node is not None else ""


def _owner(el: etree._Element) -> etree._Element:
    node = el
    while node is not None and (node.get("id") is None or _tag(node)[0] != BPMN_NS):
        node = node.getparent()
    return node if node is not None else el


def _property(el: etree._Element, name: str) -> str | None:
    for prop in el.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS):
        if prop.get("name") == name:
            value = prop.get("value")
            return None if value is None else str(value)
    return None


def _check_expression(el: etree._Element, text: str, what: str, facts: DocumentFacts,
                      timer: bool = False) -> None:
    if not text.strip():
        facts.problems.append(_problem(el, "condition_empty") if what == "condition"
                              else _problem(el, "expression_empty", what=what))
        return
    try:
        expressions.check(text, timer=timer)
    except ExpressionError as exc:
        facts.problems.append(_problem(el, "condition_invalid", reason=reason(exc)) if what == "condition"
                              else _problem(el, "expression_invalid", what=what, reason=reason(exc)))


def _in_executable_process(el: etree._Element) -> bool:
    node = el.getparent()
    while node is not None and _tag(node) != (BPMN_NS, "process"):
        node = node.getparent()
    return node is not None and (node.get("isExecutable") or "").lower() == "true"


def _in_lane(el: etree._Element, facts: DocumentFacts) -> bool:
    if facts.lane_members is None:  # collected once per document
        root = el.getroottree().getroot()
        facts.lane_members = {(ref.text or "").strip() for ref in root.iter(f"{{{BPMN_NS}}}flowNodeRef")}
    return el.get("id") in facts.lane_members


def _check_user_task(el: etree._Element, facts: DocumentFacts) -> None:
    """A user task with no assignee, candidates or lane runs (as in Camunda): it goes to the cycle's
    owner, or to the heads' queue when the cycle has none (engine.regulation.projection)."""
    attributes = {name: el.get(f"{{{CAMUNDA_NS}}}{name}") for name in expression_checks.USER_TASK_ATTRIBUTES}
    for notice in expression_checks.user_task_problems(attributes, _property(el, "due")):
        facts.problems.append(_noticed(el, notice))
    _check_form(el, facts)


def _form_ids(el: etree._Element) -> set[str]:
    return {f.get("id") or "" for f in el.iterfind("bpmn:extensionElements/camunda:formData/camunda:formField", NS)}


def _check_form(el: etree._Element, facts: DocumentFacts) -> None:
    seen: set[str] = set()
    for fld in el.iterfind("bpmn:extensionElements/camunda:formData/camunda:formField", NS):
        fid = fld.get("id") or ""
        label = repr(fid)
        if not _IDENTIFIER.match(fid):
            facts.problems.append(_problem(el, "form_field_id_invalid", field=label))
        if fid in seen:
            facts.problems.append(_problem(el, "form_field_twice", field=label))
        seen.add(fid)
        ftype = fld.get("type") or "string"
        if ftype not in FIELD_TYPES:
            facts.problems.append(_problem(el, "form_field_type_unsupported", field=label, type=repr(ftype),
                                           types=", ".join(FIELD_TYPES)))
        if ftype == "enum" and not fld.findall("camunda:value", NS):
            facts.problems.append(_problem(el, "form_field_enum_no_values", field=label))
        for con in fld.iterfind("camunda:validation/camunda:constraint", NS):
            name = con.get("name") or ""
            config = con.get("config")
            if name == "validator":
                facts.problems.append(_problem(el, "form_constraint_validator_refused", field=label))
            elif name not in CONSTRAINTS:
                facts.problems.append(_problem(el, "form_constraint_unsupported", field=label,
                                               constraint=repr(name), constraints=", ".join(CONSTRAINTS)))
            elif name in ("min", "max", "minlength", "maxlength"):
                try:
                    float(config or "")
                except ValueError:
                    facts.problems.append(_problem(el, "form_constraint_not_number", field=label,
                                                   constraint=name, config=repr(config)))
            elif name == "required_if" and (config or "").partition("=")[0].strip() not in _form_ids(el):
                facts.problems.append(_problem(el, "form_constraint_required_if", field=label,
                                               config=repr(config)))
