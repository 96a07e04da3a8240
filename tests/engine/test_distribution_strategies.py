"""The distribution strategies as pure functions (engine/organization/strategies.py): tables of
seats in, the member chosen, the credits after and whom the turn passed over out; and runs of
many turns, as a team sees them, with members away and back."""
from __future__ import annotations

from collections import Counter

import pytest

from engine.organization.strategies import STRATEGIES, Seat, Turn, least_loaded, round_robin, weighted

A, B, C, D = 1, 2, 3, 4


@pytest.mark.parametrize(("seats", "turn"), [
    # a new team: the first member
    ([Seat(A), Seat(B), Seat(C)], Turn(A, {A: 1, B: 0, C: 0}, ())),
    # after the one who got the last lead (highest credit)
    ([Seat(A, 1), Seat(B, 0), Seat(C, 0)], Turn(B, {A: 1, B: 2, C: 0}, ())),
    ([Seat(A, 4), Seat(B, 5), Seat(C, 6)], Turn(A, {A: 7, B: 5, C: 6}, ())),
    # an absent member loses his turn and is named as passed over
    ([Seat(A, 1), Seat(B, 0, available=False), Seat(C, 0)], Turn(C, {A: 1, B: 0, C: 2}, (B,))),
    ([Seat(A, 2), Seat(B, 3), Seat(C, 1, available=False), Seat(D, 0, available=False)],
     Turn(A, {A: 4, B: 3, C: 1, D: 0}, (C, D))),
    # nobody available: nobody, credits unchanged, everybody passed over in turn order
    ([Seat(A, 1, available=False), Seat(B, 2, available=False)], Turn(None, {A: 1, B: 2}, (A, B))),
    ([], Turn(None, {}, ())),
])
def test_round_robin(seats: list[Seat], turn: Turn) -> None:
    assert round_robin(seats) == turn


@pytest.mark.parametrize(("seats", "turn"), [
    # equal shares: the earlier member on a tie
    ([Seat(A), Seat(B)], Turn(A, {A: -1, B: 1}, ())),
    ([Seat(A, -1), Seat(B, 1)], Turn(B, {A: 0, B: 0}, ())),
    # share 3 against 1: credit grows by the share
    ([Seat(A, 0, 3), Seat(B, 0, 1)], Turn(A, {A: -1, B: 1}, ())),
    ([Seat(A, -1, 3), Seat(B, 1, 1)], Turn(A, {A: -2, B: 2}, ())),
    ([Seat(A, 1, 3), Seat(B, 3, 1)], Turn(A, {A: 0, B: 4}, ())),  # 4 and 4: the earlier
    # an absent member keeps no credit, the total given back is of the available shares only
    ([Seat(A, 5, 1, available=False), Seat(B, -2, 1), Seat(C, 1, 2)], Turn(C, {A: 0, B: -1, C: 0}, (A,))),
    ([Seat(A, 5, available=False)], Turn(None, {A: 0}, (A,))),
])
def test_weighted(seats: list[Seat], turn: Turn) -> None:
    assert weighted(seats) == turn


@pytest.mark.parametrize(("seats", "turn"), [
    ([Seat(A, load=3), Seat(B, load=1), Seat(C, load=2)], Turn(B, {A: 0, B: 0, C: 0}, ())),
    ([Seat(A, load=1), Seat(B, load=1)], Turn(A, {A: 0, B: 0}, ())),  # a tie: the earlier member
    ([Seat(A, load=0, available=False), Seat(B, load=5), Seat(C, load=4)], Turn(C, {A: 0, B: 0, C: 0}, (A,))),
    ([Seat(A, available=False)], Turn(None, {A: 0}, (A,))),
])
def test_least_loaded(seats: list[Seat], turn: Turn) -> None:
    assert least_loaded(seats) == turn


def run(strategy: str, members: list[int], turns: int, shares: dict[int, int] | None = None,
        away: dict[int, range] | None = None) -> list[int | None]:
    """Who gets each of ``turns`` clients, credits and loads carried from turn to turn."""
    credits = dict.fromkeys(members, 0)
    loads = dict.fromkeys(members, 0)
    chosen: list[int | None] = []
    for number in range(turns):
        seats = [Seat(m, credits[m], (shares or {}).get(m, 1), loads[m],
                      number not in (away or {}).get(m, range(0))) for m in members]
        turn = STRATEGIES[strategy](seats)
        credits = turn.credits
        if turn.chosen is not None:
            loads[turn.chosen] += 1
        chosen.append(turn.chosen)
    return chosen


def test_round_robin_goes_round_and_a_member_back_from_absence_waits_for_his_turn() -> None:
    assert run("round_robin", [A, B, C], 6) == [A, B, C, A, B, C]
    # B is away for the turns 1-4: no catch-up burst when he is back
    assert run("round_robin", [A, B, C], 8, away={B: range(1, 5)}) == [A, C, A, C, A, B, C, A]


def test_weighted_gives_by_share_smoothly_and_without_a_burst_after_an_absence() -> None:
    chosen = run("weighted", [A, B, C], 60, shares={A: 3, B: 2, C: 1})
    assert Counter(chosen) == {A: 30, B: 20, C: 10}
    assert chosen[:6] == [A, B, A, C, B, A]  # interleaved, not three A in a row
    back = run("weighted", [A, B], 12, away={B: range(0, 6)})
    assert back[:6] == [A] * 6 and Counter(back[6:]) == {A: 3, B: 3}


def test_least_loaded_evens_out_the_loads() -> None:
    chosen = run("least_loaded", [A, B, C], 9, away={C: range(0, 3)})
    assert chosen[:3] == [A, B, A]
    assert chosen[3:6] == [C, B, C]  # C back: the least loaded, ties to the earlier member
    assert Counter(chosen) == {A: 3, B: 3, C: 3}
