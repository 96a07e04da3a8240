"""Durations against norms, Kaplan–Meier time to decision and managers side by side, checked
against the hand-computed fixed history of tests/analytics_history.py:

  won      started 26 Nov 09:00, won 20:00 (11 h)      lost    09:00 -> 11:00 (2 h)
  refused  09:00 -> 10:00 (1 h)                        open    2 Dec 20:00, open at 21:00 (censored, 1 h)
  ended    2 Dec 20:00 -> 21:00 cancelled (censored, 1 h)
Kaplan–Meier: at 1 h 5 at risk, 1 decision: S = 0.8; at 2 h 2 at risk, 1 decision: S = 0.4 <= 0.5,
so the median time to decision is 2 h. Every Qualification stay lasted 1 h.
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from analytics_history import build
from conftest import Clock

from engine.control.durations import km_median, percentile
from engine.control.filters import Filters
from engine.control.managers import wilson
from engine.platform.root import Reglament
from engine.regulation import work_types
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, InputInvalid

NOVEMBER = Filters.parse({"from": "2026-11-01", "to": "2026-11-30"})


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    with platform.command() as s:
        work_types.ensure_defaults(s)
    return build(platform, actors, clock)


def test_time_to_decision_is_a_kaplan_meier_median_counting_open_cycles(platform: Reglament, actors,
                                                                         history) -> None:
    decision = platform.control.durations(actors["alex"], Filters()).decision
    assert (decision.decided, decision.censored) == (3, 2)
    assert decision.km_median_hours == 2.0
    assert (decision.p50_decided_hours, decision.p50_won_hours) == (2.0, 11.0)


def test_time_in_stage_counts_stays_still_going_as_censored(platform: Reglament, actors, history) -> None:
    stages = {r.stage: r for r in platform.control.durations(actors["alex"], Filters()).stages}
    qualification = stages["Qualification"]
    assert (qualification.finished, qualification.going) == (5, 0)
    assert (qualification.p50_hours, qualification.p90_hours, qualification.km_median_hours) == (1.0, 1.0, 1.0)
    proposal = stages["Proposal"]
    assert (proposal.finished, proposal.going, proposal.p50_hours) == (1, 1, 1.0)
    assert list(stages)[:2] == ["Qualification", "Presentation"], "the regulation's order"


def test_tasks_are_measured_against_their_due_time(platform: Reglament, actors, history, clock: Clock) -> None:
    tasks = {t.element_id: t for t in platform.control.durations(actors["alex"], Filters()).tasks}
    call = tasks["Task_QualificationCall"]
    assert (call.completed, call.open, call.owned_p50_hours, call.overdue_share) == (4, 0, 1.0, 0.0)
    assert call.norm_hours is not None and call.norm_hours > 1.0
    demo = tasks["Task_PrepareDemo"]  # a Presales group task: waited an hour in the queue, then claimed and done
    assert (demo.waiting_p50_hours, demo.owned_p50_hours, demo.completed) == (1.0, 0.0, 3)
    assert tasks["Task_Proposal"].open == 1


def test_the_estimators_on_known_numbers() -> None:
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3 and percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert percentile([], 0.5) is None
    assert km_median([1, 2, 11], [1, 1]) == 2.0
    assert km_median([1], [5, 6, 7]) is None, "survival never falls to one half: no median yet"
    assert wilson(1, 2) == (0.0945, 0.9055) and wilson(0, 0) is None


def test_managers_side_by_side_with_intervals_and_shrinkage(platform: Reglament, actors, history) -> None:
    platform.motivation.save_plans(actors["head"], "2026-11", "actual",
                                   {"user:anna|revenue": "1000000", "user:anna|wt:call": "10"})
    result = platform.control.managers(actors["head"], NOVEMBER)
    rows = {r.login: r for r in result.managers}
    anna, boris = rows["anna"], rows["boris"]
    assert result.department_conversion == 0.3333
    assert (anna.won, anna.lost, anna.conversion, anna.interval) == (1, 1, 0.5, (0.0945, 0.9055))
    assert (anna.shrunk, boris.shrunk, boris.conversion) == (0.3611, 0.303, 0.0)
    assert anna.cycle_days_p50 == 0.1  # the lost cycle's 2 h; the won one took 11 h
    assert anna.activity["call"] == 4 and anna.targets == {"call": 10}  # two qualification calls, two negotiations
    assert str(anna.attainment) == "50.0" and boris.plan is None
    assert "Wilson" in result.definition


def test_managers_obey_person_figures_and_a_manager_sees_himself(platform: Reglament, actors, history) -> None:
    mine = platform.control.managers(actors["boris"], NOVEMBER)
    assert [r.login for r in mine.managers] == ["boris"]
    platform.settings = replace(platform.settings, person_figures=False)
    with pytest.raises(Forbidden):
        platform.control.managers(actors["head"], NOVEMBER)


def test_variants_collapse_loops_and_end_in_the_outcome(platform: Reglament, actors, history) -> None:
    found = platform.control.variants(actors["alex"], Filters())
    by_path = {(" > ".join(v.tasks), v.end): v for v in found.variants}
    won = ("Qualification call > Prepare demo > Hold presentation > Send commercial proposal > Negotiate terms > "
           "Review contract > Sign contract > Issue invoice > Confirm payment", "won")
    assert by_path[won].cycles == 1 and by_path[won].p50_hours == 11.0, "the negotiation loop is collapsed"
    assert by_path[("Qualification call > Prepare demo > Hold presentation", "lost")].p50_hours == 2.0
    assert ("Qualification call > Prepare demo > Hold presentation", "open") in by_path
    assert by_path[("Qualification call", "lost")].win_rate == 0.0
    assert found.cycles == 5 and sum(v.share for v in found.variants) == 1.0


def test_the_heat_map_counts_cycles_runs_and_rework_per_element(platform: Reglament, actors, history) -> None:
    found = platform.control.heatmap(actors["alex"], Filters(regulation="new_client_sale"))
    assert (found.regulation, found.version) == ("new_client_sale", 1)
    call, negotiation = found.elements["Task_QualificationCall"], found.elements["Task_Negotiation"]
    assert (call.cycles, call.runs, call.rework, call.heat) == (4, 4, 0.0, 5)
    assert (negotiation.cycles, negotiation.runs, negotiation.rework, negotiation.heat) == (1, 2, 1.0, 1)
    assert negotiation.name == "Negotiate terms" and negotiation.owned_p50_hours == 1.0
    with pytest.raises(InputInvalid):
        platform.control.heatmap(actors["alex"], Filters(regulation="new_client_sale", version=9))
