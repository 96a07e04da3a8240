"""The private calendar feed: a user's planned and due work as iCalendar, behind a secret URL
that a new one revokes."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from engine.planning import calendar_feed
from engine.platform.root import Reglament
from storage.models import Activity


def _feed_url(client, login, who: str) -> str:
    login(client, who)
    page = client.get("/profile").get_data(as_text=True)
    found = re.search(r'id="feed-url" class="feed-url" value="([^"]+)"', page)
    assert found, "no feed URL on the profile page"
    return found.group(1).replace("http://localhost", "")


def _events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def _first_task(platform: Reglament, who, client_name: str):
    """``who`` starts a sale with a new client of theirs; returns its first task (theirs)."""
    cycle = platform.regulation.start_cycle(who, platform.clients.create_client(who, client_name).id, "new_client_sale")
    return platform.regulation.inbox(who, cycle_id=cycle.id)[0][0]


def test_the_feed_has_planned_and_due_tasks_and_planned_contacts(client, login, platform, actors, clock,
                                                                  profiles) -> None:
    anna = actors["anna"]
    platform.accounts.update_profile(anna, "", "Europe/Moscow", "en")
    planned = _first_task(platform, anna, "Planned Ltd")
    planned_at = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    platform.planning.plan_task(anna, planned.id, planned_at)
    platform.regulation.save_work_type(actors["head"], "call", "Call", "P2D")
    due = _first_task(platform, anna, "Due Ltd")  # due 2026-11-28 09:00 UTC
    platform.regulation.save_work_type(actors["head"], "call", "Call", None)
    _first_task(platform, anna, "Undated Ltd")  # neither planned nor due: not in the calendar
    _first_task(platform, actors["boris"], "Boris Ltd")
    contact_client = platform.clients.create_client(anna, "Contact Ltd")
    with platform.command() as s:
        activity = Activity(client_id=contact_client.id, assignee="anna", work_type="meeting",
                            note="Bring the contract, two copies", created_by="anna",
                            planned_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
        s.add(activity)
        s.flush()
        activity_id = activity.id

    response = client.get(_feed_url(client, login, "anna"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Moscow"
    assert str(calendar["X-WR-CALNAME"]) == "Reglament — Anna Smirnova"
    events = _events(response)
    assert set(events) == {f"task-{planned.id}@reglament", f"task-{due.id}@reglament",
                           f"activity-{activity_id}@reglament"}
    first = events[f"task-{planned.id}@reglament"]
    assert first.decoded("DTSTART") == planned_at and first.decoded("DTEND") == planned_at + timedelta(minutes=30)
    assert str(first["SUMMARY"]) == "Qualification call — Planned Ltd"
    assert "Stage: Qualification" in str(first["DESCRIPTION"])
    assert f"http://localhost/tasks/{planned.id}" in str(first["DESCRIPTION"])
    second = events[f"task-{due.id}@reglament"]
    assert second.decoded("DTSTART") == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert "Due: 2026-11-28 12:00 (Europe/Moscow)" in str(second["DESCRIPTION"])
    meeting = events[f"activity-{activity_id}@reglament"]
    assert str(meeting["SUMMARY"]) == "meeting — Contact Ltd"
    assert "Note: Bring the contract, two copies" in str(meeting["DESCRIPTION"])
    assert meeting.decoded("DTSTART") == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    # the same items keep their UIDs from one fetch to the next
    assert set(_events(client.get(_feed_url(client, login, "anna")))) == set(events)


def test_a_wrong_token_or_user_is_not_found(client, login, platform, actors) -> None:
    url = _feed_url(client, login, "anna")
    anna_id = actors["anna"].id
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    anonymous = client.application.test_client()
    assert anonymous.get(url).status_code == 200  # no login needed: the token is the secret
    assert anonymous.get(f"/calendar/{anna_id}/{token[:-1]}x.ics").status_code == 404
    assert anonymous.get(f"/calendar/{actors['boris'].id}/{token}.ics").status_code == 404
    assert anonymous.get(f"/calendar/999999/{token}.ics").status_code == 404


def test_a_new_url_revokes_the_old_one(client, login, profiles) -> None:
    old = _feed_url(client, login, "anna")
    response = client.post("/profile/calendar")
    assert response.status_code == 302
    new = _feed_url(client, login, "anna")
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_long_and_awkward_text_is_folded_and_escaped(client, login, platform, actors, profiles) -> None:
    anna = actors["anna"]
    name = "Smith, Jones; Partners \\ Co — «Северное сияние» " + "очень длинное название " * 4
    task = _first_task(platform, anna, name.strip())
    platform.planning.plan_task(anna, task.id, datetime(2026, 11, 30, 7, 0, tzinfo=UTC))
    response = client.get(_feed_url(client, login, "anna"))
    raw = response.data
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 75
    assert b"Smith\\, Jones\\; Partners \\\\ Co" in raw.replace(b"\r\n ", b"")
    [event] = _events(response).values()
    assert str(event["SUMMARY"]) == f"Qualification call — {name.strip()}"


@pytest.mark.parametrize("line", ["", "SUMMARY:short", "DESCRIPTION:" + "я" * 100, "X:" + "a" * 200,
                                  "SUMMARY:" + "€" * 37 + "a"])
def test_folding_keeps_each_line_within_75_octets_and_unfolds_to_the_original(line: str) -> None:
    folded = calendar_feed.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_escaping_text_values() -> None:
    assert calendar_feed.escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
