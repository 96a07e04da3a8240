"""Users see and enter times in their own time zone; storage stays UTC."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from storage.models import User


@pytest.fixture
def anna_in_vladivostok(platform) -> Iterator[None]:
    def set_zone(zone: str | None) -> str | None:
        with platform.command() as s:
            user = s.query(User).filter_by(login="anna").one()
            before, user.timezone = user.timezone, zone
            return before

    before = set_zone("Asia/Vladivostok")  # UTC+10, no daylight saving
    yield
    set_zone(before)  # users outlive a test: she follows the organization's zone again


def test_a_planned_time_is_read_and_shown_in_the_users_zone(client, login, platform, actors,
                                                            anna_in_vladivostok) -> None:
    anna = actors["anna"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Far East Ltd").id, "new_client_sale")
    task = platform.regulation.inbox(anna, cycle_id=cycle.id)[0][0]
    login(client, "anna")
    assert client.post(f"/tasks/{task.id}/plan", data={"planned_at": "2026-11-27T08:00"}).status_code == 302
    stored = platform.regulation.task(platform.accounts.actor(anna.id), task.id)[0].planned_at
    assert stored == datetime(2026, 11, 26, 22, 0, tzinfo=UTC), "08:00 in Vladivostok is 22:00 UTC"
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'value="2026-11-27T08:00"' in page, "the form shows the time as she typed it"


def test_history_times_are_shown_in_the_users_zone(client, login, platform, actors, anna_in_vladivostok) -> None:
    anna = actors["anna"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Clocks Ltd").id, "new_client_sale")
    login(client, "anna")
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    # the test clock stands at 09:00 UTC on 26 Nov, which is 19:00 in Vladivostok
    assert "7:00\u202fPM" in page or "7:00 PM" in page or "19:00" in page
    assert "9:00\u202fAM" not in page and "9:00 AM" not in page
