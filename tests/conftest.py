"""Fixtures on a real database: SQLite by default, PostgreSQL when
REGLAMENT_TEST_DATABASE_URL points at one (``.ci/run`` runs the suite on both).

The demo organisation's users are created once per session (password hashing
is deliberately slow); every test starts with no clients, cycles or history and
the demo regulation freshly deployed.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text

from engine.demo import loader as demo
from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.access import Actor
from storage import schema
from storage.db import Database
from storage.models import Base, Group, Segment, User, UserSession, user_groups

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_BPMN = ROOT / "bpmn" / "new_client_sale.bpmn"
#: the 21 OMG BPMN MIWG reference models (CC BY 3.0, see fixtures/miwg/README.md)
MIWG_DIR = FIXTURES / "miwg"
MIWG_COUNT = 21


def miwg_files() -> list[Path]:
    """The MIWG reference models; a missing or incomplete corpus fails the test run, never skips."""
    files = sorted(MIWG_DIR.glob("*.bpmn"))
    if len(files) != MIWG_COUNT:
        raise RuntimeError(f"expected the {MIWG_COUNT} MIWG reference models in {MIWG_DIR}, found {len(files)}")
    return files
#: kept between tests (users are slow to create); segments are reset and re-created, since
#: tests give them rules and teams
#: (browser sessions too: the browser tests log in through the form once per module and reuse the
#: cookie, as a person keeps a tab open)
_KEEP = {User.__tablename__, Group.__tablename__, user_groups.name, UserSession.__tablename__}


def database_url(tmp_dir: Path) -> str:
    return os.environ.get("REGLAMENT_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


class Clock:
    """A controllable clock for the engine."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(database_url(tmp_path_factory.mktemp("db")))
    if db.is_postgresql:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(db)
    seeder = Reglament(db, "test-secret")
    for login, name, roles, groups, locale in demo.USERS:
        demo.create_demo_user(seeder, login, name, roles, groups, locale)  # password "demo", no policy
    yield db  # every test's reset creates the demo segments
    db.dispose()


def _reset(db: Database) -> None:
    with db.engine.begin() as conn:
        tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in _KEEP]
        if db.is_postgresql:
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(delete(table))
        conn.execute(insert(Segment.__table__), [{"name": name, "rules": [], "position": i}
                                                 for i, name in enumerate(demo.SEGMENTS)])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def platform(database: Database, clock: Clock) -> Reglament:
    _reset(database)
    p = Reglament(database, "test-secret", clock=clock)
    head = next(a for a in p.accounts.users() if a.login == "head")  # no slow password check per test
    p.regulation.deploy(head, [SourceFile(DEMO_BPMN.name, DEMO_BPMN.read_bytes())])
    return p


@pytest.fixture
def profiles(platform: Reglament) -> Iterator[None]:
    """Users outlive a test: put back what a test changes in their profiles."""
    with platform.query() as s:
        saved = {u.login: (u.email, u.timezone, u.locale, u.calendar_salt) for u in s.scalars(select(User))}
    yield
    with platform.command() as s:
        for user in s.scalars(select(User)):
            user.email, user.timezone, user.locale, user.calendar_salt = saved[user.login]


@pytest.fixture
def actors(platform: Reglament) -> dict[str, Actor]:
    return {a.login: a for a in platform.accounts.users()}


def bpmn_file(name: str) -> SourceFile:
    path = FIXTURES / name
    return SourceFile(path.name, path.read_bytes())




@pytest.fixture
def throwaway_user(platform: Reglament) -> Iterator[Callable[..., Actor]]:
    """``throwaway_user("zed", ["head"])``: a user (password ``demo``) for this test only, for tests
    that deactivate, lock out or otherwise spoil a user: the demo users and their session-wide API
    tokens outlive every test."""
    made: list[str] = []

    def _make(login: str, roles: list[str], groups: list[str] | None = None) -> Actor:
        made.append(login)
        return platform.accounts.create_user(login, login.title(), demo.PASSWORD, roles, groups or ["Sales"],
                                             password_policy=False)

    yield _make
    with platform.command() as s:
        ids = list(s.scalars(select(User.id).where(User.login.in_(made))))
        s.execute(delete(UserSession.__table__).where(UserSession.user_id.in_(ids)))
        s.execute(delete(user_groups).where(user_groups.c.user_id.in_(ids)))
        s.execute(delete(User).where(User.id.in_(ids)))
