"""Every list of the API is read whole a page at a time by keyset cursors (``after``, the
``X-Next-Cursor`` header and ``Link: rel=next``): each row exactly once, however many there are
and however many share a sort key; a cursor the list did not give is a 422 naming ``after``."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert

from engine.platform.root import Reglament
from storage import keys
from storage.models import Client, Notification


def read_all(client: Any, url: str, rows_of: Any) -> tuple[list[Any], int]:
    """Follow the Link headers from ``url`` to the last page; (all rows, pages read)."""
    rows: list[Any] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        rows += rows_of(response.get_json())
        pages += 1
        link = response.headers.get("Link")
        if link is None:
            assert "X-Next-Cursor" not in response.headers
            break
        target = link[1:link.index(">")]
        assert parse_qs(urlsplit(target).query)["after"] == [response.headers["X-Next-Cursor"]]
        url = target
        assert pages < 100
    return rows, pages


def test_the_client_list_is_read_whole_by_cursor(platform: Reglament, actors, api) -> None:
    anna = actors["anna"]
    with platform.command() as s:  # 130 of anna's clients, 40 of them with one and the same name
        names = ["Same Name LLC" if i < 40 else f"Client {i:03d}" for i in range(130)]
        s.execute(insert(Client), [{"name": name, "name_key": keys.name_key(name), "owner_id": anna.id,
                                    "kind": "company", "status": "lead"} for name in names])
    rows, pages = read_all(api("anna"), "/api/v1/clients", lambda body: body["clients"])
    assert pages == 3 and len(rows) == 130 and len({r["id"] for r in rows}) == 130
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)
    filtered, _ = read_all(api("anna"), "/api/v1/clients?q=Same%20Name", lambda body: body["clients"])
    assert len(filtered) == 40 and len({r["id"] for r in filtered}) == 40


def test_notifications_are_read_whole_by_cursor(platform: Reglament, actors, api, clock) -> None:
    with platform.command() as s:  # 260 notifications, many at the same moment
        s.execute(insert(Notification), [{"login": "anna", "kind": "assigned", "key": f"test-{i}", "title": "Test", "data": {"n": i},
                                          "created_at": clock.now} for i in range(260)])
    rows, pages = read_all(api("anna"), "/api/v1/notifications?limit=100", lambda body: body)
    assert pages == 3 and sorted(r["data"]["n"] for r in rows) == list(range(260))


@pytest.mark.parametrize("url", ["/api/v1/clients?after=bm9wZQ", "/api/v1/notifications?after=%5B%5D",
                                 "/api/v1/notifications?after=WyJ5ZXN0ZXJkYXkiLDFd", "/api/v1/tasks?after=x"])
def test_a_made_up_cursor_is_a_field_problem(api, url: str) -> None:
    response = api("anna").get(url)
    assert response.status_code == 422
    assert "after" in response.get_json()["details"]["fields"]
