"""Gateway branch shares: at each gateway of a regulation version that splits (two or more
outgoing flows), how often each branch was taken and how the cycles that took it ended.

A branch is taken when the element its flow leads to runs after the gateway was passed and
before it is passed again (for an exclusive or event-based gateway the first such element only;
an inclusive or parallel one may take several). The share is of the gateway's passes (a cycle
passing it twice counts twice); a pass whose branch has not run yet is "not yet". The win rate
downstream is won / (won + lost) of the cycles that took the branch at least once, by where they
are now (empty while none is decided).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from engine.regulation.xml import BPMN_NS, parse_document
from engine.shared.texts import N_

DEFINITION = N_(
    "At each gateway that splits: of the times cycles passed it, the share that took each outgoing branch (a branch "
    "is taken when the element it leads to runs next; a cycle passing again counts again; not yet: the branch has "
    "not run yet), and the win rate downstream: won / (won + lost) of the cycles that took the branch, by where they "
    "are now.")
#: gateways that take one branch per pass
_ONE_BRANCH = ("exclusiveGateway", "eventBasedGateway")
_GATEWAYS = (*_ONE_BRANCH, "inclusiveGateway", "parallelGateway", "complexGateway")


@dataclass(frozen=True)
class Flow:
    id: str
    name: str
    target: str
    target_name: str


@dataclass(frozen=True)
class Gateway:
    id: str
    name: str
    kind: str
    flows: tuple[Flow, ...]


@dataclass(frozen=True)
class Branch:
    flow_id: str
    name: str
    target: str
    target_name: str
    taken: int
    share: float
    cycles: int
    won: int
    lost: int
    win_rate: float | None


@dataclass(frozen=True)
class GatewayFigures:
    element_id: str
    name: str
    kind: str
    passes: int
    not_yet: int
    branches: tuple[Branch, ...]


def splitting_gateways(xml: str | bytes) -> list[Gateway]:
    """The gateways of a BPMN document with two or more outgoing flows, in document order."""
    root = parse_document(xml, "regulation").getroot()
    names = {str(el.get("id")): str(el.get("name") or el.get("id")) for el in root.iter() if el.get("id")}
    flows: dict[str, list[Flow]] = {}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        source, target = str(flow.get("sourceRef") or ""), str(flow.get("targetRef") or "")
        flows.setdefault(source, []).append(Flow(str(flow.get("id")), str(flow.get("name") or ""), target,
                                                 names.get(target, target)))
    found = []
    for element in root.iter(*(f"{{{BPMN_NS}}}{kind}" for kind in _GATEWAYS)):
        element_id = str(element.get("id"))
        outgoing = flows.get(element_id, [])
        if len(outgoing) >= 2:
            found.append(Gateway(element_id, names.get(element_id, element_id), etree.QName(element).localname,
                                 tuple(outgoing)))
    return found


def watched(gateways: Sequence[Gateway]) -> set[str]:
    """The element ids whose runs tell the branches: the gateways and where their flows lead."""
    return {g.id for g in gateways} | {f.target for g in gateways for f in g.flows}


def branch_figures(gateways: Sequence[Gateway], runs: Iterable[tuple[int, str]],
                   statuses: Mapping[int, str]) -> list[GatewayFigures]:
    """The figures of each gateway from the runs of watched elements, (cycle id, element id) in
    the order they ran within each cycle, and each cycle's status now."""
    by_target: dict[str, list[tuple[Gateway, Flow]]] = {}
    for gateway in gateways:
        for flow in gateway.flows:
            by_target.setdefault(flow.target, []).append((gateway, flow))
    kinds = {g.id: g.kind for g in gateways}
    passes: dict[str, int] = {g.id: 0 for g in gateways}
    taken: dict[tuple[str, str], int] = {}
    took: dict[tuple[str, str], set[int]] = {}
    waiting: dict[tuple[int, str], set[str]] = {}  # (cycle, gateway) -> branches taken since its last pass
    for cycle_id, element_id in runs:
        for gateway, flow in by_target.get(element_id, ()):
            seen = waiting.get((cycle_id, gateway.id))
            if seen is None or flow.id in seen or (seen and kinds[gateway.id] in _ONE_BRANCH):
                continue
            seen.add(flow.id)
            taken[gateway.id, flow.id] = taken.get((gateway.id, flow.id), 0) + 1
            took.setdefault((gateway.id, flow.id), set()).add(cycle_id)
        if element_id in passes:
            passes[element_id] += 1
            waiting[cycle_id, element_id] = set()
    result = []
    for gateway in gateways:
        total = passes[gateway.id]
        branches = []
        for flow in gateway.flows:
            cycles = took.get((gateway.id, flow.id), set())
            won = sum(1 for c in cycles if statuses.get(c) == "won")
            lost = sum(1 for c in cycles if statuses.get(c) == "lost")
            count = taken.get((gateway.id, flow.id), 0)
            branches.append(Branch(flow.id, flow.name, flow.target, flow.target_name, count,
                                   round(count / total, 4) if total else 0.0, len(cycles), won, lost,
                                   round(won / (won + lost), 4) if won + lost else None))
        not_yet = total - sum(b.taken for b in branches) if gateway.kind in _ONE_BRANCH else 0
        result.append(GatewayFigures(gateway.id, gateway.name, gateway.kind, total, max(0, not_yet), tuple(branches)))
    return result
