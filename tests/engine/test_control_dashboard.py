"""The head's dashboard and the loss reasons, checked against the hand-computed fixed history of
tests/analytics_history.py (won, lost, refused in November; open and cancelled in December)."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from analytics_history import build, step
from conftest import Clock

from engine.control.dashboard import Dashboard, ManagerFigures
from engine.control.filters import Filters
from engine.control.loss_reasons import LossReport
from engine.platform.root import Reglament
from engine.regulation import work_types
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, InputInvalid

NOVEMBER = Filters.parse({"from": "2026-11-01", "to": "2026-11-30"})


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    platform.control.ensure_loss_reasons()
    with platform.command() as s:
        work_types.ensure_defaults(s)  # tasks get their work type's due time
    return build(platform, actors, clock)


def _rows(result: Dashboard) -> dict[str | None, ManagerFigures]:
    return {r.login: r for r in result.managers}


def test_the_dashboard_counts_each_managers_month_against_his_plan(platform: Reglament, actors, history) -> None:
    platform.motivation.save_plans(actors["head"], "2026-11", "actual", {"user:anna|revenue": "1000000"})
    result = platform.control.dashboard(actors["head"], NOVEMBER)
    assert result.period.as_dict() == {"from": "2026-11-01", "to": "2026-11-30", "plan_period": "2026-11",
                                "days": 30, "days_gone": 30}
    rows = _rows(result)
    anna, boris = rows["anna"], rows["boris"]
    assert (anna.open, anna.won, anna.won_amount, anna.lost) == (1, 1, Decimal("500000.00"), 1)
    assert (anna.plan, anna.attainment) == (Decimal("1000000.00"), Decimal("50.0"))
    assert (boris.open, boris.won, boris.lost, boris.plan, boris.attainment) == (0, 0, 1, None, None)
    dept = result.department
    assert (dept.open, dept.won, dept.lost, dept.won_amount) == (1, 1, 2, Decimal("500000.00"))
    assert (dept.plan, dept.attainment, dept.run_rate) == (Decimal("1000000.00"), Decimal("50.0"),
                                                                     Decimal("500000.00"))
    assert [(p.stage, p.open) for p in result.pipeline] == [("Proposal", 1)]
    assert all(result.definitions[k] for k in ("open", "won", "lost", "plan", "attainment", "run_rate",
                                                  "overdue", "forgotten", "incidents"))


def test_without_a_period_the_dashboard_is_this_month_and_run_rate_extrapolates(platform: Reglament, actors,
                                                                                history, clock: Clock) -> None:
    result = platform.control.dashboard(actors["alex"], Filters())
    assert result.period.plan_period == "2026-12" and result.period.days_gone == 2
    assert (result.department.won, result.department.lost, result.department.open) == (0, 0, 1)
    # a custom span is no plan period: no plan is claimed for it
    span = platform.control.dashboard(actors["alex"], Filters.parse({"from": "2026-11-20", "to": "2026-11-29"}))
    assert span.period.plan_period is None and span.department.plan is None
    assert span.department.run_rate == Decimal("500000.00")


def test_overdue_work_and_incidents_are_counted_per_person(platform: Reglament, actors, history,
                                                           clock: Clock) -> None:
    before = platform.control.dashboard(actors["head"], Filters())
    assert before.department.overdue == 0
    clock.advance(days=40)  # the open cycle's proposal (anna's) is long past due
    result = platform.control.dashboard(actors["head"], Filters())
    rows = _rows(result)
    assert (rows["anna"].overdue, rows["boris"].overdue, result.department.overdue) == (1, 0, 1)
    assert result.department.incidents == 0


def test_each_dashboard_figure_lists_the_cycles_behind_it(platform: Reglament, actors, history) -> None:
    won = platform.control.dashboard_cycles(actors["head"], NOVEMBER, "won", None, "anna")
    assert [c.cycle_id for c in won.cycles] == [history["won"]] and won.cycles[0].amount == "500000.00"
    lost = platform.control.dashboard_cycles(actors["head"], NOVEMBER, "lost", None, None)
    assert {c.cycle_id for c in lost.cycles} == {history["lost"], history["refused"]}
    at = platform.control.dashboard_cycles(actors["head"], Filters(), "open", "Proposal", None)
    assert [c.cycle_id for c in at.cycles] == [history["open"]]
    with pytest.raises(InputInvalid):
        platform.control.dashboard_cycles(actors["head"], Filters(), "everything", None, None)


def test_a_manager_sees_his_own_dashboard_only(platform: Reglament, actors, history) -> None:
    result = platform.control.dashboard(actors["boris"], NOVEMBER)
    assert set(_rows(result)) == {"boris"} and result.department.lost == 1
    with pytest.raises(Forbidden):
        platform.control.dashboard(actors["boris"], Filters(manager="anna"))


def test_person_figures_off_leaves_the_department_only(platform: Reglament, actors, history) -> None:
    platform.settings = replace(platform.settings, person_figures=False)
    platform.motivation.save_plans(actors["head"], "2026-11", "actual", {"user:anna|revenue": "1000000"})
    result = platform.control.dashboard(actors["head"], NOVEMBER)
    assert result.managers == ()
    assert (result.department.won, result.department.plan) == (1, Decimal("1000000.00"))
    with pytest.raises(Forbidden):
        platform.control.dashboard(actors["head"], Filters(manager="anna"))


# ---------------------------------------------------------------- loss reasons

def _losses(result: LossReport) -> dict[str, tuple[int, dict[str, int], dict[str, int]]]:
    return {r.code: (r.count, dict(r.stages), dict(r.managers)) for r in result.reasons}


def test_losses_are_counted_by_the_catalogue_reason_their_text_names(platform: Reglament, actors, history) -> None:
    result = platform.control.losses(actors["alex"], Filters())
    # "No budget" and "Too expensive" are names of the starting catalogue
    assert _losses(result) == {"no_budget": (1, {"Qualification": 1}, {"boris": 1}),
                               "price": (1, {"Presentation": 1}, {"anna": 1})}
    assert result.total == 2 and [r.cumulative_share for r in result.reasons] == [0.5, 1.0]
    assert "not classified" in result.definition


def test_the_head_chooses_a_reason_and_an_unknown_text_is_not_classified(platform: Reglament, actors, history,
                                                                        clock: Clock) -> None:
    client = platform.clients.create_client(actors["anna"], "Vetoed Ltd")
    cid = int(platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale").id)
    step(platform, actors["anna"], cid, "Task_QualificationCall",
         {"contact_person": "Ivan", "result": "refused", "loss_reason": "Board vetoed the deal"})
    assert _losses(platform.control.losses(actors["head"], Filters()))["-"][0] == 1
    [vetoed] = platform.control.lost_cycles(actors["head"], Filters(), "-").cycles
    assert (vetoed.cycle_id, vetoed.loss_reason, vetoed.reason_id) == (cid, "Board vetoed the deal", None)
    competitor = next(r for r in platform.control.loss_reasons() if r.code == "competitor")
    platform.control.choose_loss_reason(actors["head"], cid, competitor.id)
    platform.control.choose_loss_reason(actors["head"], history["lost"], competitor.id)  # was "Too expensive"
    counts = {code: c[0] for code, c in _losses(platform.control.losses(actors["head"], Filters())).items()}
    assert counts == {"competitor": 2, "no_budget": 1}
    with pytest.raises(Forbidden):
        platform.control.choose_loss_reason(actors["anna"], cid, competitor.id)
    with pytest.raises(InputInvalid):
        platform.control.choose_loss_reason(actors["head"], history["won"], competitor.id)
    platform.control.choose_loss_reason(actors["head"], history["lost"], None)
    assert _losses(platform.control.losses(actors["head"], Filters()))["price"][0] == 1


def test_the_head_maintains_the_catalogue_with_translated_names(platform: Reglament, actors, history) -> None:
    saved = platform.control.save_loss_reason(actors["head"], "Legal_Veto", "Board vetoed the deal", "Вето совета")
    assert (saved.code, saved.name_ru) == ("legal_veto", "Вето совета")
    client = platform.clients.create_client(actors["anna"], "Vetoed Ltd")
    cid = int(platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale").id)
    step(platform, actors["anna"], cid, "Task_QualificationCall",
         {"contact_person": "Ivan", "result": "refused", "loss_reason": "вето совета"})
    assert _losses(platform.control.losses(actors["head"], Filters()))["legal_veto"][0] == 1
    with pytest.raises(InputInvalid) as taken:
        platform.control.save_loss_reason(actors["head"], "budget2", "no budget", "")
    assert "no_budget" in taken.value.details["fields"]["name"]
    with pytest.raises(InputInvalid) as bad:
        platform.control.save_loss_reason(actors["head"], "9 bad code", "", "x" * 201)
    assert set(bad.value.details["fields"]) == {"code", "name", "name_ru"}
    with pytest.raises(Forbidden):
        platform.control.save_loss_reason(actors["alex"], "x", "X", "")


def test_a_suspended_cycle_still_counts_as_open_on_the_dashboard(platform: Reglament, actors, history) -> None:
    december = Filters.parse({"from": "2026-12-01", "to": "2026-12-31"})
    before = _rows(platform.control.dashboard(actors["head"], december))["anna"].open
    platform.cockpit.suspend(actors["head"], history["open"], "the client asked for a pause")
    after = _rows(platform.control.dashboard(actors["head"], december))["anna"].open
    assert before == after == 1, "a paused sale is still an open sale"
