"""The strategies by which a team gives a new client to one of its members, as pure functions.

Each takes the team's seats in member order (who, his credit, share and load, whether he is
available) and returns the turn: who gets the client (None: nobody available), every seat's
credit after the turn, and whom the turn passed over. Nothing here reads or writes the
database; engine.organization.distribution reads the team, calls a strategy and stores the
credits.

- round_robin: the turn goes round in member order. A seat's credit is the team's lead number
  it last received, so the next turn is the first available seat after the one with the
  highest credit; unavailable seats lose the turns that come to them (no catch-up burst).
- weighted: smooth weighted round robin by share: each available seat's credit grows by its
  share, the highest credit (the earlier seat on a tie) takes the client and gives back the
  total of the available shares. Unavailable seats neither earn credit nor keep it (0).
- least_loaded: the available seat with the fewest active clients (the earlier seat on a tie).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Seat:
    member: int  # who (a user id)
    credit: int = 0
    share: int = 1
    load: int = 0  # active clients
    available: bool = True


@dataclass(frozen=True)
class Turn:
    chosen: int | None  # the member who gets the client
    credits: dict[int, int]  # every seat's credit after the turn
    passed: tuple[int, ...]  # unavailable members the turn passed over (round robin: in turn order)


def round_robin(seats: Sequence[Seat]) -> Turn:
    credits = {s.member: s.credit for s in seats}
    latest = max((s.credit for s in seats), default=0)
    start = 0
    if latest > 0:
        start = next(i for i, s in enumerate(seats) if s.credit == latest) + 1
    passed: list[int] = []
    for seat in [*seats[start:], *seats[:start]]:
        if seat.available:
            credits[seat.member] = latest + 1
            return Turn(seat.member, credits, tuple(passed))
        passed.append(seat.member)
    return Turn(None, credits, tuple(passed))


def weighted(seats: Sequence[Seat]) -> Turn:
    credits = {s.member: (s.credit + s.share if s.available else 0) for s in seats}
    available = [(i, s) for i, s in enumerate(seats) if s.available]
    passed = tuple(s.member for s in seats if not s.available)
    if not available:
        return Turn(None, credits, passed)
    _, chosen = max(available, key=lambda pair: (credits[pair[1].member], -pair[0]))
    credits[chosen.member] -= sum(s.share for _, s in available)
    return Turn(chosen.member, credits, passed)


def least_loaded(seats: Sequence[Seat]) -> Turn:
    credits = {s.member: s.credit for s in seats}
    available = [(i, s) for i, s in enumerate(seats) if s.available]
    passed = tuple(s.member for s in seats if not s.available)
    if not available:
        return Turn(None, credits, passed)
    _, chosen = min(available, key=lambda pair: (pair[1].load, pair[0]))
    return Turn(chosen.member, credits, passed)


STRATEGIES: dict[str, Callable[[Sequence[Seat]], Turn]] = {
    "round_robin": round_robin, "weighted": weighted, "least_loaded": least_loaded,
}
