"""The copy of a diagram SpiffWorkflow compiles, rewritten so that it runs as Camunda 7 runs it.

The stored XML is never changed; only the tree handed to the parser is. Each rewrite keeps
the meaning Camunda gives the construct, where SpiffWorkflow would otherwise drop it, run it
differently or crash:

- an ``errorRef`` naming no element is the error code itself (as Camunda reads it);
- a ``messageRef`` written as a QName of the target namespace (``tns:invoice``) names its message;
- a process whose start events all wait for a timer (or a condition) starts at once when a cycle
  is started (Camunda's timer start only schedules starts, and a process started by key starts at
  its conditional start event; a cycle is started by a person or the API);
- a sequence flow (or any flow node) without an ``id`` gets a stable generated one (SpiffWorkflow indexes
  elements by id and silently drops the flow: the cycle would end at its source);
- a link throw event is joined by a flow to the link catch event of the same name in its
  scope, and both become pass-through events (SpiffWorkflow ends the path at the throw);
- an element whose id SpiffWorkflow reserves for itself (``Start``, ``End``...) gets an
  internal id; the task spec keeps the diagram's id as its ``bpmn_id`` (``restore_ids``), so
  history, open tasks and the cycle diagram name the element as drawn;
- several outgoing flows of an activity or an intermediate event split the token as Camunda
  does: a generated parallel gateway when no flow has a condition, else a generated
  inclusive gateway (every flow whose condition holds, unconditional flows always, the
  activity's default flow when none holds);
- a flow out of an exclusive or inclusive gateway without a condition (and not its default)
  holds, as in Camunda (SpiffWorkflow refuses it);
- a process or an embedded subprocess whose paths end at elements with no outgoing flow
  (Camunda's implicit end) gets a generated end event those elements lead to.

Generated elements have ids starting with ``GENERATED`` and are not recorded in history.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
GENERATED = "reglament__"
#: task spec names SpiffWorkflow uses itself; a diagram element with such an id would replace them
RESERVED_IDS = ("Start", "End")
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")

_SCOPES = ("process", "subProcess", "transaction")
_GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
             "complexGateway")
_FLOW_NODES = ("task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
               "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
               "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
               "boundaryEvent", *_GATEWAYS)
_REFERENCE_ATTRIBUTES = ("sourceRef", "targetRef", "attachedToRef", "default", "bpmnElement")
_REFERENCE_ELEMENTS = ("flowNodeRef", "incoming", "outgoing")


def _q(local: str) -> str:
    return f"{{{BPMN_NS}}}{local}"


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _is_bpmn(el: etree._Element) -> bool:
    return isinstance(el.tag, str) and etree.QName(el).namespace == BPMN_NS


def is_generated(element_id: str | None) -> bool:
    return bool(element_id) and str(element_id).startswith(GENERATED)


def is_event_subprocess(el: etree._Element) -> bool:
    return (el.get("triggeredByEvent") or "").lower() == "true"


def for_engine(tree: etree._ElementTree) -> tuple[etree._ElementTree, dict[str, str]]:
    """A rewritten copy of ``tree`` for SpiffWorkflow, and the internal id -> diagram id renames."""
    root = copy.deepcopy(tree.getroot())
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    _name_flows(root, ids)
    _resolve_message_refs(root)
    _declare_errors(root, ids)
    renames = _rename_reserved(root, ids)
    for process in root.iterfind(_q("process")):
        _start_by_hand(process)
    for scope in _scopes(root):
        _join_links(scope)
        _split_outgoing(scope, ids)
        _unconditional_choices(scope)
        _end_paths(scope, ids)
    return etree.ElementTree(root), renames


def _unique(base: str, ids: set[str | None]) -> str:
    candidate, n = base, 1
    while candidate in ids:
        n += 1
        candidate = f"{base}_{n}"
    ids.add(candidate)
    return candidate


def _scopes(root: etree._Element) -> Iterator[etree._Element]:
    yield from list(root.iter(*(_q(s) for s in _SCOPES)))


def _children(scope: etree._Element, *locals_: str) -> list[etree._Element]:
    return [el for el in scope if _is_bpmn(el) and (not locals_ or _local(el) in locals_)]


def _start_by_hand(process: etree._Element) -> None:
    """A cycle is started by a person (or the API): a process whose start events are all timer
    start events starts at once, as Camunda starts it by hand (the timer only schedules starts)."""
    starts = _children(process, "startEvent")
    if not starts or any(len([c for c in s if _is_bpmn(c) and _local(c).endswith("EventDefinition")]) == 0
                         for s in starts):
        return
    for start in starts:
        # a conditional start event too: Camunda starts a process at it when started by key
        for definition in [*start.findall(_q("timerEventDefinition")), *start.findall(_q("conditionalEventDefinition"))]:
            start.remove(definition)


def _name_flows(root: etree._Element, ids: set[str | None]) -> None:
    for flow in root.iter(_q("sequenceFlow")):
        if not flow.get("id"):
            flow.set("id", _unique(f"{GENERATED}flow_{flow.get('sourceRef')}_{flow.get('targetRef')}", ids))
    for node in root.iter(*(_q(local) for local in _FLOW_NODES)):  # Camunda names them too
        if not node.get("id"):
            node.set("id", _unique(f"{GENERATED}{_local(node)}", ids))


def _resolve_message_refs(root: etree._Element) -> None:
    """A ``messageRef`` written as a QName (``tns:invoice``) whose prefix is the document's target
    namespace names the message ``invoice``, as Camunda's BpmnParse.resolveName reads it."""
    target = root.get("targetNamespace")
    for definition in root.iter(_q("messageEventDefinition"), _q("receiveTask"), _q("sendTask")):
        prefix, colon, local = (definition.get("messageRef") or "").partition(":")
        if colon and local and target is not None and definition.nsmap.get(prefix) == target:
            definition.set("messageRef", local)


def _declare_errors(root: etree._Element, ids: set[str | None]) -> None:
    """Camunda reads an ``errorRef`` that names no element as the error code itself."""
    for definition in list(root.iter(_q("errorEventDefinition"))):
        ref = definition.get("errorRef")
        if ref and ref not in ids:
            error = etree.Element(_q("error"))
            error.set("id", ref)
            error.set("name", ref)
            error.set("errorCode", ref)
            root.insert(0, error)
            ids.add(ref)


def _rename_reserved(root: etree._Element, ids: set[str | None]) -> dict[str, str]:
    renames: dict[str, str] = {}
    for el in root.iter():
        el_id = el.get("id") if _is_bpmn(el) else None
        if el_id and (el_id in RESERVED_IDS or el_id.endswith(RESERVED_SUFFIXES)):
            new = _unique(f"{GENERATED}id_{el_id.replace('.', '_')}", ids)
            renames[new] = el_id
            el.set("id", new)
    if not renames:
        return renames
    back = {old: new for new, old in renames.items()}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in _REFERENCE_ATTRIBUTES:
            if el.get(attr) in back:
                el.set(attr, back[el.get(attr) or ""])
        if _local(el) in _REFERENCE_ELEMENTS and (el.text or "").strip() in back:
            el.text = back[(el.text or "").strip()]
    return renames


def restore_ids(specs: list[Any], renames: dict[str, str]) -> None:
    """Give the task specs of renamed elements their diagram id back as ``bpmn_id``."""
    if not renames:
        return
    for process in specs:
        for spec in process.task_specs.values():
            if getattr(spec, "bpmn_id", None) in renames:
                spec.bpmn_id = renames[spec.bpmn_id]


def link_name(event: etree._Element) -> str | None:
    link = event.find(_q("linkEventDefinition"))
    if link is None:
        return None
    return (link.get("name") or event.get("name") or "").strip()


def _join_links(scope: etree._Element) -> None:
    catches: dict[str, etree._Element] = {}
    for event in _children(scope, "intermediateCatchEvent"):
        name = link_name(event)
        if name is not None:
            catches.setdefault(name, event)
    for event in _children(scope, "intermediateThrowEvent"):
        name = link_name(event)
        target = catches.get(name) if name is not None else None
        if target is None:
            continue  # refused at deploy (conformance.link_problems)
        _drop_definition(event)
        flow = etree.SubElement(scope, _q("sequenceFlow"))
        flow.set("id", f"{GENERATED}link_{event.get('id')}")
        flow.set("sourceRef", event.get("id") or "")
        flow.set("targetRef", target.get("id") or "")
    for event in catches.values():
        _drop_definition(event)
        event.tag = _q("intermediateThrowEvent")  # a none event: the token passes through


def _drop_definition(event: etree._Element) -> None:
    for definition in event.findall(_q("linkEventDefinition")):
        event.remove(definition)


def _outgoing(scope: etree._Element) -> dict[str, list[etree._Element]]:
    out: dict[str, list[etree._Element]] = {}
    for flow in _children(scope, "sequenceFlow"):
        out.setdefault(flow.get("sourceRef") or "", []).append(flow)
    return out


def _split_outgoing(scope: etree._Element, ids: set[str | None]) -> None:
    outgoing = _outgoing(scope)
    for node in _children(scope, *_FLOW_NODES):
        local = _local(node)
        flows = outgoing.get(node.get("id") or "", [])
        if len(flows) < 2 or local in _GATEWAYS or local == "startEvent":
            continue
        conditional = any(f.find(_q("conditionExpression")) is not None for f in flows)
        gateway = etree.SubElement(scope, _q("inclusiveGateway" if conditional else "parallelGateway"))
        gateway_id = _unique(f"{GENERATED}split_{node.get('id')}", ids)
        gateway.set("id", gateway_id)
        if conditional:
            default = node.attrib.pop("default", None)
            for flow in flows:
                if flow.get("id") != default and flow.find(_q("conditionExpression")) is None:
                    etree.SubElement(flow, _q("conditionExpression")).text = "True"
            if default:
                gateway.set("default", default)
        for flow in flows:
            flow.set("sourceRef", gateway_id)
        link = etree.SubElement(scope, _q("sequenceFlow"))
        link.set("id", _unique(f"{GENERATED}flow_{node.get('id')}_split", ids))
        link.set("sourceRef", node.get("id") or "")
        link.set("targetRef", gateway_id)


def _unconditional_choices(scope: etree._Element) -> None:
    """Camunda's exclusive and inclusive gateways take a flow without a condition (not the default)
    as a condition that holds: the exclusive one takes the first such flow or true condition in the
    order drawn, the inclusive one every such flow."""
    outgoing = _outgoing(scope)
    for gateway in _children(scope, "exclusiveGateway", "inclusiveGateway"):
        flows = outgoing.get(gateway.get("id") or "", [])
        if len(flows) < 2:
            continue
        for flow in flows:
            if flow.get("id") != gateway.get("default") and flow.find(_q("conditionExpression")) is None:
                etree.SubElement(flow, _q("conditionExpression")).text = "True"


def _end_paths(scope: etree._Element, ids: set[str | None]) -> None:
    """Camunda ends a path at an element with no outgoing flow; SpiffWorkflow needs an end event."""
    if _local(scope) == "process" and not _children(scope, "startEvent"):
        return
    outgoing = _outgoing(scope)
    sinks = [node for node in _children(scope, *_FLOW_NODES)
             if _local(node) != "endEvent" and not outgoing.get(node.get("id") or "")
             and not (_local(node) == "subProcess" and is_event_subprocess(node))]
    if not sinks:
        return
    end = etree.SubElement(scope, _q("endEvent"))
    end_id = _unique(f"{GENERATED}end_{scope.get('id')}", ids)
    end.set("id", end_id)
    for node in sinks:
        flow = etree.SubElement(scope, _q("sequenceFlow"))
        flow.set("id", _unique(f"{GENERATED}flow_{node.get('id')}_end", ids))
        flow.set("sourceRef", node.get("id") or "")
        flow.set("targetRef", end_id)
