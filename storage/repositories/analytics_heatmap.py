"""The heat map's kept rows and their reads: each element's runs per cycle (ElementRun) and the
branches taken at the splitting gateways (GatewayBranch), both the history's reading by
construction (``element_runs_from_history`` and ``branches_from_history`` are the definitions,
the same as engine.control.gateways.branch_figures walks in Python). The step adds the rows of
its cycle in one statement (``keep``); migration 0020 filled them (``rebuild``). Repositories
never commit."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
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

from storage.models import Cycle, HistoryEvent, RegulationVersion
from storage.models.control import ElementRun, GatewayBranch
from storage.repositories.control import Scope, _conditions, _joined_for

#: the events an element's run is counted from (the heat map's runs)
RAN = ("completed", "passed")
#: the events that tell a branch: a task opened, an element passed, an end reached
BRANCHING = ("created", "passed", "ended")
#: (version_id, gateway_id, flow_id, target, one branch per pass 1/0, the flow's place)
FlowRow = tuple[int, str, str, str, int, int]
BRANCH_COLUMNS = ["version_id", "pass_id", "flow_id", "cycle_id", "gateway_id", "at"]

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


def element_runs_from_history(cycle_ids: Sequence[int] | None = None) -> Select[Any]:
    """(cycle_id, element_id, runs) of the elements completed or passed in each cycle."""
    query: Any = select(HistoryEvent.cycle_id, HistoryEvent.element_id, func.count().label("runs")) \
        .where(HistoryEvent.type.in_(RAN), HistoryEvent.element_id.is_not(None))
    if cycle_ids is not None:
        query = query.where(HistoryEvent.cycle_id.in_(list(cycle_ids)))
    return cast(Select[Any], query.group_by(HistoryEvent.cycle_id, HistoryEvent.element_id))


def branches_from_history(flows: Sequence[FlowRow], cycle_ids: Sequence[int] | None = None) -> Select[Any]:
    """(version_id, pass_id, flow_id, cycle_id, gateway_id, at) of each branch taken at the given
    flows' gateways by the cycles of their versions (of these cycles when given): after a pass of
    the gateway and up to its next pass (the history's order, at then id), the first run of each
    flow's element (an inclusive or parallel gateway) or of any of them (exclusive, event-based)."""
    m = union_all(*(select(literal(v, Integer).label("version_id"), literal(g, String).label("gateway_id"),
                           literal(f, String).label("flow_id"), literal(t, String).label("target"),
                           literal(o, Integer).label("one"), literal(n, Integer).label("place"))
                    for v, g, f, t, o, n in flows)).subquery("flows")
    cycle_filter = [HistoryEvent.cycle_id.in_(list(cycle_ids))] if cycle_ids is not None else []
    gateways = select(m.c.version_id, m.c.gateway_id).distinct().subquery("gateways")
    passes = select(HistoryEvent.id.label("pass_id"), HistoryEvent.cycle_id, Cycle.version_id,
                    HistoryEvent.element_id.label("gateway_id"), HistoryEvent.at,
                    func.lead(HistoryEvent.at).over(partition_by=(HistoryEvent.cycle_id, HistoryEvent.element_id),
                                                    order_by=(HistoryEvent.at, HistoryEvent.id)).label("next_at"),
                    func.lead(HistoryEvent.id).over(partition_by=(HistoryEvent.cycle_id, HistoryEvent.element_id),
                                                    order_by=(HistoryEvent.at, HistoryEvent.id)).label("next_id")) \
        .join(Cycle, Cycle.id == HistoryEvent.cycle_id) \
        .join(gateways, and_(gateways.c.version_id == Cycle.version_id, gateways.c.gateway_id == HistoryEvent.element_id)) \
        .where(HistoryEvent.type == "passed", *cycle_filter).subquery("passes")
    runs = select(HistoryEvent.cycle_id, HistoryEvent.at, HistoryEvent.id, m.c.gateway_id, m.c.flow_id, m.c.one,
                  m.c.place) \
        .join(Cycle, Cycle.id == HistoryEvent.cycle_id) \
        .join(m, and_(m.c.version_id == Cycle.version_id, m.c.target == HistoryEvent.element_id)) \
        .where(HistoryEvent.type.in_(BRANCHING), *cycle_filter).subquery("runs")
    p, r = passes.c, runs.c
    which = case((r.one == 1, literal("")), else_=r.flow_id)
    taken = select(p.version_id, p.pass_id, r.flow_id, p.cycle_id, p.gateway_id, r.at,
                   func.row_number().over(partition_by=(p.pass_id, which), order_by=(r.at, r.id, r.place))
                   .label("nth")) \
        .select_from(passes).join(runs, and_(
            r.cycle_id == p.cycle_id, r.gateway_id == p.gateway_id, tuple_(r.at, r.id) > tuple_(p.at, p.pass_id),
            or_(p.next_id.is_(None), tuple_(r.at, r.id) <= tuple_(p.next_at, p.next_id)))).subquery("taken")
    t = taken.c
    return select(t.version_id, t.pass_id, t.flow_id, t.cycle_id, t.gateway_id, t.at).where(t.nth == 1)


def _upsert_runs(bind: Session | Connection, cycle_ids: Sequence[int]) -> Any:
    statement = _bind_dialect(bind).insert(cast(Table, ElementRun.__table__)).from_select(
        ["cycle_id", "element_id", "runs"], element_runs_from_history(cycle_ids))
    return statement.on_conflict_do_update(index_elements=["cycle_id", "element_id"],
                                           set_={"runs": statement.excluded.runs})


def _add_branches(bind: Session | Connection, flows: Sequence[FlowRow], cycle_ids: Sequence[int]) -> Any:
    return _bind_dialect(bind).insert(cast(Table, GatewayBranch.__table__)).from_select(
        BRANCH_COLUMNS, branches_from_history(flows, cycle_ids)).on_conflict_do_nothing()


def keep(bind: Session | Connection, cycle_id: int, version_id: int, rows: Iterable[dict[str, Any]],
         sha256: str | None = None) -> None:
    """The step's part, from its history rows: its cycle's element runs again when it completed or
    passed something, the branches its runs took added (the history only grows: a branch once
    taken stays, runs only grow; a migration adds the rows of the new version); one statement
    (PostgreSQL; SQLite: one per table)."""
    types = {row["type"] for row in rows if row.get("element_id") or row["type"] == "migrated"}
    # a migrated cycle's branches are read again by its new version's gateways, its whole history
    flows = version_flows(bind, version_id, sha256) if types & {*BRANCHING, "migrated"} else []
    ran = bool(types & set(RAN))
    if ran and flows and _bind_dialect(bind) is postgresql:
        runs = _upsert_runs(bind, [cycle_id]).returning(literal(1)).cte("element_runs_kept")
        bind.execute(_add_branches(bind, flows, [cycle_id]).add_cte(runs))
        return
    if ran:
        bind.execute(_upsert_runs(bind, [cycle_id]))
    if flows:
        bind.execute(_add_branches(bind, flows, [cycle_id]))


def rebuild(bind: Session | Connection) -> None:
    """Every cycle's element runs and branches again from the history (migration 0020)."""
    bind.execute(delete(ElementRun))
    bind.execute(insert(ElementRun).from_select(["cycle_id", "element_id", "runs"], element_runs_from_history()))
    bind.execute(delete(GatewayBranch))
    flows = all_flows(bind)
    if flows:
        bind.execute(insert(GatewayBranch).from_select(BRANCH_COLUMNS, branches_from_history(flows)))


# ---------------------------------------------------------------- checks against the definition

def kept_runs(bind: Session | Connection) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in bind.execute(select(ElementRun.cycle_id, ElementRun.element_id, ElementRun.runs)
                                           .order_by(ElementRun.cycle_id, ElementRun.element_id))]


def history_runs(bind: Session | Connection) -> list[tuple[Any, ...]]:
    found = element_runs_from_history().subquery("runs")
    return [tuple(r) for r in bind.execute(select(found.c.cycle_id, found.c.element_id, found.c.runs)
                                           .order_by(found.c.cycle_id, found.c.element_id))]


def kept_branches(bind: Session | Connection, current: bool = True) -> list[tuple[Any, ...]]:
    """Every kept branch (of each cycle's version now when ``current``), in a fixed order."""
    query = select(*(getattr(GatewayBranch, c) for c in BRANCH_COLUMNS))
    if current:
        query = query.join(Cycle, and_(Cycle.id == GatewayBranch.cycle_id, Cycle.version_id == GatewayBranch.version_id))
    return [tuple(r) for r in bind.execute(query.order_by(GatewayBranch.version_id, GatewayBranch.pass_id,
                                                          GatewayBranch.flow_id))]


def history_branches(bind: Session | Connection) -> list[tuple[Any, ...]]:
    """What the history gives for every cycle's version now (what ``kept_branches`` must equal)."""
    flows = all_flows(bind)
    if not flows:
        return []
    found = branches_from_history(flows).subquery("found")
    return [tuple(r) for r in bind.execute(select(*(found.c[c] for c in BRANCH_COLUMNS))
                                           .order_by(found.c.version_id, found.c.pass_id, found.c.flow_id))]


# ---------------------------------------------------------------- the heat map's reads

def element_runs(session: Session, scope: Scope) -> Sequence[Any]:
    """(element_id, cycles, runs) of the elements completed or passed in the cycles in scope."""
    query: Any = select(ElementRun.element_id, func.count(), func.sum(ElementRun.runs)).select_from(ElementRun)
    if scope != Scope():
        query = _joined_for(query.join(Cycle, Cycle.id == ElementRun.cycle_id), scope).where(*_conditions(scope))
    return session.execute(query.group_by(ElementRun.element_id)).all()


def branch_counts(session: Session, scope: Scope) -> Sequence[Any]:
    """(gateway_id, flow_id, taken, cycles, won, lost) of the branches the cycles in scope took at
    their version's gateways: won and lost count the cycles that took it by their status now."""
    def of(status: str) -> Any:
        return func.count(func.distinct(case((Cycle.status == status, GatewayBranch.cycle_id), else_=None)))

    query: Any = select(GatewayBranch.gateway_id, GatewayBranch.flow_id, func.count(),
                        func.count(func.distinct(GatewayBranch.cycle_id)), of("won"), of("lost")) \
        .select_from(GatewayBranch) \
        .join(Cycle, and_(Cycle.id == GatewayBranch.cycle_id, Cycle.version_id == GatewayBranch.version_id))
    query = _joined_for(query, scope).where(*_conditions(scope))
    return session.execute(query.group_by(GatewayBranch.gateway_id, GatewayBranch.flow_id)).all()
