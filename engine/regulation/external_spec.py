"""External tasks in the workflow: ``camunda:type="external"`` on a service, send or business rule task.

As in Camunda 7, the engine does no work itself: the task starts and waits (SpiffWorkflow's
STARTED state) until an outside worker completes it, reports a BPMN error, or the cycle moves
on without it (an interrupting boundary event). The work item workers see is the projection in
``engine/regulation/external_tasks.py``. The topic and priority live in the spec's
``extensions`` (``camunda:topic``, ``camunda:taskPriority``), which the serializer stores.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import ReceiveTaskParser
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.camunda.parser.event_parsers import CamundaEventDefinitionParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.task import Task

from engine.regulation import problem_texts  # noqa: F401  (the codes external_problem gives)
from engine.shared.notices import Notice

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
#: the elements Camunda 7 runs as external tasks when they carry camunda:type="external"
EXTERNAL_TAGS = frozenset(full_tag(tag) for tag in ("serviceTask", "sendTask", "businessRuleTask"))
TOPIC = "camunda:topic"
PRIORITY = "camunda:taskPriority"


class ExternalTaskSpec(BpmnSpecMixin):  # type: ignore[misc]
    """Starts and waits for an outside worker; never runs anything itself."""

    waits_for_worker = True  # compaction.check: a started external task is something the cycle waits for

    def _run_hook(self, my_task: Task) -> bool | None:
        return None  # STARTED: completed by a worker (external_tasks.complete)


def is_external(task: Task) -> bool:
    return isinstance(task.task_spec, ExternalTaskSpec)


def topic_of(task: Task) -> str:
    return str((task.task_spec.extensions or {}).get(TOPIC) or "")


class ExternalTaskParser(CamundaTaskParser):  # type: ignore[misc]
    """Reads the element's own camunda:properties plus its topic and priority."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions: dict[str, Any] = {}
        for prop in self.xpath("./bpmn:extensionElements/camunda:properties/camunda:property"):
            if prop.get("name"):
                extensions[prop.get("name")] = prop.get("value")
        extensions[TOPIC] = (self.node.get(f"{{{CAMUNDA_NS}}}topic") or "").strip()
        priority = (self.node.get(f"{{{CAMUNDA_NS}}}taskPriority") or "").strip()
        if priority:
            extensions[PRIORITY] = priority
        return extensions


class CamundaReceiveTaskParser(CamundaEventDefinitionParser, ReceiveTaskParser):  # type: ignore[misc]
    """A receive task with Camunda's message definition (the one the serializer and correlation know)."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return {prop.get("name"): prop.get("value")
                for prop in self.xpath("./bpmn:extensionElements/camunda:properties/camunda:property") if prop.get("name")}


ParserPair = tuple[Any, Any]
RECEIVE_TASK = full_tag("receiveTask")
#: message throw events: without an implementation Camunda 7 passes the token through (it never
#: delivers the message to a catch event itself); SpiffWorkflow would evaluate a missing payload
#: expression and deliver inside the cycle, so their message definition is read as a none event
THROWING = frozenset(full_tag(tag) for tag in ("intermediateThrowEvent", "endEvent"))
_pass_through: dict[Any, Any] = {}


def _passes_messages_through(parser: Any) -> Any:
    if parser not in _pass_through:
        _pass_through[parser] = type(f"PassThrough{parser.__name__}", (parser,),
                                     {"parse_message_event": lambda self, node: NoneEventDefinition()})
    return _pass_through[parser]


def dispatch(tag: str, found: ParserPair) -> ParserPair:
    """The parser for ``tag``: external tasks get ExternalTaskParser, receive tasks Camunda's message
    definition, other elements keep theirs."""
    if tag == RECEIVE_TASK:
        return (CamundaReceiveTaskParser, found[1])
    if tag in THROWING and found[0] is not None:
        return (_passes_messages_through(found[0]), found[1])
    if tag not in EXTERNAL_TAGS:
        return found
    original_parser, original_spec = found
    if tag == full_tag("sendTask") and original_parser is not None:
        original_parser = _passes_messages_through(original_parser)  # as a message throw event

    def make(process_parser: Any, spec_class: Any, node: Any, *args: Any, **kwargs: Any) -> Any:
        if node.get(f"{{{CAMUNDA_NS}}}type") == "external":
            return ExternalTaskParser(process_parser, ExternalTaskSpec, node, *args, **kwargs)
        return original_parser(process_parser, spec_class, node, *args, **kwargs)

    return (make, original_spec or ExternalTaskSpec)


def priority_of(task: Task) -> int:
    raw = str((task.task_spec.extensions or {}).get(PRIORITY) or "0")
    try:
        return int(raw)
    except ValueError:
        return 0


#: the most characters a topic name may have (the projection's column)
MAX_TOPIC = 200


def external_problem(local: str, topic: str | None) -> Notice | None:
    """Why an element with camunda:type="external" cannot run, or None when it can."""
    if local not in ("serviceTask", "sendTask", "businessRuleTask"):
        return Notice("external_wrong_element", {"element": local})
    if not (topic or "").strip():
        return Notice("external_no_topic")
    if len(topic or "") > MAX_TOPIC:
        return Notice("external_topic_too_long", {"limit": str(MAX_TOPIC)})
    return None
