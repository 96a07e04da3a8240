"""Health, readiness, and a database outage answered with 503 + Retry-After and recovered from
without a restart (on PostgreSQL through a TCP relay the test cuts and restores; on SQLite an
unreadable database path that becomes readable)."""
from __future__ import annotations

import shutil
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy.engine import make_url

from engine.platform.root import Reglament
from storage import schema
from storage.db import Database
from web.app import create_app
from web.health import head_revision


class Relay:
    """A TCP relay to PostgreSQL that the test can cut (every connection dropped, new ones refused)
    and restore, as a restarting database server or a network cut looks to the app."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self._listener is not None:
            try:  # wakes the thread blocked in accept(): a closed socket alone may keep accepting
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for s in self._conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._conns = []


class Outage:
    """An app on the test database whose database the test takes away and gives back."""

    def __init__(self, url: str, cut: Callable[[], None], restore: Callable[[], None],
                 reopens: bool = False) -> None:
        self.url, self.cut, self.restore = url, cut, restore
        #: SQLite: a connection that has the file open keeps reading it, so the outage shows on new
        #: connections only (the test empties the app's pool when it cuts)
        self.reopens = reopens


@pytest.fixture
def outage(platform: Reglament, tmp_path: Path) -> Iterator[Outage]:
    url = make_url(platform.db.url)
    if url.get_backend_name() == "postgresql":
        relay = Relay((url.host or "127.0.0.1", url.port or 5432))
        relay.start()
        yield Outage(url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False),
                     relay.cut, relay.start)
        relay.cut()
        return
    # SQLite: the database path is first a directory (unreadable as a database), then the real file
    path = tmp_path / "outage.db"

    def cut() -> None:
        if path.is_file():
            path.unlink()
        if not path.exists():
            path.mkdir()

    def restore() -> None:  # a copy of the test database as it is now
        shutil.rmtree(path)
        src, dst = sqlite3.connect(str(url.database)), sqlite3.connect(str(path))
        src.backup(dst)
        src.close()
        dst.close()

    cut()
    yield Outage(f"sqlite:///{path}", cut, restore, reopens=True)


def _app_on(url: str, platform: Reglament) -> Flask:
    # the same secrets and clock as the fixtures' app: the API tokens and the session cookie work on it
    return create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False},
                      platform=Reglament(Database(url), "test-secret", clock=platform.ctx.now))


def test_healthz_answers_without_log_in_and_without_the_database(client: Any, platform: Reglament,
                                                                 outage: Outage) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    outage.cut()
    down = _app_on(outage.url, platform)
    assert down.test_client().get("/healthz").get_json() == {"status": "ok"}
    down.extensions["reglament"].db.dispose()


def test_readyz_names_the_migration_when_the_database_is_at_head(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "migration": head_revision()}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_refuses_a_schema_behind_the_code_and_says_what_to_run(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = schema.alembic_config(db)
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0005")
    app = create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=Reglament(db, "test-secret"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "migrations_behind" and body["migration"] == "0005" and body["head"] == head_revision()
    assert "reglament init" in body["message"]
    db.dispose()


def test_a_database_outage_answers_503_with_retry_after_and_recovers_without_a_restart(
        client: Any, login: Any, api: Any, platform: Reglament, outage: Outage) -> None:
    login(client, "anna")
    token = api("anna").token
    app = _app_on(outage.url, platform)
    web = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    web.set_cookie("session", cookie.value)
    bearer = {"Authorization": f"Bearer {token}"}
    try:
        outage.restore()
        assert web.get("/inbox").status_code == 200  # the app's pool now holds live connections
        assert web.get("/api/v1/tasks", headers=bearer).status_code == 200

        outage.cut()
        if outage.reopens:
            app.extensions["reglament"].db.dispose()
        page = web.get("/inbox", headers={"Accept-Language": "ru"})
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        html = page.get_data(as_text=True)
        assert "База данных сейчас недоступна" in html and "Traceback" not in html
        response = web.get("/api/v1/tasks", headers=bearer)
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.get_json()["error"] == "database_unavailable"
        created = web.post("/api/v1/clients", headers=bearer, json={"name": "Outage Ltd"})
        assert created.status_code == 503
        ready = web.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["error"] == "database_unreachable"

        outage.restore()  # no restart: the next requests find the database again
        assert web.get("/readyz").status_code == 200
        assert web.get("/inbox").status_code == 200
        assert web.post("/api/v1/clients", headers=bearer, json={"name": "Outage Ltd"}).status_code == 201
    finally:  # no connection left open, even when an assertion failed
        app.extensions["reglament"].db.dispose()
