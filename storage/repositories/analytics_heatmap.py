"""The heat map's kept runs and their reads (storage.models.control.ElementRun): each element's
runs per cycle and, per splitting gateway of the cycle's version, the passes that took each
branch, both the history's reading by construction (``from_history``; the branches by
``branches_from_history``, the same definition engine.control.gateways.branch_figures walks in
Python). The step rebuilds its cycle's rows in one upsert (``keep``); migration 0020 filled them
(``rebuild``). Repositories never commit."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Cycle, HistoryEvent, Regulation, RegulationVersion
from storage.models.control import ElementRun
from storage.repositories.control import Scope, _conditions, _joined_for

#: the events an element's run is counted from (the heat map's runs)
RAN = ("completed", "passed")
#: the events that tell a branch: a task opened, an element passed, an end reached
BRANCHING = ("created", "passed", "ended")
#: (version_id, gateway_id, flow_id, target, one branch per pass 1/0, the flow's place)
FlowRow = tuple[int, str, str, str, int, int]
COLUMNS = ["cycle_id", "element_id", "flow_id", "version_id", "runs", "at", "outcome"]
#: what a cycle's status gives the rows' outcome
DECIDED = ("won", "lost")

#: a document's sha256 -> its splitting gateways' flows (version id 0: set by the reader)
_FLOWS: dict[str, list[FlowRow]] = {}


def _bind_dialect(bind: Session | Connection) -> Any:
    return postgresql if (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name == "postgresql" \
        else sqlite


def flows_of(version_id: int, xml: str | bytes | None) -> list[FlowRow]:
    """The flows of a version's splitting gateways, as the branches' statement takes them."""
    from engine.control.gateways import ONE_BRANCH, splitting_gateways  # the definition's parser

    found: list[FlowRow] = []
    for gateway in splitting_gateways(xml) if xml else []:
        for place, flow in enumerate(gateway.flows):
            found.append((version_id, gateway.id, flow.id, flow.target, int(gateway.kind in ONE_BRANCH), place))
    return found


def version_flows(bind: Session | Connection, version_id: int, sha256: str | None = None) -> list[FlowRow]:
    """A version's flows; with the sha256 of its document (loaded with the cycle's version) read
    once per process and document."""
    found = _FLOWS.get(sha256) if sha256 else None
    if found is None:
        xml = bind.execute(select(RegulationVersion.xml).where(RegulationVersion.id == version_id)).scalar()
        found = flows_of(0, xml)
        if sha256:
            _FLOWS[sha256] = found
    return [(version_id, *row[1:]) for row in found]


def all_flows(bind: Session | Connection) -> list[FlowRow]:
    return [row for version_id, xml in bind.execute(select(RegulationVersion.id, RegulationVersion.xml))
            for row in flows_of(int(version_id), xml)]


Now = tuple[int, int, str]


def _cycles(now: Now | None) -> Any:
    """(id, version_id, status) of every cycle, or of the step's one as it is now (given: its
    version and status may not be flushed yet)."""
    if now is None:
        return select(Cycle.id, Cycle.version_id, Cycle.status).subquery("cycle")
    return select(literal(now[0], Integer).label("id"), literal(now[1], Integer).label("version_id"),
                  literal(now[2], String).label("status")).subquery("cycle")


def branches_from_history(flows: Sequence[FlowRow], now: Now | None = None) -> Select[Any]:
    """(version_id, pass_id, flow_id, cycle_id, gateway_id, at, status: the cycle's) of each branch
    taken at the given flows' gateways by the cycles of their versions (every cycle, or the one
    given as it is now): after a pass of the gateway and up to its next pass (the history's order,
    at then id), the first run of each flow's element (an inclusive or parallel gateway) or of any
    of them (exclusive, event-based)."""
    m = union_all(*(select(literal(v, Integer).label("version_id"), literal(g, String).label("gateway_id"),
                           literal(f, String).label("flow_id"), literal(t, String).label("target"),
                           literal(o, Integer).label("one"), literal(n, Integer).label("place"))
                    for v, g, f, t, o, n in flows)).subquery("flows")
    c = _cycles(now).c
    gateways = select(m.c.version_id, m.c.gateway_id).distinct().subquery("gateways")
    passes = select(HistoryEvent.id.label("pass_id"), HistoryEvent.cycle_id, c.version_id, c.status,
                    HistoryEvent.element_id.label("gateway_id"), HistoryEvent.at,
                    func.lead(HistoryEvent.at).over(partition_by=(HistoryEvent.cycle_id, HistoryEvent.element_id),
                                                    order_by=(HistoryEvent.at, HistoryEvent.id)).label("next_at"),
                    func.lead(HistoryEvent.id).over(partition_by=(HistoryEvent.cycle_id, HistoryEvent.element_id),
                                                    order_by=(HistoryEvent.at, HistoryEvent.id)).label("next_id")) \
        .join(c.id.table, c.id == HistoryEvent.cycle_id) \
        .join(gateways, and_(gateways.c.version_id == c.version_id, gateways.c.gateway_id == HistoryEvent.element_id)) \
        .where(HistoryEvent.type == "passed").subquery("passes")
    runs = select(HistoryEvent.cycle_id, HistoryEvent.at, HistoryEvent.id, m.c.gateway_id, m.c.flow_id, m.c.one,
                  m.c.place) \
        .join(c.id.table, c.id == HistoryEvent.cycle_id) \
        .join(m, and_(m.c.version_id == c.version_id, m.c.target == HistoryEvent.element_id)) \
        .where(HistoryEvent.type.in_(BRANCHING)).subquery("runs")
    p, r = passes.c, runs.c
    which = case((r.one == 1, literal("")), else_=r.flow_id)
    taken = select(p.version_id, p.pass_id, r.flow_id, p.cycle_id, p.gateway_id, r.at, p.status,
                   func.row_number().over(partition_by=(p.pass_id, which), order_by=(r.at, r.id, r.place))
                   .label("nth")) \
        .select_from(passes).join(runs, and_(
            r.cycle_id == p.cycle_id, r.gateway_id == p.gateway_id, tuple_(r.at, r.id) > tuple_(p.at, p.pass_id),
            or_(p.next_id.is_(None), tuple_(r.at, r.id) <= tuple_(p.next_at, p.next_id)))).subquery("taken")
    t = taken.c
    return select(t.version_id, t.pass_id, t.flow_id, t.cycle_id, t.gateway_id, t.at, t.status).where(t.nth == 1)


def _outcome(status: Any) -> Any:
    return case((status.in_(DECIDED), status), else_=None)


def from_history(flows: Sequence[FlowRow], now: Now | None = None) -> Select[Any]:
    """The rows (``COLUMNS``) of every cycle, or of the one given as it is now (id, version id,
    status): per element completed or passed its runs (flow id empty), and per branch of the given
    flows taken by a cycle of their version the passes that took it, each with the cycle's version
    and outcome."""
    c = _cycles(now).c
    query: Any = select(HistoryEvent.cycle_id, HistoryEvent.element_id, literal("", String).label("flow_id"),
                        c.version_id, func.count().label("runs"), func.max(HistoryEvent.at).label("at"),
                        _outcome(c.status).label("outcome")) \
        .join(c.id.table, c.id == HistoryEvent.cycle_id) \
        .where(HistoryEvent.type.in_(RAN), HistoryEvent.element_id.is_not(None)) \
        .group_by(HistoryEvent.cycle_id, HistoryEvent.element_id, c.version_id, c.status)
    if not flows:
        return cast(Select[Any], query)
    taken = branches_from_history(flows, now).subquery("taken")
    t = taken.c
    branched = select(t.cycle_id, t.gateway_id, t.flow_id, t.version_id, func.count(), func.max(t.at),
                      _outcome(t.status)).group_by(t.cycle_id, t.gateway_id, t.flow_id, t.version_id, t.status)
    united = union_all(query, branched).subquery("united")
    # the WHERE: SQLite reads an upsert's ON CONFLICT after a bare FROM subquery as a join's ON
    return select(*(united.c[i] for i in range(len(COLUMNS)))).where(united.c[0].is_not(None))


def keep(bind: Session | Connection, cycle_id: int, version_id: int, status: str, sha256: str | None = None) -> None:
    """The step's part: its cycle's rows rebuilt from the history in one upsert (the history only
    grows, so a row once kept is never removed; a migrated cycle's rows get its new version and
    the branches by its gateways, its outcome is copied when decided)."""
    flows = version_flows(bind, version_id, sha256)
    statement = _bind_dialect(bind).insert(cast(Table, ElementRun.__table__)).from_select(
        COLUMNS, from_history(flows, (cycle_id, version_id, status)))
    bind.execute(statement.on_conflict_do_update(
        index_elements=["cycle_id", "element_id", "flow_id"],
        set_={c: statement.excluded[c] for c in ("version_id", "runs", "at", "outcome")}))


def rebuild(bind: Session | Connection) -> None:
    """Every cycle's rows again from the history (migration 0020)."""
    bind.execute(delete(ElementRun))
    bind.execute(insert(ElementRun).from_select(COLUMNS, from_history(all_flows(bind))))


# ---------------------------------------------------------------- checks against the definition

def kept(bind: Session | Connection, current: bool = True) -> list[tuple[Any, ...]]:
    """Every kept row (of each cycle's version now when ``current``), in a fixed order."""
    query: Any = select(*(getattr(ElementRun, c) for c in COLUMNS))
    if current:
        query = query.join(Cycle, and_(Cycle.id == ElementRun.cycle_id, Cycle.version_id == ElementRun.version_id))
    return [tuple(r) for r in bind.execute(query.order_by(ElementRun.cycle_id, ElementRun.element_id,
                                                          ElementRun.flow_id))]


def history(bind: Session | Connection) -> list[tuple[Any, ...]]:
    """What the history gives for every cycle and its version now (what ``kept`` must equal)."""
    found = from_history(all_flows(bind)).subquery("found")
    return [tuple(r) for r in bind.execute(select(*(found.c[c] for c in COLUMNS))
                                           .order_by(found.c.cycle_id, found.c.element_id, found.c.flow_id))]


# ---------------------------------------------------------------- the heat map's reads

def _in_scope(query: Any, scope: Scope) -> Any:
    """The rows of the cycles in scope, each of its version now: by the rows' own version when the
    scope names only the regulation and version (no cycle read), else with the cycles joined."""
    if replace(scope, regulation=None, version=None) == Scope():
        if scope == Scope():
            return query.join(Cycle, and_(Cycle.id == ElementRun.cycle_id, Cycle.version_id == ElementRun.version_id))
        versions = select(RegulationVersion.id).join(Regulation, Regulation.id == RegulationVersion.regulation_id)
        if scope.regulation is not None:
            versions = versions.where(Regulation.key == scope.regulation)
        if scope.version is not None:
            versions = versions.where(RegulationVersion.number == scope.version)
        return query.where(ElementRun.version_id.in_(versions.scalar_subquery()))
    query = query.join(Cycle, and_(Cycle.id == ElementRun.cycle_id, Cycle.version_id == ElementRun.version_id))
    return _joined_for(query, scope).where(*_conditions(scope))


def runs_and_branches(session: Session, scope: Scope) -> Sequence[Any]:
    """(element_id, flow_id, cycles, runs, won, lost) of the cycles in scope, in one read: with an
    empty flow id the elements completed or passed (the cycles that ran each, its runs), else the
    branches taken at their version's gateways (the cycles that took each, the passes that took
    it, and of those cycles the won and lost by their outcome now)."""
    def of(outcome: str) -> Any:
        return func.count(case((ElementRun.outcome == outcome, 1), else_=None))

    query: Any = select(ElementRun.element_id, ElementRun.flow_id, func.count(), func.sum(ElementRun.runs),
                        of("won"), of("lost")).select_from(ElementRun)
    return session.execute(_in_scope(query, scope).group_by(ElementRun.element_id, ElementRun.flow_id)).all()


def element_runs(session: Session, scope: Scope) -> list[tuple[str, int, int]]:
    """(element_id, cycles, runs) of the elements completed or passed in the cycles in scope."""
    query: Any = select(ElementRun.element_id, func.count(), func.sum(ElementRun.runs)).select_from(ElementRun) \
        .where(ElementRun.flow_id == "")
    return [(str(r[0]), int(r[1]), int(r[2]))
            for r in session.execute(_in_scope(query, scope).group_by(ElementRun.element_id))]


def branch_counts(session: Session, scope: Scope) -> list[tuple[str, str, int, int, int, int]]:
    """(gateway_id, flow_id, taken, cycles, won, lost) of the branches the cycles in scope took at
    their version's gateways: won and lost count the cycles that took it by their outcome now."""
    return [(str(r[0]), str(r[1]), int(r[3]), int(r[2]), int(r[4]), int(r[5]))
            for r in runs_and_branches(session, scope) if r[1]]
