"""The demo's year of history (engine/demo/history.py): made through the engine under a moving
clock, deterministic, and showing what it claims (loss reasons from the catalogue, real
durations, anna converting better than boris, open cycles at the end)."""
from __future__ import annotations

from datetime import timedelta

from engine.control.filters import Filters
from engine.demo.history import load_history
from engine.platform.root import Reglament


def test_a_year_of_history_gives_every_report_something_true(platform: Reglament, actors) -> None:
    made = load_history(platform)
    assert made["history_cycles"] == 132 and made["history_won"] > 20 and made["history_lost"] > 20
    head = actors["head"]
    cohorts = platform.control.cohorts(head, Filters()).cohorts
    assert len(cohorts) >= 12, "cycles started in every month of the year"
    losses = platform.control.losses(head, Filters())
    assert losses.total == made["history_lost"]
    assert "-" not in {r.code for r in losses.reasons}, "every loss names a catalogue reason"
    decision = platform.control.durations(head, Filters()).decision
    assert decision.km_median_hours is not None and decision.km_median_hours > 24 * 7
    rows = {r.login: r for r in platform.control.managers(head, Filters.parse({"from": "2025-01-01"})).managers}
    anna, boris = rows["anna"].conversion, rows["boris"].conversion
    assert anna is not None and boris is not None and anna > boris
    dashboard = platform.control.dashboard(head, Filters())
    assert dashboard.department.open > 0 and dashboard.pipeline


def test_a_month_of_history_starts_its_cycles_within_the_month(platform: Reglament, actors, clock) -> None:
    made = load_history(platform, months=1)
    assert (made["history_clients"], made["history_cycles"]) == (11, 11)
    cycles = platform.control.dashboard_cycles(actors["head"], Filters(), "open", None, None).cycles
    started = [c.started_at for c in cycles]
    assert all(s >= (clock.now - timedelta(days=30)).isoformat()[:10] for s in started)
