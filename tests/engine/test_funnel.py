"""The funnel by stage and cohort conversion, checked against a hand-computed fixed history
(tests/analytics_history.py): a loop back, won, lost, open and cancelled cycles."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from analytics_history import FUNNEL, build
from conftest import Clock

from engine.control.filters import Filters
from engine.platform.root import Reglament
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, InputInvalid

PARTS = ("advanced", "lost", "moved_back", "cancelled", "still_there")


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    return build(platform, actors, clock)


def _table(result: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    return {r.stage: (r.entered, *(r.part(p) for p in PARTS)) for r in result.stages}


def test_the_funnel_counts_every_stage_entry_and_its_parts_add_up(platform: Reglament, actors, history) -> None:
    result = platform.control.funnel(actors["alex"], Filters())
    assert _table(result) == FUNNEL
    assert [r.stage for r in result.stages] == list(FUNNEL), "stages in the regulation's order"
    for row in result.stages:
        assert row.entered == sum(row.part(p) for p in PARTS)
    assert "parts add up to the entries" in result.definition
    assert [p.key for p in result.parts] == list(PARTS)
    assert all(p.definition for p in result.parts)


def test_the_head_sees_the_same_funnel_and_a_manager_only_his_own_cycles(platform: Reglament, actors,
                                                                         history) -> None:
    assert _table(platform.control.funnel(actors["head"], Filters())) == FUNNEL
    anna = _table(platform.control.funnel(actors["anna"], Filters()))
    assert anna == {"Qualification": (3, 3, 0, 0, 0, 0), "Presentation": (3, 2, 1, 0, 0, 0),
                    "Proposal": (2, 1, 0, 0, 0, 1), "Negotiation": (2, 2, 0, 0, 0, 0),
                    "Contract": (2, 1, 0, 1, 0, 0), "Payment": (1, 1, 0, 0, 0, 0)}
    assert _table(platform.control.funnel(actors["boris"], Filters())) == {"Qualification": (2, 0, 1, 0, 1, 0)}
    with pytest.raises(Forbidden):
        platform.control.funnel(actors["boris"], Filters(manager="anna"))


def test_the_period_counts_entries_made_in_it(platform: Reglament, actors, history) -> None:
    december = _table(platform.control.funnel(actors["alex"], Filters.parse({"from": "2026-12-01", "to": "2026-12-31"})))
    assert december == {"Qualification": (2, 1, 0, 0, 1, 0), "Presentation": (1, 1, 0, 0, 0, 0),
                        "Proposal": (1, 0, 0, 0, 0, 1)}
    november = _table(platform.control.funnel(actors["alex"], Filters.parse({"to": "2026-11-30"})))
    assert november["Qualification"] == (3, 2, 1, 0, 0, 0)
    assert november["Proposal"] == (1, 1, 0, 0, 0, 0)


def test_filters_by_regulation_version_segment_team_and_manager(platform: Reglament, actors, history) -> None:
    alex = actors["alex"]
    follow_up = _table(platform.control.funnel(alex, Filters(regulation="follow_up", version=1)))
    assert follow_up == {"Qualification": (1, 0, 0, 0, 1, 0)}
    assert _table(platform.control.funnel(alex, Filters(regulation="new_client_sale", version=2))) == {}
    retail = _table(platform.control.funnel(alex, Filters(segment="Retail")))
    assert retail["Contract"] == (2, 1, 0, 1, 0, 0) and retail["Qualification"] == (1, 1, 0, 0, 0, 0)
    assert _table(platform.control.funnel(alex, Filters(manager="boris"))) == {"Qualification": (2, 0, 1, 0, 1, 0)}
    platform.organization.save_team(actors["head"], None, "North", "round_robin", [{"login": "boris"}])
    assert _table(platform.control.funnel(alex, Filters(team="North"))) == {"Qualification": (2, 0, 1, 0, 1, 0)}
    with pytest.raises(InputInvalid) as caught:
        platform.control.funnel(alex, Filters(segment="Aerospace", team="South"))
    assert set(caught.value.details["fields"]) == {"segment", "team"}


@pytest.mark.parametrize("args, field", [({"from": "yesterday"}, "from"), ({"from": "2026-12-02", "to": "2026-12-01"}, "to"),
                                         ({"version": "2"}, "version"), ({"regulation": "x", "version": "0"}, "version")])
def test_wrong_filters_name_the_field(args: dict[str, str], field: str) -> None:
    with pytest.raises(InputInvalid) as caught:
        Filters.parse(args)
    assert list(caught.value.details["fields"]) == [field]


def test_each_figure_drills_down_to_the_cycles_behind_it(platform: Reglament, actors, history) -> None:
    alex = actors["alex"]
    back = platform.control.funnel_cycles(alex, Filters(), "Contract", "moved_back")
    assert [c.cycle_id for c in back.cycles] == [history["won"]]
    assert back.definition.startswith("The cycle next came to an earlier stage")
    qualification = platform.control.funnel_cycles(alex, Filters(), "Qualification", None)
    assert sorted(c.cycle_id for c in qualification.cycles) == sorted(history.values())
    cancelled = platform.control.funnel_cycles(alex, Filters(), "Qualification", "cancelled")
    assert [(c.cycle_id, c.status) for c in cancelled.cycles] == [(history["ended"], "cancelled")]
    still = platform.control.funnel_cycles(actors["anna"], Filters(), "Proposal", "still_there")
    assert [c.client_name for c in still.cycles] == ["Open Ltd"]
    assert platform.control.funnel_cycles(actors["boris"], Filters(), "Proposal", "still_there").cycles == ()
    with pytest.raises(InputInvalid):
        platform.control.funnel_cycles(alex, Filters(), "Contract", "vanished")


def test_cohorts_show_what_became_of_the_cycles_started_each_month(platform: Reglament, actors, history) -> None:
    result = platform.control.cohorts(actors["alex"], Filters())
    rows = {r.month: (r.started, r.won, r.lost, r.cancelled, r.open) for r in result.cohorts}
    assert rows == {"2026-11": (3, 1, 2, 0, 0), "2026-12": (2, 0, 0, 1, 1)}
    november = result.cohorts[0]
    assert november.shares == {"won": 0.3333, "lost": 0.6667, "cancelled": 0.0, "open": 0.0}
    assert "started in one month" in result.definition
    only_december = platform.control.cohorts(actors["alex"], Filters.parse({"from": "2026-12-01"}))
    assert [r.month for r in only_december.cohorts] == ["2026-12"]
    anna = platform.control.cohorts(actors["anna"], Filters())
    assert {r.month: r.started for r in anna.cohorts} == {"2026-11": 2, "2026-12": 1}
    lost = platform.control.cohort_cycles(actors["alex"], Filters(), "2026-11", "lost")
    assert sorted(c.client_name for c in lost.cycles) == ["Lost Ltd", "Refused Ltd"]
    opened = platform.control.cohort_cycles(actors["alex"], Filters(), "2026-12", "open")
    assert [c.cycle_id for c in opened.cycles] == [history["open"]]
    with pytest.raises(InputInvalid):
        platform.control.cohort_cycles(actors["alex"], Filters(), "December", None)


def test_figures_of_one_person_can_be_switched_off(platform: Reglament, actors, history) -> None:
    platform.settings = replace(platform.settings, person_figures=False)
    with pytest.raises(Forbidden) as caught:
        platform.control.funnel(actors["head"], Filters(manager="anna"))
    assert "switched off" in caught.value.message
    assert _table(platform.control.funnel(actors["head"], Filters())) == FUNNEL, "the department's figures remain"
