"""User administration (issue 16): /admin/users for admins, and /api/v1/users."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from engine.platform.root import Reglament
from storage.models import Group, User, user_groups

STRONG = "Violet-Harbour-47"
OTHER = "Quiet-Meadow-Lantern-9"


@pytest.fixture
def cleanup(platform: Reglament) -> Iterator[None]:
    """Users and departments the test makes are removed afterwards (demo users outlive tests)."""
    yield
    with platform.command() as s:
        ids = list(s.scalars(select(User.id).where(User.login.in_(["zed", "yan"]))))
        s.execute(delete(user_groups).where(user_groups.c.user_id.in_(ids)))
        s.execute(delete(User).where(User.id.in_(ids)))
        s.execute(delete(Group).where(Group.name.in_(["Compliance"])))


def _user_id(platform: Reglament, login: str) -> int:
    return next(a.id for a in platform.accounts.users() if a.login == login)


def test_only_admins_reach_the_user_pages(client, login) -> None:
    login(client, "head")
    assert client.get("/admin/users").status_code == 403
    login(client, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-login="anna"' in html and 'href="/admin/users"' in html


def test_the_admin_creates_a_user_with_per_field_errors_first(client, login, platform, cleanup) -> None:
    login(client, "admin")
    response = client.post("/admin/users", data={"login": "anna", "name": "", "password": "qwertyuiop",
                                                 "roles": ["wizard"], "locale": "en", "timezone": "UTC"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "a user “anna” already exists" in html and "is one of the most common passwords" in html
    response = client.post("/admin/users", data={"login": "zed", "name": "Zed", "password": "zed",
                                                 "roles": ["manager"], "locale": "en", "timezone": "UTC"})
    assert "must have at least 10 characters" in response.get_data(as_text=True)
    response = client.post("/admin/users", data={"login": "zed", "name": "Zed Lawyer", "password": STRONG,
                                                 "groups": ["Legal"], "new_groups": "Compliance", "locale": "ru",
                                                 "timezone": "Europe/Moscow"}, follow_redirects=True)
    assert "User zed created." in response.get_data(as_text=True)
    [zed] = [u for u in platform.accounts.admin_users(platform.accounts.actor(_user_id(platform, "admin")))
             if u.login == "zed"]
    assert (zed.roles, zed.groups, zed.locale, zed.timezone) == ((), ("Compliance", "Legal"), "ru", "Europe/Moscow")
    assert login(client.application.test_client(), "zed", STRONG).status_code == 302


def test_the_admin_changes_roles_deactivates_reactivates_and_resets(app, client, login, platform, cleanup) -> None:
    platform.accounts.create_user("zed", "Zed", STRONG, ["manager"], ["Sales"])
    zed_id = _user_id(platform, "zed")
    zed = app.test_client()
    login(zed, "zed", STRONG)
    login(client, "admin")
    page = client.get(f"/admin/users/{zed_id}").get_data(as_text=True)
    assert 'value="manager" checked' in page
    response = client.post(f"/admin/users/{zed_id}", data={"name": "Zed Z", "roles": ["manager", "analyst"],
                                                           "groups": ["Presales"], "locale": "en", "timezone": "UTC"},
                           follow_redirects=True)
    assert "Changes to zed saved." in response.get_data(as_text=True)
    assert platform.accounts.actor(zed_id).roles == frozenset({"manager", "analyst"})
    client.post(f"/admin/users/{zed_id}/active", data={"active": "0"})
    assert zed.get("/inbox").status_code == 302  # logged out at once
    assert login(app.test_client(), "zed", STRONG).status_code == 401
    client.post(f"/admin/users/{zed_id}/active", data={"active": "1"})
    login(zed, "zed", STRONG)
    response = client.post(f"/admin/users/{zed_id}/password", data={"password": "zed"})
    assert response.status_code == 422 and "must have at least 10 characters" in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{zed_id}/password", data={"password": OTHER}, follow_redirects=True)
    assert "New password set for zed" in response.get_data(as_text=True)
    assert zed.get("/inbox").status_code == 302
    assert login(app.test_client(), "zed", OTHER).status_code == 302


def test_the_admin_cannot_lock_himself_out(client, login, platform) -> None:
    login(client, "admin")
    admin_id = _user_id(platform, "admin")
    response = client.post(f"/admin/users/{admin_id}/active", data={"active": "0"})
    assert response.status_code == 422 and "you cannot deactivate yourself" in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin_id}", data={"name": "Administrator", "roles": ["owner"],
                                                             "locale": "en", "timezone": "UTC"})
    assert response.status_code == 422
    assert "the last active administrator" in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 200


def test_the_user_pages_speak_russian(client, login, platform, profiles) -> None:
    platform.accounts.set_locale(platform.accounts.actor(_user_id(platform, "admin")), "ru")
    login(client, "admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Новый пользователь" in html and "Начальный пароль" in html
    response = client.post("/admin/users", data={"login": "anna", "password": "qwertyuiop"})
    html = response.get_data(as_text=True)
    assert "пользователь «anna» уже существует" in html and "один из самых распространённых паролей" in html


def test_the_users_api_for_admins(api, platform, cleanup) -> None:
    assert api("head").get("/api/v1/users").status_code == 403
    admin = api("admin")
    assert "anna" in {u["login"] for u in admin.get("/api/v1/users").get_json()["users"]}
    bad = admin.post("/api/v1/users", json={"login": "yan", "password": "password1234"})
    assert bad.status_code == 422 and bad.get_json()["details"]["codes"]["password"]["code"] == "password_common"
    created = admin.post("/api/v1/users", json={"login": "yan", "password": STRONG, "name": "Yan",
                                                "roles": ["manager"], "groups": ["Sales"]})
    assert created.status_code == 201
    yan_id = created.get_json()["id"]
    changed = admin.post(f"/api/v1/users/{yan_id}", json={"roles": ["analyst"]}).get_json()
    assert changed["roles"] == ["analyst"] and changed["groups"] == ["Sales"]
    assert admin.post(f"/api/v1/users/{yan_id}", json={"roles": "analyst"}).status_code == 422
    client = admin.client
    yan_token = client.post("/api/v1/token", json={"login": "yan", "password": STRONG}).get_json()["token"]
    assert client.get("/api/v1/regulations", headers={"Authorization": f"Bearer {yan_token}"}).status_code == 200
    assert admin.post(f"/api/v1/users/{yan_id}/deactivate").get_json()["active"] is False
    assert client.get("/api/v1/regulations", headers={"Authorization": f"Bearer {yan_token}"}).status_code == 401
    assert admin.post(f"/api/v1/users/{yan_id}/reactivate").get_json()["active"] is True
    assert admin.post(f"/api/v1/users/{yan_id}/password", json={"password": OTHER}).status_code == 200
    assert client.post("/api/v1/token", json={"login": "yan", "password": OTHER}).status_code == 200
    assert admin.get(f"/api/v1/users/{yan_id}").get_json()["login"] == "yan"
