"""SpiffWorkflow's Camunda parser, taught what Reglament reads from a regulation.

The stock parser ignores ``camunda:assignee``, ``candidateGroups``,
``candidateUsers`` and ``dueDate``, and drops extension properties on events.
Every parser here keeps the element's ``camunda:properties`` (stage, work_type,
outcome...) in the task spec's ``extensions``, which the serializer stores with
the spec; user tasks add their responsibility attributes under ``camunda:*``.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CANCEL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
)
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    CallActivity,
    EndEvent,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    NoneTask,
    StartEvent,
)
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaEndEventParser,
    CamundaIntermediateCatchEventParser,
    CamundaIntermediateThrowEventParser,
    CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import (
    CallActivityParser,
    CamundaTaskParser,
    SubWorkflowParser,
    UserTaskParser,
)
from SpiffWorkflow.camunda.specs.user_task import UserTask

from engine.regulation import external_spec, io_mappings, multi_instance, normalize, signal_spec
from engine.regulation.decisions.catalogue import DecisionCatalogue
from engine.regulation.decisions.rule_tasks import RuleTask, RuleTaskParser

#: extension keys Reglament adds to specs: an event subprocess, a non-interrupting start event
EVENT_SUBPROCESS = "reglament:eventSubprocess"
NON_INTERRUPTING = "reglament:nonInterrupting"
RESPONSIBILITY_ATTRIBUTES = ("assignee", "candidateGroups", "candidateUsers", "dueDate", "followUpDate")


class _Properties:
    """Reads the element's own ``camunda:properties`` (not those of nested elements)."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions: dict[str, Any] = {}
        for prop in self.xpath("./bpmn:extensionElements/camunda:properties/camunda:property"):  # type: ignore[attr-defined]
            if prop.get("name"):
                extensions[prop.get("name")] = prop.get("value")
        return extensions

    def parse_incoming_data_references(self) -> list[Any]:
        inputs, _ = io_mappings.parameters(self.node)  # type: ignore[attr-defined]
        return [*super().parse_incoming_data_references(), *inputs]  # type: ignore[misc]

    def parse_outgoing_data_references(self) -> list[Any]:
        _, outputs = io_mappings.parameters(self.node)  # type: ignore[attr-defined]
        return [*super().parse_outgoing_data_references(), *outputs]  # type: ignore[misc]

    def _add_multiinstance_task(self, loop_characteristics: Any) -> None:
        multi_instance.build(self, loop_characteristics)  # Camunda's meaning (multi_instance.py)


class _UserTaskParser(_Properties, UserTaskParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions = super().parse_extensions(node)
        for attr in RESPONSIBILITY_ATTRIBUTES:
            value = self.attribute(attr, "camunda")
            if value:
                extensions[f"camunda:{attr}"] = value.strip()
        return extensions


class PassThroughTask(NoneTask):
    """A plain ``task`` or a ``manualTask``: Camunda 7 passes the token straight through."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class _TaskParser(_Properties, CamundaTaskParser):
    pass


class _CallActivityParser(_Properties, CallActivityParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions = super().parse_extensions(node)
        mappings = io_mappings.call_mappings(self.node)
        if mappings:
            extensions["reglament:calls"] = mappings
        return extensions


class _SubWorkflowParser(_Properties, SubWorkflowParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions = super().parse_extensions(node)
        if normalize.is_event_subprocess(self.node):
            extensions[EVENT_SUBPROCESS] = "true"
        return extensions


class _StartEventParser(_Properties, CamundaStartEventParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions = super().parse_extensions(node)
        if (self.node.get("isInterrupting") or "true").lower() == "false":
            extensions[NON_INTERRUPTING] = "true"
        return extensions


class _EndEventParser(_Properties, CamundaEndEventParser):
    def create_task(self) -> Any:
        """SpiffWorkflow's end event parser drops a signal definition (the end event would throw
        nothing): here a signal end event throws its signal, as in Camunda."""
        task = self._create_task(self.get_event_definition([
            MESSAGE_EVENT_XPATH, CANCEL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH,
            TERMINATION_EVENT_XPATH, SIGNAL_EVENT_XPATH]))
        task.connect(self.spec.end)
        return task

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return signal_spec.with_in_mappings(self.node, super().parse_extensions(node))  # what a signal passes


class _CatchEventParser(_Properties, CamundaIntermediateCatchEventParser):
    pass


class _ThrowEventParser(_Properties, CamundaIntermediateThrowEventParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        return signal_spec.with_in_mappings(self.node, super().parse_extensions(node))  # what a signal passes


class _BoundaryEventParser(_Properties, CamundaBoundaryEventParser):
    pass


class RegulationParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (_UserTaskParser, UserTask),
        full_tag("task"): (_TaskParser, PassThroughTask),
        full_tag("manualTask"): (_TaskParser, PassThroughTask),
        full_tag("callActivity"): (_CallActivityParser, io_mappings.MappedCallActivity),
        full_tag("subProcess"): (_SubWorkflowParser, CallActivity),
        full_tag("startEvent"): (_StartEventParser, StartEvent),
        full_tag("endEvent"): (_EndEventParser, EndEvent),
        full_tag("intermediateCatchEvent"): (_CatchEventParser, IntermediateCatchEvent),
        full_tag("intermediateThrowEvent"): (_ThrowEventParser, IntermediateThrowEvent),
        full_tag("boundaryEvent"): (_BoundaryEventParser, BoundaryEvent),
        full_tag("businessRuleTask"): (RuleTaskParser, RuleTask),  # decisions/rule_tasks.py
    }

    def __init__(self) -> None:
        super().__init__()
        #: the decisions business rule tasks may name (decisions/catalogue.py)
        self.decisions = DecisionCatalogue()
        #: internal id -> diagram id of elements renamed for the engine (normalize.py)
        self.renames: dict[str, str] = {}

    def _find_dependencies(self, process: Any) -> None:
        """Business rule tasks find their decisions in ``self.decisions`` (decisions/catalogue.py),
        not through SpiffWorkflow's DMN parsers: only the processes' own dependencies are read."""
        BpmnParser._find_dependencies(self, process)

    def _get_parser_class(self, tag: str) -> tuple[Any, Any]:
        """External tasks (camunda:type="external") wait for outside workers (engine/regulation/external_spec.py)."""
        return external_spec.dispatch(tag, super()._get_parser_class(tag))

    def add_bpmn_xml(self, bpmn: Any, filename: str | None = None) -> None:
        """Adds the Camunda-equivalent copy of the diagram (``normalize``), never the diagram itself."""
        engine_tree, renames = normalize.for_engine(bpmn)
        self.renames.update(renames)
        super().add_bpmn_xml(engine_tree, filename=filename)

    def get_spec(self, process_id: str, required: bool = True) -> Any:
        spec = super().get_spec(process_id, required=required)
        if spec is not None:
            normalize.restore_ids([spec], self.renames)
        return spec
