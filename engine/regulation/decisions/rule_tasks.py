"""Business rule tasks: ``camunda:decisionRef`` evaluated by Reglament's own DMN evaluator.

A ``bpmn:businessRuleTask`` names a decision (``camunda:decisionRef``) of a DMN file deployed
with the regulation, or of a regulation deployed earlier (decisions/catalogue.py); the
result goes into ``camunda:resultVariable`` as ``camunda:mapDecisionResult`` says:

* ``singleEntry``: the one output of the one matching rule (null when no rule matched);
* ``singleResult``: the outputs of the one matching rule as a map (null when none matched);
* ``collectEntries``: the one output of every matching rule, as a list;
* ``resultList`` (the default): every matching rule's outputs, a list of maps.

Everything is checked at deploy, naming the task: a missing decisionRef, an unknown binding
or mapping, a DMN that does not load. A decision that is in no DMN file yet deploys with a
warning, as Camunda deploys it: when the task runs, the decision is looked for again among the
deployed regulations (``late_decisions``), and while it is still missing the cycle goes into
incident naming the task and the decision (deploy the DMN file, then retry). Bindings:
``latest`` (the default) and ``versionTag`` (the newest decision whose ``camunda:versionTag``
is ``camunda:decisionRefVersionTag``) look among every deploy; ``deployment`` only in the DMN
files deployed with the diagram; ``version`` takes the ``camunda:decisionRefVersion``-th deploy
holding the decision, oldest first (a decision's versions are the deploys of its DMN file).
At run time an evaluation that fails (no rule matches with hit policy UNIQUE, a missing input,
a mapping that does not fit the result) is an ExpressionError naming the task, the decision
and the inputs: the cycle goes into incident. Numbers come back as Decimal and are stored
as int when whole, else float (cycle variables are JSON).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.task import Task

from engine.regulation.decisions import feel, feel_values
from engine.regulation.decisions.catalogue import DecisionCatalogue, FoundDecision, Lookup
from engine.regulation.decisions.decide import Decision, load_decision
from engine.regulation.decisions.feel_values import YearsMonths
from engine.regulation.problem_texts import reason
from engine.shared.errors import DmnError, ExpressionError, Problem
from engine.shared.notices import Notice

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")
BINDINGS = ("latest", "deployment", "version", "versionTag")
#: finds a decision by id (and version tag) among the deployed regulations, while a cycle runs
LATE_DECISIONS: ContextVar[Lookup | None] = ContextVar("late_decisions", default=None)


@contextmanager
def late_decisions(lookup: Lookup | None) -> Iterator[None]:
    """While the engine runs a cycle's step: where a business rule task deployed before its decision
    finds it (decisions/catalogue.py ``deployed_lookup``)."""
    token = LATE_DECISIONS.set(lookup)
    try:
        yield
    finally:
        LATE_DECISIONS.reset(token)
MAX_RESULT_ITEMS = 1000


@lru_cache(maxsize=128)
def _decision(xml: str, decision_id: str) -> Decision:
    return load_decision(xml, decision_id)


def _jsonable(value: Any, where: str) -> Any:
    """A decision's value as a cycle variable: numbers as int or float, dates and times as ISO text
    (as date form fields are), durations as ISO 8601 durations."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2 ** 53 else float(value)
    if isinstance(value, list):
        return [_jsonable(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, where) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}P{seconds // 86400}DT{seconds % 86400}S"
    if isinstance(value, YearsMonths):
        sign, months = ("-" if value.months < 0 else ""), abs(value.months)
        return f"{sign}P{months // 12}Y{months % 12}M"
    if value is None or isinstance(value, (bool, str)):
        return value
    raise ExpressionError(f"{where}: the decision gave {feel_values.kind(value)} {feel_values.show(value)}, "
                          "which a cycle variable cannot hold")


def map_result(rows: list[dict[str, Any]], mapping: str, where: str) -> Any:
    """Camunda's ``mapDecisionResult`` applied to the rows (one dict of outputs per rule)."""
    if mapping == "resultList":
        return rows
    if mapping == "collectEntries":
        wide = next((row for row in rows if len(row) != 1), None)
        if wide is not None:
            raise ExpressionError(f"{where}: mapDecisionResult collectEntries needs one output per "
                                  f"rule; a result has {len(wide)} ({', '.join(wide)})")
        return [next(iter(row.values())) for row in rows]
    if len(rows) > 1:
        raise ExpressionError(f"{where}: mapDecisionResult {mapping} needs at most one result; "
                              f"{len(rows)} rules matched (use collectEntries or resultList)")
    if not rows:
        return None
    if mapping == "singleResult":
        return rows[0]
    if len(rows[0]) != 1:
        raise ExpressionError(f"{where}: mapDecisionResult singleEntry needs one output; the result "
                              f"has {len(rows[0])} ({', '.join(rows[0])}); use singleResult")
    return next(iter(rows[0].values()))


class RuleTask(BpmnSpecMixin):  # type: ignore[misc]
    """A business rule task that evaluates a decision with Reglament's DMN evaluator."""

    def __init__(self, wf_spec: Any, bpmn_id: str, decision_ref: str = "", result_variable: str | None = None,
                 map_result: str = "resultList", dmn: str = "", dmn_file: str = "", binding: str = "latest",
                 version_tag: str | None = None, version: str | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.decision_ref = decision_ref
        self.result_variable = result_variable
        self.map_result = map_result
        #: empty: the decision was not deployed with the diagram nor before it (found when it runs)
        self.dmn = dmn
        self.dmn_file = dmn_file
        self.binding = binding
        self.version_tag = version_tag
        #: binding "version": camunda:decisionRefVersion (a number or an expression)
        self.version = version

    def _number(self, my_task: Task, where: str) -> int | None:
        if self.binding != "version" or self.version is None:
            return None
        text = self.version.strip()
        value = my_task.workflow.script_engine.evaluate(my_task, text) if text.startswith(("${", "#{")) else text
        try:
            return int(str(value))
        except ValueError:
            raise ExpressionError(f"{where}: camunda:decisionRefVersion {value!r} is not a version number") from None

    def _found(self, my_task: Task, where: str) -> tuple[str, str]:
        """The decision's DMN document and file: deployed with the diagram, else looked up now."""
        if self.dmn:
            return self.dmn, self.dmn_file
        lookup = LATE_DECISIONS.get()
        number = self._number(my_task, where)
        found = lookup(self.decision_ref, self.version_tag, number) \
            if lookup and self.binding != "deployment" else None
        if found is None:
            tagged = f" with camunda:versionTag {self.version_tag!r}" if self.version_tag else ""
            tagged += f" in version {number}" if number is not None else ""
            place = "the DMN files deployed with this regulation (binding 'deployment')" \
                if self.binding == "deployment" else "any deployed DMN file"
            raise ExpressionError(f"{where}: the decision{tagged} is not in {place}; deploy the DMN file "
                                  "(with the diagram), then retry the cycle")
        return found.xml, found.filename

    def _where(self) -> str:
        name = self.bpmn_name or self.bpmn_id
        return f"business rule task {name!r}: decision {self.decision_ref!r}"

    def _run_hook(self, my_task: Task) -> bool:
        where = self._where()
        variables = {k: v for k, v in my_task.data.items() if isinstance(k, str)}
        dmn, dmn_file = self._found(my_task, where)
        try:
            rows = _decision(dmn, self.decision_ref).rows(variables)
        except DmnError as exc:
            raise ExpressionError(f"{where} ({dmn_file}) failed: {exc.message}"
                                  + _inputs_hint(exc, variables)) from None
        except feel.FeelError as exc:  # a variable FEEL cannot hold (NaN, infinity)
            raise ExpressionError(f"{where} ({dmn_file}) failed: {exc.message}") from None
        if len(rows) > MAX_RESULT_ITEMS:
            raise ExpressionError(f"{where}: {len(rows)} results; the limit is {MAX_RESULT_ITEMS}")
        value = _jsonable(map_result(rows, self.map_result, where), where)
        if self.result_variable:
            my_task.data[self.result_variable] = value
        super()._run_hook(my_task)
        return True


def _inputs_hint(exc: DmnError, variables: Mapping[str, Any]) -> str:
    if exc.details.get("inputs") or "no rule matches" in exc.message:
        return ""
    shown = ", ".join(f"{k}={_show(v)}" for k, v in sorted(variables.items())[:20] if not k.startswith("_"))
    return f" (variables: {shown or 'none'})"


def _show(value: Any) -> str:
    try:
        return feel.show(feel.normalize(value))
    except feel.FeelError:
        return str(value)[:100]


class RuleTaskParser(CamundaTaskParser):  # type: ignore[misc]
    """Reads the Camunda attributes of a business rule task and checks them at deploy."""

    @staticmethod
    def get_decision_ref(node: Any) -> str | None:
        return node.get(f"{{{CAMUNDA_NS}}}decisionRef")  # type: ignore[no-any-return]

    def _about(self, code: str, params: dict[str, Any] | None = None) -> Notice:
        """``business rule task 'name': <the code's text>`` (engine/regulation/problem_texts.py)."""
        name = self.node.get("name") or self.node.get("id")
        return Notice("rule_task_problem", {"task": repr(name), "reason": Notice(code, params or {})})

    def _refuse(self, code: str, /, **params: Any) -> ValidationException:
        """A refusal the deploy reports as a Problem with this notice (versions._problem_from_validation)."""
        notice = self._about(code, params)
        exc = ValidationException(notice.text, node=self.node, file_name=self.filename)
        exc.notice = notice
        return exc

    def create_task(self) -> RuleTask:
        decision_ref = (self.get_decision_ref(self.node) or "").strip()
        catalogue: DecisionCatalogue = self.process_parser.parser.decisions
        if not decision_ref:
            raise self._refuse("rule_task_no_decision_ref")
        binding = (self.node.get(f"{{{CAMUNDA_NS}}}decisionRefBinding") or "latest").strip()
        if binding not in BINDINGS:
            raise self._refuse("rule_task_binding_unknown", binding=repr(binding), bindings=", ".join(BINDINGS))
        version_tag = (self.node.get(f"{{{CAMUNDA_NS}}}decisionRefVersionTag") or "").strip() or None
        version = (self.node.get(f"{{{CAMUNDA_NS}}}decisionRefVersion") or "").strip() or None
        if binding == "version" and version is None:
            raise self._refuse("rule_task_version_missing")
        if binding == "versionTag" and version_tag is None:
            raise self._refuse("rule_task_version_tag_missing")
        if self.node.get(f"{{{CAMUNDA_NS}}}decisionRefTenantId"):
            raise self._refuse("rule_task_tenant_unsupported")
        mapping = (self.node.get(f"{{{CAMUNDA_NS}}}mapDecisionResult") or "resultList").strip()
        if mapping not in MAPPINGS:
            raise self._refuse("rule_task_mapping_unknown", mapping=repr(mapping), mappings=", ".join(MAPPINGS))
        result_variable = (self.node.get(f"{{{CAMUNDA_NS}}}resultVariable") or "").strip() or None
        if result_variable is not None and not result_variable.isidentifier():
            raise self._refuse("rule_task_result_variable_invalid", variable=repr(result_variable))
        found: FoundDecision | None = catalogue.find(decision_ref, version_tag, own_only=binding == "deployment")
        if binding == "version":  # the version-th deploy holding the decision: found when the task runs
            if found is None:
                catalogue.warnings.append(self._warning("decision_not_deployed_version", decision=repr(decision_ref)))
            return RuleTask(self.spec, self.bpmn_id, decision_ref=decision_ref, result_variable=result_variable,
                            map_result=mapping, binding=binding, version=version, **self.bpmn_attributes)
        if found is None:
            known = catalogue.known()
            tagged: Notice | str = Notice("decision_version_tag", {"tag": repr(version_tag)}) if version_tag else ""
            code = ("decision_not_in_deployment" if binding == "deployment" else "decision_not_deployed") \
                + ("_known" if known else "_no_dmn")
            catalogue.warnings.append(self._warning(code, decision=repr(decision_ref), tagged=tagged,
                                                    **({"known": ", ".join(known)} if known else {})))
            return RuleTask(self.spec, self.bpmn_id, decision_ref=decision_ref, result_variable=result_variable,
                            map_result=mapping, binding=binding, version_tag=version_tag, **self.bpmn_attributes)
        try:
            decision = _decision(found.xml, decision_ref)
        except DmnError as exc:
            raise self._refuse("rule_task_decision_unusable", decision=repr(decision_ref), file=found.filename,
                               reason=reason(exc)) from None
        if mapping in ("singleEntry", "collectEntries") and decision.output_count > 1:
            raise self._refuse("rule_task_mapping_one_output", mapping=mapping, decision=repr(decision_ref),
                               outputs=str(decision.output_count))
        return RuleTask(self.spec, self.bpmn_id, decision_ref=decision_ref, result_variable=result_variable,
                        map_result=mapping, dmn=found.xml, dmn_file=found.filename, binding=binding,
                        version_tag=version_tag, **self.bpmn_attributes)

    def _warning(self, code: str, /, **params: Any) -> Problem:
        notice = self._about(code, params)
        return Problem.coded(self.node.get("id"), notice.code, notice.params, line=self.node.sourceline,
                             element_name=self.node.get("name"))


class RuleTaskConverter(BpmnTaskSpecConverter):  # type: ignore[misc]
    def to_dict(self, spec: RuleTask) -> dict[str, Any]:
        dct: dict[str, Any] = self.get_default_attributes(spec)
        dct.update(decision_ref=spec.decision_ref, result_variable=spec.result_variable,
                   map_result=spec.map_result, dmn=spec.dmn, dmn_file=spec.dmn_file, binding=spec.binding,
                   version_tag=spec.version_tag, version=spec.version)
        return dct
