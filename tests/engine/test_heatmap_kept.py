"""The heat map's kept rows (storage.repositories.analytics_heatmap): each element's runs per
cycle and the branches taken at the splitting gateways agree with the history they summarise
(the definitions: the history's count, and engine.control.gateways.branch_figures walking each
cycle's runs in order), after a loop back, an inclusive gateway taking two branches and one, a
version migration, a cancellation, on the demo's months; the figures read from them are the
definition's; the backfill of migration 0020 rebuilds the same rows."""
from __future__ import annotations

from typing import Any

import pytest
from analytics_history import build, second_version
from conftest import Clock
from cycle_helpers import complete, start
from semantics_helpers import end, flow, run, user
from sqlalchemy import delete

from engine.control import gateways as gateway_rules
from engine.control.heatmap import branches
from engine.demo.history import load_history
from engine.platform.root import Reglament
from engine.regulation import version_migration
from engine.shared.access import Actor
from storage.models.control import ElementRun
from storage.repositories import analytics_durations as durations_repo
from storage.repositories import analytics_heatmap as heatmap_repo
from storage.repositories import control as control_repo
from storage.repositories.control import Scope


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    return build(platform, actors, clock)


def _by_definition(s: Any, scope: Scope, regulation: str, version: int) -> list[gateway_rules.GatewayFigures]:
    """The gateway figures as the heat map computed them before the kept rows: each cycle's runs
    of watched elements read from the history in order and walked in Python."""
    xml = durations_repo.version_xml(s, regulation, version)
    gateways = gateway_rules.splitting_gateways(xml) if xml else []
    runs = durations_repo.runs_in_order(s, scope, sorted(gateway_rules.watched(gateways)))
    return gateway_rules.branch_figures(gateways, ((int(r[0]), str(r[1])) for r in runs),
                                        durations_repo.cycle_statuses(s, scope))


def _agree(platform: Reglament, figures: tuple[tuple[str, int], ...] = ()) -> list[tuple[Any, ...]]:
    """The kept runs and branches are the history's, and the figures of these (regulation,
    version) pairs the definition's; returns the kept branches."""
    with platform.query() as s:
        kept = heatmap_repo.kept(s)
        assert kept == heatmap_repo.history(s)
        assert sorted(map(tuple, heatmap_repo.element_runs(s, Scope()))) \
            == sorted(map(tuple, durations_repo.element_runs(s, Scope())))
        for regulation, version in figures:
            scope = Scope(regulation=regulation, version=version)
            assert branches(s, scope, regulation, version) == _by_definition(s, scope, regulation, version)
    return kept


def _looping() -> str:
    return "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Ask", "f1"),
        user("Ask", fields={"demo": "boolean", "offer": "boolean", "again": "boolean"}), flow("Ask", "Split", "f2"),
        '<bpmn:inclusiveGateway id="Split" default="f_none" />',
        flow("Split", "Demo", "f3", "${demo}"), flow("Split", "Offer", "f4", "${offer}"),
        flow("Split", "Merge", "f_none"), user("Demo"), user("Offer"),
        flow("Demo", "Merge", "f5"), flow("Offer", "Merge", "f6"), '<bpmn:inclusiveGateway id="Merge" />',
        flow("Merge", "Check", "f7"), '<bpmn:exclusiveGateway id="Check" default="f_on" />',
        flow("Check", "Ask", "f_again", "${again}"), flow("Check", "Close", "f_on"),
        user("Close"), flow("Close", "Won", "f8"), end("Won", "won")])


def test_the_demo_sale_with_its_loop_a_migration_and_a_cancellation(platform: Reglament, actors, history,
                                                                     clock: Clock) -> None:
    kept = _agree(platform, (("new_client_sale", 1),))
    assert [r for r in kept if r[2]], "branches taken"
    assert {r[6] for r in kept} == {"won", "lost", None}
    second_version(platform, actors, clock)
    with platform.command() as s:
        version_migration.migrate_cycle(s, platform.ctx, actors["head"], history["open"], 2)
    _agree(platform, (("new_client_sale", 1), ("new_client_sale", 2)))
    platform.cockpit.cancel(actors["head"], history["open"], "no longer interested")
    _agree(platform, (("new_client_sale", 1), ("new_client_sale", 2)))


def test_an_inclusive_gateway_in_a_loop_takes_its_branches_once_per_pass(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    first = run(platform, actors, _looping())
    complete(platform, anna, first.id, "Ask", {"demo": True, "offer": True, "again": True})
    complete(platform, anna, first.id, "Demo", {})
    _agree(platform, (("semantics", 1),))
    complete(platform, anna, first.id, "Offer", {})
    complete(platform, anna, first.id, "Ask", {"demo": False, "offer": True, "again": False})
    complete(platform, anna, first.id, "Offer", {})
    second = start(platform, anna, "semantics", client_name="Second client")
    complete(platform, anna, second.id, "Ask", {"demo": False, "offer": False, "again": False})
    complete(platform, anna, second.id, "Close", {})
    kept = _agree(platform, (("semantics", 1),))
    taken = {r[2]: r[4] for r in kept if r[0] == first.id and r[1] == "Split" and r[2]}
    # the definition: a branch is taken when its element runs after the pass, so the default
    # flow to the merge counts too once the merge is passed
    assert taken == {"f3": 1, "f4": 2, "f_none": 2}, "demo, offer, the merge; offer, the merge"
    with platform.query() as s:
        [split] = [g for g in branches(s, Scope(regulation="semantics", version=1), "semantics", 1)
                   if g.element_id == "Split"]
    assert split.passes == 3
    assert {b.flow_id: b.taken for b in split.branches} == {"f3": 1, "f4": 2, "f_none": 3}
    platform.cockpit.cancel(actors["head"], first.id, "no longer interested")
    _agree(platform, (("semantics", 1),))


def test_the_demo_months_and_the_backfill_of_migration_0020(platform: Reglament, actors) -> None:
    load_history(platform, months=3)
    with platform.query() as s:
        regulations = {(k, n) for _, k, n, _ in control_repo.version_stages(s)}
    kept = _agree(platform, tuple(sorted(regulations)))
    with platform.query() as s:
        every = heatmap_repo.kept(s, current=False)
    assert len([r for r in kept if r[2]]) > 50, "branches taken"
    with platform.command() as s:
        s.execute(delete(ElementRun))
        heatmap_repo.rebuild(s)
    with platform.query() as s:
        assert heatmap_repo.kept(s) == kept
        assert set(heatmap_repo.kept(s, current=False)) <= set(every)
