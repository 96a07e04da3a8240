"""Notifications and the profile in the browser pages and the API: the bell's count in the
header, the list, opening one, marking all read; e-mail, time zone and language settings."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from engine.platform.root import Reglament


def _page(response: Any) -> str:
    return response.get_data(as_text=True)


def _unread_badge(page: str) -> str | None:
    found = re.search(r'id="unread-count">([^<]*)<', page)
    return found.group(1) if found else None


def _items(page: str) -> list[tuple[str, str]]:
    """(read state, visible text) of each notification on the page, top to bottom."""
    items = re.findall(r'<li class="notification kind-\S+ (unread|read)".*?</li>', page, re.S)
    texts = [" ".join(unescape(re.sub(r"<[^>]+>", " ", block)).split())
             for block in re.findall(r'<li class="notification .*?</li>', page, re.S)]
    return list(zip(items, texts))


@pytest.fixture
def two_new_tasks(platform: Reglament, actors) -> list[str]:
    """The head starts two sales for anna's clients: two tasks reach her. Returns their ids."""
    head, ids = actors["head"], []
    for name in ("Older Ltd", "Newer Ltd"):
        cycle = platform.regulation.start_cycle(head, platform.clients.create_client(head, name, owner="anna").id, "new_client_sale")
        ids.append(platform.regulation.inbox(actors["anna"], cycle_id=cycle.id)[0][0].id)
    return ids


def test_the_header_counts_unread_notifications_and_links_to_them(client, login, two_new_tasks) -> None:
    login(client, "anna")
    page = _page(client.get("/inbox"))
    assert _unread_badge(page) == "2"
    assert 'href="/notifications"' in page and 'aria-label="Notifications: 2 unread"' in page
    other = client.application.test_client()
    login(other, "boris")
    assert _unread_badge(_page(other.get("/inbox"))) is None


def test_the_list_shows_newest_first_and_opening_one_marks_it_read(client, login, two_new_tasks) -> None:
    older, newer = two_new_tasks
    login(client, "anna")
    page = _page(client.get("/notifications"))
    items = _items(page)
    assert [state for state, _ in items] == ["unread", "unread"]
    assert "“Qualification call” for Newer Ltd is assigned to you" in items[0][1]
    assert "“Qualification call” for Older Ltd is assigned to you" in items[1][1]
    first_id = re.search(r'data-id="(\d+)"', page).group(1)  # type: ignore[union-attr]
    opened = client.get(f"/notifications/{first_id}")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/tasks/{newer}"
    page = _page(client.get("/notifications"))
    assert [state for state, _ in _items(page)] == ["read", "unread"]
    assert _unread_badge(page) == "1"
    unread = _items(_page(client.get("/notifications?unread=1")))
    assert len(unread) == 1 and "Older Ltd" in unread[0][1]
    assert older != newer


def test_mark_all_read_clears_the_count(client, login, two_new_tasks) -> None:
    login(client, "anna")
    assert 'id="mark-all-read"' in _page(client.get("/notifications"))
    response = client.post("/notifications/read", data={"next": "/inbox"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    page = _page(client.get("/notifications"))
    assert _unread_badge(page) is None and 'id="mark-all-read"' not in page
    assert [state for state, _ in _items(page)] == ["read", "read"]


def test_someone_elses_notification_is_not_found(client, login, two_new_tasks, platform, actors) -> None:
    note_id = platform.notify.notifications(actors["anna"])[0].id
    login(client, "boris")
    assert client.get(f"/notifications/{note_id}").status_code == 404
    assert platform.notify.unread_notifications(actors["anna"]) == 2


def test_an_empty_list_says_so(client, login) -> None:
    login(client, "anna")
    assert 'class="empty"' in _page(client.get("/notifications"))


def test_the_api_lists_notifications_and_marks_them_read(api, two_new_tasks, platform, actors) -> None:
    anna = api("anna")
    listed = anna.get("/api/v1/notifications").get_json()
    assert [(n["kind"], n["data"]["client"], n["read_at"]) for n in listed] == [
        ("assigned", "Newer Ltd", None), ("assigned", "Older Ltd", None)]
    assert listed[0]["link"] == f"/tasks/{two_new_tasks[1]}"
    marked = anna.post("/api/v1/notifications/read", json={"ids": [listed[1]["id"]]}).get_json()
    assert marked == {"status": "read", "marked": 1, "unread": 1}
    assert [n["data"]["client"] for n in anna.get("/api/v1/notifications?unread=1").get_json()] == ["Newer Ltd"]
    assert anna.post("/api/v1/notifications/read", json={"all": True}).get_json()["unread"] == 0


@pytest.mark.parametrize("body", [{}, {"ids": "1"}, {"ids": [True]}, {"all": "yes"}])
def test_the_api_refuses_a_read_request_without_ids_or_all(api, body) -> None:
    response = api("anna").post("/api/v1/notifications/read", json=body)
    assert response.status_code == 422 and response.get_json()["error"] == "invalid"


def test_the_api_needs_a_token_for_notifications(client) -> None:
    response = client.get("/api/v1/notifications")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthenticated"


# ---------------------------------------------------------------- profile

def test_the_name_in_the_header_opens_the_profile(client, login) -> None:
    login(client, "anna")
    page = _page(client.get("/inbox"))
    assert re.search(r'<a class="who[^"]*" href="/profile"[^>]*>Anna Smirnova</a>', page)
    profile = _page(client.get("/profile"))
    assert 'id="profile-form"' in profile and 'value="Anna Smirnova"' in profile
    assert '<option value="Europe/Moscow"' in profile and 'id="feed-url"' in profile


def test_a_user_saves_e_mail_time_zone_and_language(client, login, platform, actors, profiles) -> None:
    login(client, "anna")
    response = client.post("/profile", data={"email": " anna@example.com ", "timezone": "Asia/Yekaterinburg",
                                             "locale": "ru"})
    assert response.status_code == 302
    saved = platform.accounts.profile(actors["anna"])
    assert (saved.email, saved.timezone, saved.locale) == ("anna@example.com", "Asia/Yekaterinburg", "ru")
    page = _page(client.get("/profile"))
    assert '<html lang="ru">' in page and 'list="p-timezones" value="Asia/Yekaterinburg"' in page


@pytest.mark.parametrize("form, bad, good", [
    ({"email": "anna at example", "timezone": "Europe/Moscow", "locale": "en"}, "email", "timezone"),
    ({"email": "anna@example.com", "timezone": "Mars/Olympus", "locale": "en"}, "timezone", "email"),
])
def test_profile_errors_name_the_field_and_save_nothing(client, login, platform, actors, profiles,
                                                        form, bad, good) -> None:
    login(client, "anna")
    before = platform.accounts.profile(actors["anna"])
    response = client.post("/profile", data=form)
    page = _page(response)
    assert response.status_code == 422
    assert f'id="p-{bad}-error"' in page and f'id="p-{good}-error"' not in page
    assert platform.accounts.profile(actors["anna"]) == before


def test_the_engine_names_the_bad_fields(platform, actors, profiles) -> None:
    from engine.shared.errors import InputInvalid

    with pytest.raises(InputInvalid) as caught:
        platform.accounts.update_profile(actors["anna"], "not-an-address", "Nowhere/Town", "de")
    assert set(caught.value.details["fields"]) == {"email", "timezone", "locale"}
    assert "email" in caught.value.message and "timezone" in caught.value.message


@pytest.mark.parametrize("kind, data, sentence", [
    ("assigned", {"task": "Call", "client": "Kind Ltd"}, "New task “Call” for Kind Ltd is assigned to you"),
    ("group", {"task": "Call", "client": "Kind Ltd"}, "Group queue “Call” for Kind Ltd waits in your group’s queue"),
    ("escalation", {"task": "Call", "client": "Kind Ltd"}, "Escalation “Call” for Kind Ltd needs your decision"),
    ("reminder", {"task": "Call", "client": "Kind Ltd"}, "Reminder “Call” for Kind Ltd waits for you"),
    ("due_soon", {"task": "Call", "client": "Kind Ltd", "due_at": "2026-11-27T10:00:00+00:00"},
     "“Call” for Kind Ltd is due"),
    ("due_soon", {"activity_id": 1, "work_type": "meeting", "client": "Kind Ltd",
                  "planned_at": "2026-11-27T10:00:00+00:00"}, "Planned meeting with Kind Ltd at"),
    ("overdue", {"task": "Call", "client": "Kind Ltd", "due_at": "2026-11-25T10:00:00+00:00"},
     "“Call” for Kind Ltd is overdue since"),
    ("contact_due", {"activity_id": 1, "work_type": "meeting", "client": "Kind Ltd",
                     "planned_at": "2026-11-25T10:00:00+00:00"}, "Planned meeting with Kind Ltd was due"),
    ("forgotten_client", {"client_name": "Kind Ltd", "days": 12, "max_days": 7, "stage": "Proposal"},
     "No contact with Kind Ltd for 12 days (the norm at Proposal is 7)"),
])
def test_each_kind_reads_as_its_own_sentence(client, login, platform, clock, kind, data, sentence) -> None:
    from engine.notify.notifications import Note, notify

    with platform.command() as s:
        notify(s, [Note("anna", kind, "k1", "STORED TITLE", "/inbox", data)], clock.now)
    login(client, "anna")
    [(_, text)] = _items(_page(client.get("/notifications")))
    assert sentence in text and "STORED TITLE" not in text


@pytest.mark.parametrize("data, sentence", [
    ({"client": "Kind Ltd", "client_id": 1, "count": 1}, "New client: Kind Ltd"),
    ({"count": 3, "client_ids": [1, 2, 3]}, "3 new clients"),
    ({"count": 2, "from_name": "Boris Ivanov"}, "2 clients passed to you from Boris Ivanov"),
])
def test_new_clients_read_as_sentences(client, login, platform, clock, data, sentence) -> None:
    from engine.notify.notifications import Note, notify

    with platform.command() as s:
        notify(s, [Note("anna", "client_assigned", "k1", "STORED TITLE", "/clients", data)], clock.now)
    login(client, "anna")
    [(_, text)] = _items(_page(client.get("/notifications")))
    assert sentence in text and "STORED TITLE" not in text
