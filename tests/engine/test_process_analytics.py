"""Process analytics per regulation version, against hand-computed numbers on the fixed history
(tests/analytics_history.py): the share of each branch at each gateway with the win rate
downstream, and two versions compared element by element after a regulation change."""
from __future__ import annotations

from typing import Any

import pytest
from analytics_history import build, second_version
from conftest import Clock

from engine.control.filters import Filters
from engine.control.heatmap import HeatMap
from engine.platform.root import Reglament
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    return build(platform, actors, clock)


def _branches(result: HeatMap) -> dict[str, dict[str, tuple[Any, ...]]]:
    """gateway -> flow -> (taken, share, cycles, win rate)."""
    return {g.element_id: {b.flow_id: (b.taken, b.share, b.cycles, b.win_rate) for b in g.branches}
            for g in result.gateways}


def test_each_gateway_gives_the_share_of_each_branch_and_the_win_rate_downstream(platform: Reglament, actors,
                                                                                   history) -> None:
    result = platform.control.heatmap(actors["alex"], Filters(regulation="new_client_sale"))
    found = _branches(result)
    # qualified: won, lost (later, at the presentation) and open; refused: the cycle refused at the call
    assert found["Gateway_Qualified"] == {"Flow_Qualified_Refused": (1, 0.25, 1, 0.0),
                                          "Flow_Qualified_Yes": (3, 0.75, 3, 0.5)}
    assert found["Gateway_Interested"] == {"Flow_Interested_Refused": (1, 0.3333, 1, 0.0),
                                           "Flow_Interested_Yes": (2, 0.6667, 2, 1.0)}
    # the won cycle's contract was not approved once: back to the negotiation, then approved
    assert found["Gateway_Approved"] == {"Flow_Approved_No": (1, 0.5, 1, 1.0), "Flow_Approved_Yes": (1, 0.5, 1, 1.0)}
    assert found["Gateway_Agreed"] == {"Flow_Agreed_Refused": (0, 0.0, 0, None), "Flow_Agreed_Yes": (2, 1.0, 1, 1.0)}
    passes = {g.element_id: (g.passes, g.not_yet) for g in result.gateways}
    assert passes["Gateway_Qualified"] == (4, 0) and passes["Gateway_Approved"] == (2, 0)
    assert "win rate downstream" in result.gateway_definition
    anna = _branches(platform.control.heatmap(actors["anna"], Filters(regulation="new_client_sale")))
    assert anna["Gateway_Qualified"] == {"Flow_Qualified_Refused": (0, 0.0, 0, None),
                                         "Flow_Qualified_Yes": (3, 1.0, 3, 0.5)}


def test_two_versions_compare_element_by_element(platform: Reglament, actors, history, clock) -> None:
    second_version(platform, actors, clock)
    found = platform.control.compare(actors["alex"], Filters(regulation="new_client_sale"), None)
    assert (found.before.version, found.after.version) == (1, 2)
    # version 1: won, lost, refused (lost) and open; decided after 11, 2 and 1 hours
    assert (found.before.cycles, found.before.won, found.before.lost) == (4, 1, 2)
    assert (found.after.cycles, found.after.won, found.after.lost) == (2, 1, 1)
    assert (found.win_rate.before, found.win_rate.after, found.win_rate.change) == (0.3333, 0.5, 0.1667)
    # nearest-rank medians: of 1, 2, 11 hours and of 4, 18 hours
    assert (found.decision_p50_hours.before, found.decision_p50_hours.after) == (2.0, 4.0)
    assert found.decision_p50_hours.change == 2.0
    negotiation = {e.element_id: e for e in found.elements}["Task_Negotiation"].figures
    assert (negotiation["rework"].before, negotiation["rework"].after, negotiation["rework"].change) == (1.0, 0.0, -1.0)
    assert (negotiation["owned_p50_hours"].before, negotiation["owned_p50_hours"].after) == (1.0, 2.0)
    assert negotiation["owned_p50_hours"].change == 1.0
    qualification = {e.element_id: e for e in found.elements}["Task_QualificationCall"].figures
    assert (qualification["cycles"].before, qualification["cycles"].after) == (4.0, 2.0)
    assert "win rate = won / (won + lost)" in found.definition
    explicit = platform.control.compare(actors["alex"], Filters(regulation="new_client_sale", version=1), 2)
    assert (explicit.before.version, explicit.after.version) == (2, 1)
    assert explicit.win_rate.change == -0.1667


def test_a_first_version_has_nothing_to_compare_with(platform: Reglament, actors, history) -> None:
    with pytest.raises(InputInvalid) as caught:
        platform.control.compare(actors["alex"], Filters(regulation="new_client_sale"), None)
    assert list(caught.value.details["fields"]) == ["before"]
    with pytest.raises(InputInvalid):
        platform.control.compare(actors["alex"], Filters(regulation="new_client_sale"), 1)
