"""One decision of a DMN document, as business rule tasks evaluate it.

``load_decision(xml, decision_id)`` loads the document as a decision requirements graph
(engine/regulation/decisions/drg.py) and picks the decision by id: a decision table or a FEEL
literal expression, with the decisions and business knowledge models it requires.
``Decision.rows`` gives the result as Camunda's DmnDecisionResult does: one dict of outputs per
matching rule (one row with the aggregate for COLLECT with an aggregation; one row holding the
value, under the decision's variable name, for a literal expression). Evaluation is strict: no
matching rule with a single-hit policy, an ambiguous UNIQUE match or a missing input is a
DmnError naming the decision and the inputs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.regulation.decisions import drg
from engine.regulation.decisions.feel_values import Function
from engine.shared.errors import DmnError


@dataclass(frozen=True)
class Decision:
    decision_id: str
    model: drg.Model
    node: drg.Node

    @property
    def output_count(self) -> int:
        return self.node.output_count

    def rows(self, variables: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The result rows; DmnError names the decision, the inputs and what failed."""
        if self.node.table is None:
            return [{self.node.name: self.model.evaluate(self.decision_id, variables, strict=True)}]
        scope = self.model.scope(self.node, variables, strict=True)
        result = self.node.table.evaluate({k: v for k, v in scope.items() if not isinstance(v, Function)})
        if isinstance(result.outputs, dict):
            return [dict(result.outputs)]
        return [dict(row) for row in result.outputs]


def load_decision(xml: str | bytes, decision_id: str) -> Decision:
    """The decision of that id; DmnError when the document has none or cannot be used."""
    model = drg.load_model(xml, decision_id)
    node = model.decisions.get(decision_id)
    if node is None:
        raise DmnError(f"decision {decision_id}: the document has no decision of that id", {"table": decision_id})
    return Decision(decision_id, model, node)
