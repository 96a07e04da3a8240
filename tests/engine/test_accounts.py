"""Accounts (issues 14 and 16): the password policy, log-in throttling, server-side sessions,
token epochs and user administration, in the engine."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from engine.accounts import passwords, throttle
from engine.accounts.throttle import LoginThrottled
from engine.platform.root import Reglament
from engine.shared.access import Actor
from engine.shared.errors import FieldProblems, Forbidden, InputInvalid, Unauthenticated
from engine.shared.settings import MissingSecret, Settings, WeakSecret
from storage.models import Group, User, user_groups

STRONG = "Violet-Harbour-47"
OTHER = "Quiet-Meadow-Lantern-9"


@pytest.fixture
def new_user(platform: Reglament) -> Iterator[Callable[..., Actor]]:
    """``new_user("zoe", roles=[...])``: a user for this test only (demo users outlive every test)."""
    made: list[str] = []

    def _make(login: str, roles: list[str] | None = None, groups: list[str] | None = None,
              password: str = STRONG) -> Actor:
        made.append(login)
        return platform.accounts.create_user(login, login.title(), password, roles or ["manager"], groups or [])

    yield _make
    with platform.command() as s:
        ids = list(s.scalars(select(User.id).where(User.login.in_(made))))
        s.execute(delete(user_groups).where(user_groups.c.user_id.in_(ids)))
        s.execute(delete(User).where(User.id.in_(ids)))
        s.execute(delete(Group).where(Group.name.in_(["Compliance", "Audit"])))


def _problems(password: str, login: str = "zoe") -> dict[str, dict[str, object]]:
    problems = FieldProblems()
    passwords.check(problems, "password", password, login)
    return problems.codes


# ----------------------------------------------------------------------------- the password policy

def test_the_policy_wants_ten_characters_no_common_password_and_not_the_login() -> None:
    assert _problems("short1!")["password"] == {"code": "password_short", "limit": 10}
    assert _problems("password123")["password"]["code"] == "password_common"
    assert _problems("QWERTYUIOP")["password"]["code"] == "password_common"  # case does not help
    assert _problems("zoe.smith-x", login="zoe.smith-x")["password"]["code"] == "password_login"
    assert _problems("x" * 201)["password"]["code"] == "maxlength"
    assert _problems(STRONG) == {}
    assert len(passwords.common_passwords()) >= 1000 and "1234567890" in passwords.common_passwords()


def test_creating_a_user_names_every_bad_field(platform: Reglament) -> None:
    with pytest.raises(InputInvalid) as raised:
        platform.accounts.create_user("Bad Login!", "", "demo", ["wizard"], [], "fr", "Mars/Base")
    assert set(raised.value.details["fields"]) == {"login", "password", "roles", "locale", "timezone"}
    assert raised.value.details["codes"]["password"]["code"] == "password_short"
    with pytest.raises(InputInvalid) as raised:
        platform.accounts.create_user("anna", "", STRONG, ["manager"], [])
    assert raised.value.details["codes"]["login"] == {"code": "login_taken", "value": "anna"}


def test_the_demo_path_skips_the_policy_only_when_asked(platform: Reglament) -> None:
    with pytest.raises(InputInvalid):
        platform.accounts.create_user("demo_z", "", "demo", ["manager"], [])
    created = platform.accounts.create_user("demo_z", "", "demo", ["manager"], [], password_policy=False)
    try:
        assert platform.accounts.authenticate("demo_z", "demo").id == created.id
    finally:
        with platform.command() as s:
            s.execute(delete(User).where(User.login == "demo_z"))


# ----------------------------------------------------------------------------- throttling

def test_five_failures_lock_the_account_with_a_growing_delay_and_success_resets(platform: Reglament, clock,
                                                                                  new_user) -> None:
    new_user("zoe")
    for _ in range(throttle.ACCOUNT_LIMIT):
        with pytest.raises(Unauthenticated):
            platform.accounts.authenticate("zoe", "wrong password", "10.0.0.1")
    with pytest.raises(LoginThrottled) as locked:  # even the right password waits: no guessing goes on
        platform.accounts.authenticate("zoe", STRONG, "10.0.0.2")
    assert locked.value.retry_after == 60
    assert platform.accounts.login_retry_after("ZOE ") == 60
    clock.advance(seconds=61)
    with pytest.raises(Unauthenticated) as wrong:  # one more failure: locked for twice as long
        platform.accounts.authenticate("zoe", "still wrong", "10.0.0.1")
    assert not isinstance(wrong.value, LoginThrottled)
    with pytest.raises(LoginThrottled) as locked:
        platform.accounts.authenticate("zoe", STRONG, "10.0.0.1")
    assert locked.value.retry_after == 120
    clock.advance(seconds=121)
    assert platform.accounts.authenticate("zoe", STRONG, "10.0.0.1").login == "zoe"
    assert platform.accounts.login_retry_after("zoe") is None
    for _ in range(throttle.ACCOUNT_LIMIT - 1):  # the counter started again from zero
        with pytest.raises(Unauthenticated):
            platform.accounts.authenticate("zoe", "wrong", "10.0.0.3")
    assert platform.accounts.authenticate("zoe", STRONG, "10.0.0.3").login == "zoe"


def test_one_address_guessing_many_accounts_is_locked_too(platform: Reglament, new_user) -> None:
    new_user("zoe")
    for i in range(throttle.ADDRESS_LIMIT):
        with pytest.raises(Unauthenticated):
            platform.accounts.authenticate(f"nobody{i}", "wrong", "203.0.113.9")
    with pytest.raises(LoginThrottled):
        platform.accounts.authenticate("zoe", STRONG, "203.0.113.9")
    assert platform.accounts.authenticate("zoe", STRONG, "198.51.100.1").login == "zoe"  # another address


def test_unknown_and_quiet_keys_start_over(platform: Reglament, clock) -> None:
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        with pytest.raises(Unauthenticated):
            platform.accounts.authenticate("ghost", "x", None)
    clock.advance(minutes=31)
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        with pytest.raises(Unauthenticated):
            platform.accounts.authenticate("ghost", "x", None)
    assert platform.accounts.login_retry_after("ghost") is None
    assert throttle.delay(0) == timedelta(minutes=1) and throttle.delay(30) == throttle.MAX_DELAY


# ----------------------------------------------------------------------------- sessions and tokens

def test_sessions_end_on_logout_idle_time_and_lifetime(platform: Reglament, clock, new_user) -> None:
    zoe = new_user("zoe")
    secret = platform.accounts.start_session(zoe)
    assert platform.accounts.session_actor(secret).login == "zoe"
    platform.accounts.end_session(secret)
    with pytest.raises(Unauthenticated):
        platform.accounts.session_actor(secret)
    idle = platform.accounts.start_session(zoe)
    clock.advance(hours=11)
    assert platform.accounts.session_actor(idle).login == "zoe"  # used: the idle time starts again
    clock.advance(hours=11)
    assert platform.accounts.session_actor(idle).login == "zoe"
    clock.advance(hours=12, minutes=1)
    with pytest.raises(Unauthenticated):
        platform.accounts.session_actor(idle)
    busy = platform.accounts.start_session(zoe)
    for _ in range(14 * 2):
        clock.advance(hours=11)
        platform.accounts.session_actor(busy)
    clock.advance(days=1)
    with pytest.raises(Unauthenticated):  # past 14 days however busy
        platform.accounts.session_actor(busy)
    with pytest.raises(Unauthenticated):
        platform.accounts.session_actor("not-a-session")


def test_a_new_password_ends_other_sessions_and_revokes_tokens(platform: Reglament, new_user) -> None:
    zoe = new_user("zoe")
    here, there = platform.accounts.start_session(zoe), platform.accounts.start_session(zoe)
    token = platform.accounts.issue_token(zoe)
    assert platform.accounts.actor_from_token(token).login == "zoe"  # remembered by this host
    with pytest.raises(InputInvalid) as raised:
        platform.accounts.change_password(zoe, "wrong", "short", "other", keep_session=here)
    assert {k: v["code"] for k, v in raised.value.details["codes"].items()} == {
        "current_password": "password_wrong", "new_password": "password_short"}
    with pytest.raises(InputInvalid) as raised:
        platform.accounts.change_password(zoe, STRONG, OTHER, OTHER + "x", keep_session=here)
    assert raised.value.details["codes"]["confirm_password"]["code"] == "password_mismatch"
    platform.accounts.change_password(zoe, STRONG, OTHER, OTHER, keep_session=here)
    assert platform.accounts.session_actor(here).login == "zoe"
    with pytest.raises(Unauthenticated):
        platform.accounts.session_actor(there)
    with pytest.raises(Unauthenticated):  # revoked at once, cache or not
        platform.accounts.actor_from_token(token)
    assert platform.accounts.authenticate("zoe", OTHER).login == "zoe"
    fresh = platform.accounts.issue_token(zoe)
    assert platform.accounts.actor_from_token(fresh).login == "zoe"


def test_a_token_from_another_epoch_is_refused(platform: Reglament, new_user) -> None:
    zoe = new_user("zoe")
    token = platform.accounts.issue_token(zoe)
    assert platform.accounts.actor_from_token(token).login == "zoe"  # remembered by this host
    with platform.command() as s:
        s.scalars(select(User).where(User.login == "zoe")).one().token_epoch += 1  # as another host would
    with pytest.raises(Unauthenticated):  # at the very next request, not after a cache's lifetime
        platform.accounts.actor_from_token(token)


def test_what_another_host_changes_about_a_user_holds_here_at_the_next_request(platform: Reglament, actors,
                                                                              new_user) -> None:
    zoe = new_user("zoe")
    token = platform.accounts.issue_token(zoe)
    assert "head" not in platform.accounts.actor_from_token(token).roles
    other_host = Reglament(platform.db, "test-secret", clock=platform.ctx.now)
    other_host.accounts.update_user(actors["admin"], zoe.id, "Zoe", ["head"], ["Legal"], "ru", "UTC")
    seen = platform.accounts.actor_from_token(token)
    assert (seen.roles, seen.groups, seen.locale) == (frozenset({"head"}), frozenset({"Legal"}), "ru")
    other_host.accounts.set_user_active(actors["admin"], zoe.id, False)
    with pytest.raises(Unauthenticated):
        platform.accounts.actor_from_token(token)


# ----------------------------------------------------------------------------- administration

def test_only_admins_administer_users(platform: Reglament, actors) -> None:
    for who in ("head", "anna", "alex"):
        with pytest.raises(Forbidden):
            platform.accounts.admin_users(actors[who])
        with pytest.raises(Forbidden):
            platform.accounts.add_user(actors[who], "zoe", "Zoe", STRONG, [], [])
    assert actors["admin"].may("admin") and not actors["head"].may("admin")
    assert "anna" in {u.login for u in platform.accounts.admin_users(actors["admin"])}


def test_the_admin_creates_changes_deactivates_and_resets(platform: Reglament, actors) -> None:
    admin = actors["admin"]
    with pytest.raises(InputInvalid) as raised:
        platform.accounts.add_user(admin, "zed", "Zed", "zed", [], ["Legal"])
    assert raised.value.details["codes"]["password"]["code"] == "password_short"
    try:
        zed = platform.accounts.add_user(admin, "zed", "Zed Lawyer", STRONG, [], ["Legal", "Compliance"],
                                         "ru", "Europe/Moscow")
        assert (zed.roles, zed.groups, zed.locale, zed.timezone) == ((), ("Compliance", "Legal"), "ru",
                                                                     "Europe/Moscow")
        changed = platform.accounts.update_user(admin, zed.id, "Zed", ["manager"], ["Sales"], "en", "UTC")
        assert changed.roles == ("manager",) and changed.groups == ("Sales",)
        session = platform.accounts.start_session(platform.accounts.authenticate("zed", STRONG))
        token = platform.accounts.issue_token(platform.accounts.actor(zed.id))
        platform.accounts.actor_from_token(token)
        platform.accounts.set_user_active(admin, zed.id, False)
        with pytest.raises(Unauthenticated):
            platform.accounts.authenticate("zed", STRONG)
        with pytest.raises(Unauthenticated):
            platform.accounts.session_actor(session)
        with pytest.raises(Unauthenticated):
            platform.accounts.actor_from_token(token)
        platform.accounts.set_user_active(admin, zed.id, True)
        session = platform.accounts.start_session(platform.accounts.authenticate("zed", STRONG))
        with pytest.raises(InputInvalid):
            platform.accounts.reset_password(admin, zed.id, "zed")
        platform.accounts.reset_password(admin, zed.id, OTHER)
        with pytest.raises(Unauthenticated):
            platform.accounts.session_actor(session)
        assert platform.accounts.authenticate("zed", OTHER).login == "zed"
    finally:
        with platform.command() as s:
            ids = list(s.scalars(select(User.id).where(User.login == "zed")))
            s.execute(delete(user_groups).where(user_groups.c.user_id.in_(ids)))
            s.execute(delete(User).where(User.id.in_(ids)))
            s.execute(delete(Group).where(Group.name == "Compliance"))


def test_the_last_admin_stays_an_active_admin(platform: Reglament, actors) -> None:
    admin = actors["admin"]
    with pytest.raises(InputInvalid) as raised:
        platform.accounts.set_user_active(admin, admin.id, False)
    assert raised.value.details["codes"]["active"]["code"] == "deactivate_self"
    with pytest.raises(InputInvalid) as raised:
        platform.accounts.update_user(admin, admin.id, admin.name, ["owner"], [], "en", "UTC")
    assert raised.value.details["codes"]["roles"]["code"] == "last_admin"


# ----------------------------------------------------------------------------- settings

def test_production_refuses_a_short_secret() -> None:
    base = {"REGLAMENT_ENV": "production", "REGLAMENT_DATABASE_URL": "sqlite://"}
    with pytest.raises(WeakSecret, match="at least 32"):
        Settings.from_env({**base, "REGLAMENT_SECRET_KEY": "12345"})
    with pytest.raises(MissingSecret):
        Settings.from_env(base)
    assert Settings.from_env({**base, "REGLAMENT_SECRET_KEY": "k" * 32}).production
    assert Settings.from_env({"REGLAMENT_SECRET_KEY": "dev", "REGLAMENT_DATABASE_URL": "sqlite://"}).secret_key == "dev"
    relaxed = Settings.from_env({"REGLAMENT_SECRET_KEY": "dev", "REGLAMENT_SESSION_IDLE_HOURS": "2",
                                 "REGLAMENT_SESSION_LIFETIME_DAYS": "1"})
    assert (relaxed.session_idle_hours, relaxed.session_lifetime_days) == (2.0, 1.0)
