"""Deploy-time refusals of constructs that would not run as Camunda 7 runs them.

Each problem names the element (id, name, line) and why. What ``normalize`` rewrites so that it
runs (flows without ids, link events, reserved ids, implicit splits and ends) is checked here
for what the rewrite cannot fix: a link throw with no catch of its name in its scope, an
``errorRef`` or ``escalationRef`` that names nothing, compensation, work for a person in a lane
without a name.
"""
from __future__ import annotations

from lxml import etree

from engine.regulation import io_mappings, normalize, signal_spec
from engine.shared.errors import Problem

BPMN_NS = normalize.BPMN_NS
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_REFERENCED = {"errorEventDefinition": ("errorRef", "error"),
               "escalationEventDefinition": ("escalationRef", "escalation")}
_COMPENSATION = ("compensation is not supported: Reglament does not undo completed work; "
                 "model the correction as ordinary tasks (for example a task on an error path)")


def _q(local: str) -> str:
    return f"{{{BPMN_NS}}}{local}"


def _owner(el: etree._Element) -> etree._Element:
    node = el
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node if node is not None else el


def _problem(el: etree._Element, message: str) -> Problem:
    return Problem(el.get("id"), message, line=el.sourceline, element_name=el.get("name"))


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
        found.append(_problem(_owner(definition.getparent()), _COMPENSATION))
    for el in root.iter():
        if isinstance(el.tag, str) and (el.get("isForCompensation") or "").lower() == "true":
            found.append(_problem(el, _COMPENSATION))
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
            found.append(_problem(event, "an error end event needs an errorRef (the error it throws); "
                                         "Camunda refuses it too"))
        elif kinds.get(ref) == "error" and not (elements[ref].get("errorCode") or "").strip():
            found.append(_problem(event, f"the error {ref!r} it throws has no errorCode; set one "
                                         "(Camunda 7 refuses it too)"))
    for local, (attribute, target) in _REFERENCED.items():
        for definition in root.iter(_q(local)):
            ref = definition.get(attribute)
            if local == "errorEventDefinition" and ref not in kinds:
                continue  # the error code itself
            if ref is not None and kinds.get(ref) != target:
                event = _owner(definition.getparent())
                what = f"a bpmn:{kinds[ref]}" if ref in kinds else "nothing in this file"
                found.append(_problem(event, f"{attribute} {ref!r} names {what}, not a bpmn:{target}; "
                                             f"declare <bpmn:{target} id=\"{ref}\"> or pick an existing one "
                                             "(Camunda 7 refuses it too)"))
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
                found.append(_problem(event, f"two link catch events are named {name!r} in one scope "
                                             f"('{catches[name].get('id')}' too); a link name must be unique"))
            catches.setdefault(name, event)
        for event in scope.iterfind(_q("intermediateThrowEvent")):
            name = normalize.link_name(event)
            if name is not None and name not in catches:
                found.append(_problem(event, f"link event {name!r} has no link catch event of that name in "
                                             "the same process or subprocess: the path would end here"))
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
        found.append(_problem(task, f"user task is in lane '{lane.get('id')}', which has no name: a lane's "
                                    "name is the group that sees its tasks, so nobody would see it; name "
                                    "the lane or set camunda:assignee or camunda:candidateGroups"))
    return found


#: event definitions Camunda refuses on the start event of an embedded (not event) subprocess
_SUBPROCESS_START_REFUSED = ("conditionalEventDefinition", "timerEventDefinition", "escalationEventDefinition",
                             "errorEventDefinition", "messageEventDefinition", "signalEventDefinition")
_CAMUNDA_REFUSES = "Camunda 7 refuses it too"


def _start_events(root: etree._Element) -> list[Problem]:
    """As Camunda's BpmnParse.parseStartEvents: an executable process and a subprocess must have a
    start event, a subprocess at most one, and an embedded subprocess's may not wait for an event."""
    found = []
    scopes = [p for p in root.iterfind(_q("process")) if (p.get("isExecutable") or "").lower() == "true"]
    for scope in [*scopes, *(s for p in scopes for s in p.iter(_q("subProcess")))]:
        local = etree.QName(scope).localname
        starts = scope.findall(_q("startEvent"))
        if not starts:
            found.append(_problem(scope, f"{local} must define a startEvent element ({_CAMUNDA_REFUSES})"))
        elif local == "subProcess" and len(starts) > 1:
            found.append(_problem(scope, f"multiple start events are not supported for a subprocess "
                                         f"({_CAMUNDA_REFUSES})"))
        if local != "subProcess" or normalize.is_event_subprocess(scope):
            continue
        for start in starts:
            for definition in start:
                kind = etree.QName(definition).localname if isinstance(definition.tag, str) else ""
                if kind in _SUBPROCESS_START_REFUSED:
                    found.append(_problem(start, f"{kind} is not allowed on the start event of an embedded "
                                                 f"subprocess ({_CAMUNDA_REFUSES})"))
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
        found.append(_problem(event, f"the message {ref!r} it waits for has no name: a message event needs a "
                                     f"named message to be correlated ({_CAMUNDA_REFUSES})"))
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
            found.append(_problem(sub, "an error or escalation event subprocess inside an embedded subprocess is "
                                       "not supported (it would not be triggered); put it at the process level "
                                       "or catch the error with a boundary event on the subprocess"))
    return found
