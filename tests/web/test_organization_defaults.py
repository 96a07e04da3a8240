"""The organization's time zone and language (issue 16): everyone who has not chosen their own
works in them; the admin sets them on /admin/organization (or /api/v1/organization); the
environment's REGLAMENT_TIME_ZONE / REGLAMENT_LANGUAGE stand in until then; the Russian demo
works in Russian and Moscow time."""
from __future__ import annotations

import pytest

from engine.demo import loader as demo
from engine.shared.errors import Forbidden, InputInvalid
from storage.models import User


def _id(value) -> int:
    return int(value["id"] if isinstance(value, dict) else value.id)


def _start_cycle(platform, actor, name: str) -> int:
    client_id = _id(platform.clients.create_client(actor, name))
    return _id(platform.regulation.start_cycle(actor, client_id, "new_client_sale"))


def test_a_user_without_a_choice_sees_the_organizations_language_and_zone(client, login, platform, actors,
                                                                            throwaway_user) -> None:
    zed = throwaway_user("zed", ["head"])  # reads every cycle
    assert (zed.timezone, zed.locale) == ("UTC", "en"), "no organization setting yet: UTC and English"
    cycle_id = _start_cycle(platform, actors["anna"], "Moscow Time Ltd")
    login(client, "admin")
    saved = client.post("/admin/organization", data={"timezone": "Europe/Moscow", "locale": "ru"})
    assert saved.status_code == 302
    assert "Europe/Moscow" in client.get("/admin/organization").get_data(as_text=True)

    login(client, "zed")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    # the test clock stands at 09:00 UTC on 26 November: 12:00 in Moscow, written the Russian way
    assert "26.11.2026, 12:00" in page
    assert "9:00 AM" not in page and "9:00\u202fAM" not in page
    assert "История" in page or "Клиент" in page, "the page is in Russian"


def test_a_users_own_choice_wins_over_the_organizations(client, login, platform, actors, throwaway_user) -> None:
    yan = throwaway_user("yan", ["head"])
    platform.accounts.update_profile(yan, None, "Asia/Vladivostok", "en")
    admin = next(a for a in platform.accounts.users() if a.login == "admin")
    platform.accounts.set_organization_defaults(admin, "Europe/Moscow", "ru")
    cycle_id = _start_cycle(platform, actors["anna"], "Far East Ltd")
    login(client, "yan")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert "7:00\u202fPM" in page or "7:00 PM" in page, "09:00 UTC is 19:00 in Vladivostok, in English"
    # the profile offers the organization's as the empty choice, naming it
    platform.accounts.update_profile(yan, None, "", "")
    profile = client.get("/profile").get_data(as_text=True)
    assert "Europe/Moscow" in profile
    assert platform.accounts.actor(yan.id).timezone == "Europe/Moscow"


def test_only_the_admin_sets_the_defaults_and_unknown_values_are_refused(client, login, platform) -> None:
    head = next(a for a in platform.accounts.users() if a.login == "head")
    admin = next(a for a in platform.accounts.users() if a.login == "admin")
    with pytest.raises(Forbidden):
        platform.accounts.set_organization_defaults(head, "Europe/Moscow", "ru")
    login(client, "head")
    assert client.get("/admin/organization").status_code == 403
    with pytest.raises(InputInvalid) as refused:
        platform.accounts.set_organization_defaults(admin, "Mars/Olympus", "fr")
    assert set(refused.value.details["fields"]) == {"timezone", "locale"}
    login(client, "admin")
    page = client.post("/admin/organization", data={"timezone": "Mars/Olympus", "locale": "ru"})
    assert page.status_code == 422
    assert "Mars/Olympus" in page.get_data(as_text=True), "the form keeps what was typed"
    assert platform.accounts.organization_defaults().stored_time_zone is None, "nothing was saved"


def test_the_environment_gives_the_default_until_the_admin_stores_one(platform, throwaway_user,
                                                                     monkeypatch) -> None:
    monkeypatch.setenv("REGLAMENT_TIME_ZONE", "Asia/Yekaterinburg")
    monkeypatch.setenv("REGLAMENT_LANGUAGE", "ru")
    zed = throwaway_user("zed", ["manager"])
    assert (zed.timezone, zed.locale) == ("Asia/Yekaterinburg", "ru")
    admin = next(a for a in platform.accounts.users() if a.login == "admin")
    platform.accounts.set_organization_defaults(admin, "Europe/Moscow", None)
    actor = platform.accounts.actor(zed.id)
    assert (actor.timezone, actor.locale) == ("Europe/Moscow", "ru"), "stored zone; the environment's language"


def test_an_api_tokens_user_follows_a_new_default_at_the_next_request(platform, throwaway_user) -> None:
    zed = throwaway_user("zed", ["manager"])
    token = platform.accounts.issue_token(zed)
    assert platform.accounts.actor_from_token(token).timezone == "UTC"
    admin = next(a for a in platform.accounts.users() if a.login == "admin")
    platform.accounts.set_organization_defaults(admin, "Europe/Moscow", "ru")
    renewed = platform.accounts.actor_from_token(token)
    assert (renewed.timezone, renewed.locale) == ("Europe/Moscow", "ru")


def test_the_api_reads_and_sets_the_defaults(api) -> None:
    assert api("anna").get("/api/v1/organization").status_code == 403
    assert api("admin").get("/api/v1/organization").get_json()["stored_timezone"] is None
    saved = api("admin").post("/api/v1/organization", json={"timezone": "Europe/Moscow", "locale": "ru"})
    assert saved.status_code == 200
    assert saved.get_json() == {"timezone": "Europe/Moscow", "locale": "ru", "stored_timezone": "Europe/Moscow",
                                "stored_locale": "ru"}
    refused = api("admin").post("/api/v1/organization", json={"timezone": "Nowhere/City"})
    assert refused.status_code == 422


def test_the_russian_demo_works_in_russian_and_moscow_time_unless_the_admin_chose(platform, throwaway_user) -> None:
    demo.set_russian_defaults(platform)
    zed = throwaway_user("zed", ["manager"])
    assert (zed.timezone, zed.locale) == ("Europe/Moscow", "ru")
    admin = next(a for a in platform.accounts.users() if a.login == "admin")
    platform.accounts.set_organization_defaults(admin, "Asia/Novosibirsk", "ru")
    demo.set_russian_defaults(platform)  # loading the demo again keeps the admin's choice
    assert platform.accounts.organization_defaults().time_zone == "Asia/Novosibirsk"
    with platform.query() as s:
        stored = s.query(User).filter_by(login="zed").one()
        assert (stored.timezone, stored.locale) == (None, None), "the user follows the organization"


def test_an_unknown_environment_default_stops_the_start(tmp_path) -> None:
    from engine.shared.settings import InvalidSetting, Settings

    base = {"REGLAMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "REGLAMENT_SECRET_KEY": "k" * 40}
    assert Settings.from_env({**base, "REGLAMENT_TIME_ZONE": "Europe/Moscow", "REGLAMENT_LANGUAGE": "ru"})
    with pytest.raises(InvalidSetting, match="REGLAMENT_TIME_ZONE"):
        Settings.from_env({**base, "REGLAMENT_TIME_ZONE": "Mars/Olympus"})
    with pytest.raises(InvalidSetting, match="REGLAMENT_LANGUAGE"):
        Settings.from_env({**base, "REGLAMENT_LANGUAGE": "fr"})


def test_the_login_page_speaks_the_organizations_language_to_a_visitor(client, platform, monkeypatch) -> None:
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert "Log in" in client.get("/login", headers=english_browser).get_data(as_text=True), \
        "no organization language: the browser's"
    admin = next(a for a in platform.accounts.users() if a.login == "admin")
    platform.accounts.set_organization_defaults(admin, None, "ru")
    page = client.get("/login", headers=english_browser).get_data(as_text=True)
    assert "Log in" not in page and "Войти" in page, "the organization's language over the browser's"
    platform.accounts.set_organization_defaults(admin, None, None)
    monkeypatch.setenv("REGLAMENT_LANGUAGE", "ru")
    assert "Войти" in client.get("/login", headers=english_browser).get_data(as_text=True), \
        "the environment's language until the admin stores one"
