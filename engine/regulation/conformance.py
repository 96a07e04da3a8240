"""Deploy-time refusals of constructs that would not run as Camunda 7 runs them.

Each problem names the element (id, name, line) and why. What ``normalize`` rewrites so that it
runs (flows without ids, link events, reserved ids, implicit splits and ends) is checked here
for what the rewrite cannot fix: a link throw with no catch of its name in its scope, an
``errorRef`` or ``escalationRef`` that names nothing, compensation, work for a person in a lane
without a name.
"""
from __future__ import annotations

from lxml import etree

from engine.regulation import (
    io_mappings,
    normalize,
    problem_texts,  # noqa: F401  (the codes of the problems below)
    signal_spec,
)
from engine.shared.errors import Problem

BPMN_NS = normalize.BPMN_NS
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_REFERENCED = {"errorEventDefinition": ("errorRef", "error"),
               "escalationEventDefinition": ("escalationRef", "escalation")}


def _q(local: str) -> str:
    return f"{{{BPMN_NS}}}{local}"


def _owner(el: etree._Element) -> etree._Element:
    node = el
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node if node is not None else el


def _problem(el: etree._Element, code: str, /, **params: object) -> Problem:
    """A problem with ``el``; its code's English is in engine/regulation/problem_texts.py."""
    return Problem.coded(el.get("id"), code, params, line=el.sourceline, element_name=el.get("name"))


def problems(root: etree._Element) -> list[Problem]:
    found: list[Problem] = []
    found.extend(_compensation(root))
    found.extend(_references(root))
    found.extend(_links(root))
    found.extend(_nameless_lanes(root))
    found.extend(io_mappings.problems(root))
    found.extend(_nested_event_subprocesses(root))
    found.extend(_start_events(root))
    found.extend(_nameless_messages(root))
    found.extend(signal_spec.problems(root))
    return found


def _compensation(root: etree._Element) -> list[Problem]:
    found = []
    for definition in root.iter(_q("compensateEventDefinition")):
        found.append(_problem(_owner(definition.getparent()), "compensation_unsupported"))
    for el in root.iter():
        if isinstance(el.tag, str) and (el.get("isForCompensation") or "").lower() == "true":
            found.append(_problem(el, "compensation_unsupported"))
    return found


def _references(root: etree._Element) -> list[Problem]:
    """As Camunda's parser: an escalation must exist; an errorRef naming no element is the error
    code itself, but one naming another kind of element is a mistake; a throwing error event needs
    an errorRef and its error a code."""
    elements = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    kinds = {key: etree.QName(el).localname for key, el in elements.items()}
    found = []
    for definition in root.iter(_q("errorEventDefinition")):
        event = _owner(definition.getparent())
        if etree.QName(event).localname not in ("endEvent", "intermediateThrowEvent"):
            continue
        ref = definition.get("errorRef")
        if not ref:
            found.append(_problem(event, "error_end_event_no_ref"))
        elif kinds.get(ref) == "error" and not (elements[ref].get("errorCode") or "").strip():
            found.append(_problem(event, "error_no_code", error=repr(ref)))
    for local, (attribute, target) in _REFERENCED.items():
        for definition in root.iter(_q(local)):
            ref = definition.get(attribute)
            if local == "errorEventDefinition" and ref not in kinds:
                continue  # the error code itself
            if ref is not None and kinds.get(ref) != target:
                event = _owner(definition.getparent())
                params = {"attribute": attribute, "ref": repr(ref), "target": target, "id": ref}
                found.append(_problem(event, "reference_wrong_kind", kind=kinds[ref], **params) if ref in kinds
                             else _problem(event, "reference_missing", **params))
    return found


def _links(root: etree._Element) -> list[Problem]:
    found = []
    for scope in root.iter(_q("process"), _q("subProcess"), _q("transaction")):
        catches: dict[str, etree._Element] = {}
        for event in scope.iterfind(_q("intermediateCatchEvent")):
            name = normalize.link_name(event)
            if name is None:
                continue
            if name in catches:
                found.append(_problem(event, "link_catch_twice", name=repr(name),
                                      other=str(catches[name].get("id"))))
            catches.setdefault(name, event)
        for event in scope.iterfind(_q("intermediateThrowEvent")):
            name = normalize.link_name(event)
            if name is not None and name not in catches:
                found.append(_problem(event, "link_no_catch", name=repr(name)))
    return found


def _nameless_lanes(root: etree._Element) -> list[Problem]:
    """A user task whose only responsibility is a lane without a name: nobody would see it.

    As in SpiffWorkflow, a task's lane is the last lane listing it (the innermost of nested lanes)."""
    lane_of: dict[str, etree._Element] = {}
    for ref in root.iter(_q("flowNodeRef")):
        lane_of[(ref.text or "").strip()] = ref.getparent()
    found = []
    for task in root.iter(_q("userTask")):
        lane = lane_of.get(task.get("id") or "")
        if lane is None or (lane.get("name") or "").strip():
            continue
        if any(task.get(f"{{{CAMUNDA_NS}}}{a}") for a in ("assignee", "candidateGroups", "candidateUsers")):
            continue
        found.append(_problem(task, "lane_nameless", lane=str(lane.get("id"))))
    return found


#: event definitions Camunda refuses on the start event of an embedded (not event) subprocess
_SUBPROCESS_START_REFUSED = ("conditionalEventDefinition", "timerEventDefinition", "escalationEventDefinition",
                             "errorEventDefinition", "messageEventDefinition", "signalEventDefinition")


def _start_events(root: etree._Element) -> list[Problem]:
    """As Camunda's BpmnParse.parseStartEvents: an executable process and a subprocess must have a
    start event, a subprocess at most one, and an embedded subprocess's may not wait for an event."""
    found = []
    scopes = [p for p in root.iterfind(_q("process")) if (p.get("isExecutable") or "").lower() == "true"]
    for scope in [*scopes, *(s for p in scopes for s in p.iter(_q("subProcess")))]:
        local = etree.QName(scope).localname
        starts = scope.findall(_q("startEvent"))
        if not starts:
            found.append(_problem(scope, "start_event_missing", scope=local))
        elif local == "subProcess" and len(starts) > 1:
            found.append(_problem(scope, "subprocess_start_events"))
        if local != "subProcess" or normalize.is_event_subprocess(scope):
            continue
        for start in starts:
            for definition in start:
                kind = etree.QName(definition).localname if isinstance(definition.tag, str) else ""
                if kind in _SUBPROCESS_START_REFUSED:
                    found.append(_problem(start, "subprocess_start_event_kind", definition=kind))
    return found


_CATCHING = ("startEvent", "intermediateCatchEvent", "boundaryEvent")


def _nameless_messages(root: etree._Element) -> list[Problem]:
    """A catching message event whose message has no name could never be correlated; Camunda's
    parser refuses it ("a message event subscription with an empty or missing name")."""
    names = {m.get("id"): (m.get("name") or "").strip() for m in root.iter(_q("message"))}
    found = []
    for definition in root.iter(_q("messageEventDefinition")):
        event = definition.getparent()
        ref = (definition.get("messageRef") or "").rpartition(":")[2]
        if event is None or etree.QName(event).localname not in _CATCHING or ref not in names or names[ref]:
            continue
        found.append(_problem(event, "message_nameless", message=repr(ref)))
    return found


def _nested_event_subprocesses(root: etree._Element) -> list[Problem]:
    """SpiffWorkflow triggers error and escalation event subprocesses only at the process level:
    inside an embedded subprocess the error would go to a boundary event or nowhere instead."""
    found = []
    for sub in root.iter(_q("subProcess")):
        parent = sub.getparent()
        if not normalize.is_event_subprocess(sub) or parent is None or etree.QName(parent).localname == "process":
            continue
        kinds = {etree.QName(d).localname for start in sub.iterfind(_q("startEvent")) for d in start
                 if isinstance(d.tag, str) and etree.QName(d).localname in ("errorEventDefinition",
                                                                          "escalationEventDefinition")}
        if kinds:
            found.append(_problem(sub, "nested_event_subprocess"))
    return found
