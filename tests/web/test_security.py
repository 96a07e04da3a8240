"""Security by default (issue 14): headers, downloads, log-in throttling, server-side sessions,
the password change, and menus that follow permissions."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import delete, select

from engine.accounts import throttle
from engine.platform.root import Reglament
from engine.shared.access import Actor
from storage.models import User, user_groups

STRONG = "Violet-Harbour-47"
OTHER = "Quiet-Meadow-Lantern-9"


@pytest.fixture
def new_user(platform: Reglament) -> Iterator[Callable[..., Actor]]:
    made: list[str] = []

    def _make(login: str, roles: list[str] | None = None, groups: list[str] | None = None) -> Actor:
        made.append(login)
        return platform.accounts.create_user(login, login.title(), STRONG, [] if roles is None else roles,
                                             groups or [])

    yield _make
    with platform.command() as s:
        ids = list(s.scalars(select(User.id).where(User.login.in_(made))))
        s.execute(delete(user_groups).where(user_groups.c.user_id.in_(ids)))
        s.execute(delete(User).where(User.id.in_(ids)))


def test_every_page_sends_a_strict_content_security_policy(client, login) -> None:
    login(client, "anna")
    response = client.get("/inbox")
    policy = response.headers["Content-Security-Policy"]
    for directive in ("form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
                      "default-src 'self'", "script-src 'self'"):
        assert directive in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/login").headers["Content-Security-Policy"] == policy


def test_a_bpmn_download_is_an_attachment_never_a_page(client, login) -> None:
    login(client, "anna")
    for url in ("/regulations/new_client_sale/versions/1.bpmn", "/regulations/new_client_sale/versions/1.bpmn?download=1"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == 'attachment; filename="new_client_sale-v1.bpmn"'
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    login(client, "head")
    assert client.get("/regulations/blank.bpmn").headers["Content-Disposition"].startswith("attachment")


def test_api_xml_and_any_other_file_type_are_downloads(api) -> None:
    response = api("anna").get("/api/v1/regulations/new_client_sale/versions/1/xml")
    assert response.status_code == 200 and response.headers["Content-Disposition"] == "attachment"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Disposition" not in api("anna").get("/api/v1/regulations").headers  # JSON is not a file


def test_exports_stay_attachments(client, login) -> None:
    login(client, "head")
    response = client.get("/clients/export.csv")
    if response.status_code == 200:
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_the_as_download_rule() -> None:
    from flask import Response

    from web.app import as_download

    inline_xml = Response("<x/>", mimetype="application/xml", headers={"Content-Disposition": 'inline; filename="a.bpmn"'})
    as_download(inline_xml)
    assert inline_xml.headers["Content-Disposition"] == 'attachment; filename="a.bpmn"'
    svg = Response("<svg/>", mimetype="image/svg+xml")
    as_download(svg)
    assert svg.headers["Content-Disposition"] == "attachment"
    page = Response("<p>", mimetype="text/html")
    as_download(page)
    assert "Content-Disposition" not in page.headers


def test_logging_in_is_throttled_with_a_translated_wait(client, login, new_user) -> None:
    new_user("zoe", roles=["manager"])
    for _ in range(throttle.ACCOUNT_LIMIT):
        assert login(client, "zoe", "wrong password").status_code == 401
    response = login(client, "zoe", STRONG)
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert "Too many failed log-in attempts. Try again in 1 minute." in response.get_data(as_text=True)
    client.post("/locale", data={"locale": "ru", "next": "/login"})
    response = login(client, "zoe", STRONG)
    assert response.status_code == 429
    assert "Попробуйте снова через 1 минуту" in response.get_data(as_text=True)


def test_the_api_token_endpoint_answers_429_with_retry_after(app, clock, new_user) -> None:
    new_user("zoe", roles=["manager"])
    client = app.test_client()
    for _ in range(throttle.ACCOUNT_LIMIT):
        assert client.post("/api/v1/token", json={"login": "zoe", "password": "nope"}).status_code == 401
    response = client.post("/api/v1/token", json={"login": "zoe", "password": STRONG})
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert response.get_json()["error"] == "too_many_attempts"
    clock.advance(seconds=60)
    assert client.post("/api/v1/token", json={"login": "zoe", "password": STRONG}).status_code == 200


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(app, login) -> None:
    browser, thief = app.test_client(), app.test_client()
    login(browser, "anna")
    thief.set_cookie("session", _cookie(browser))
    assert thief.get("/inbox").status_code == 200
    browser.post("/logout")
    response = thief.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sessions_expire_when_idle(client, login, clock) -> None:
    login(client, "anna")
    clock.advance(hours=11)
    assert client.get("/inbox").status_code == 200
    clock.advance(hours=12, minutes=1)
    assert client.get("/inbox").status_code == 302


def test_changing_the_password_on_the_profile_logs_out_other_browsers(app, login, api, new_user) -> None:
    new_user("zoe", roles=["manager"])
    here, there = app.test_client(), app.test_client()
    login(here, "zoe", STRONG)
    login(there, "zoe", STRONG)
    token = app.test_client().post("/api/v1/token", json={"login": "zoe", "password": STRONG}).get_json()["token"]
    response = here.post("/profile/password", data={"current_password": "wrong", "new_password": "password123",
                                                    "confirm_password": "password123"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not your current password" in page and "is one of the most common passwords" in page
    response = here.post("/profile/password", data={"current_password": STRONG, "new_password": "zoe",
                                                    "confirm_password": "zoe"})
    assert "must have at least 10 characters" in response.get_data(as_text=True)
    response = here.post("/profile/password", data={"current_password": STRONG, "new_password": OTHER,
                                                    "confirm_password": OTHER}, follow_redirects=True)
    assert "Password changed." in response.get_data(as_text=True)
    assert here.get("/inbox").status_code == 200
    assert there.get("/inbox").status_code == 302
    bearer = app.test_client().get("/api/v1/regulations", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert login(app.test_client(), "zoe", OTHER).status_code == 302


def test_the_profile_offers_the_password_form(client, login) -> None:
    login(client, "anna")
    page = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/password"' in page and 'name="confirm_password"' in page


def test_people_without_a_sales_role_see_no_sales_menus(app, login, new_user) -> None:
    new_user("lawyer", roles=[], groups=["Legal"])
    client = app.test_client()
    login(client, "lawyer", STRONG)
    page = client.get("/inbox").get_data(as_text=True)
    nav = page[page.index('<nav class="main-nav">'):page.index("</nav>")]
    for hidden in ('href="/clients"', 'href="/motivation', 'href="/plan"', 'href="/plans"', 'href="/handover"',
                   'href="/absences"', 'href="/admin/users"'):
        assert hidden not in nav, hidden
    assert 'href="/inbox"' in nav and 'href="/regulations"' in nav
    seller = app.test_client()
    login(seller, "anna")
    nav = seller.get("/inbox").get_data(as_text=True)
    assert 'href="/clients"' in nav and 'href="/plan"' in nav and 'href="/admin/users"' not in nav
