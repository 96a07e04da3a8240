"""Fixtures for the web layer: the Flask app on the test platform, clients and helpers.

``app`` keeps Flask-WTF's CSRF protection switched off so page tests can post forms
directly; ``csrf_app`` is the app with CSRF protection on, as in production.
The browser tests share ``site`` (the app served on 127.0.0.1) and ``chromium``/``browser``
(Debian's Chromium through Playwright; ``playwright install`` is never used).
Helpers are fixtures (not importable functions) because every ``conftest`` module
shares one name.
"""
from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from engine.demo import loader as demo
from engine.platform.root import Reglament
from web.app import create_app


def _reexport_root_helpers() -> None:
    """Engine tests do ``from conftest import bpmn_file``. Every conftest.py is imported as the
    module ``conftest``, so when this directory is collected first (``pytest tests/web
    tests/engine``) that import would find this module: offer the root conftest's plain helpers
    (not its fixtures, which must stay defined once) here too."""
    spec = importlib.util.spec_from_file_location("_reglament_root_conftest",
                                                  Path(__file__).resolve().parents[1] / "conftest.py")
    assert spec is not None and spec.loader is not None
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)
    for name, value in vars(root).items():
        is_fixture = type(value).__name__ == "FixtureFunctionDefinition" or hasattr(value, "_pytestfixturefunction")
        if not name.startswith("_") and not is_fixture and name not in globals():
            globals()[name] = value


_reexport_root_helpers()


class ClosingClient(FlaskClient):
    """A test client that closes the request body it built once the response is read: a large
    multipart upload is spooled to a temporary file that the plain test client leaves open."""

    def _request_from_builder_args(self, args: Any, kwargs: Any) -> Any:
        request = super()._request_from_builder_args(args, kwargs)
        self._built = getattr(self, "_built", [])
        self._built.append(request)
        return request

    def open(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().open(*args, **kwargs)
        finally:
            for request in getattr(self, "_built", []):
                request.input_stream.close()
            self._built = []


def _testing(app: Flask) -> Flask:
    app.test_client_class = ClosingClient
    return app


@pytest.fixture
def app(platform: Reglament) -> Flask:
    return _testing(create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}, platform=platform))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def csrf_app(platform: Reglament) -> Flask:
    """The app with CSRF protection left on (the default)."""
    return _testing(create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform))


@pytest.fixture
def csrf_client(csrf_app: Flask) -> FlaskClient:
    return csrf_app.test_client()


def _csrf_token(html: str) -> str | None:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    return found.group(1) if found else None


@pytest.fixture
def csrf_token() -> Callable[[str], str | None]:
    """The CSRF token of a rendered page, or None when the page has none."""
    return _csrf_token


@pytest.fixture
def login() -> Callable[..., Any]:
    """``login(client, "anna")`` logs in through the login form; returns the response."""

    def _login(client: FlaskClient, who: str, password: str = demo.PASSWORD, **kwargs: Any) -> Any:
        data = {"login": who, "password": password}
        token = _csrf_token(client.get("/login").get_data(as_text=True))
        if token:
            data["csrf_token"] = token
        return client.post("/login", data=data, **kwargs)

    return _login


def _won_sale(platform: Reglament, actors: dict[str, Any], owner: str, client: str, amount: int) -> int:
    cid = platform.regulation.start_cycle(actors[owner], platform.clients.create_client(actors[owner], client).id,
                               "new_client_sale").id
    steps = [(owner, "Task_QualificationCall", {"contact_person": "Maria", "result": "qualified"}),
             ("pavel", "Task_PrepareDemo", {"demo_date": "2026-11-30"}),
             (owner, "Task_Presentation", {"result": "interested"}),
             (owner, "Task_Proposal", {"amount": amount}), (owner, "Task_Negotiation", {"result": "agreed"}),
             ("lena", "Task_ContractReview", {"contract_number": "C-1", "approved": "true"}),
             (owner, "Task_SignContract", {"result": "signed"}), ("olga", "Task_IssueInvoice", {"invoice_number": "I"}),
             ("olga", "Task_ConfirmPayment", {"paid_amount": amount, "payment_date": "2026-11-20"})]
    for who, element_id, values in steps:
        [task] = [t for t, _ in platform.regulation.inbox(actors[who], cycle_id=cid) if t.element_id == element_id]
        if task.assignee is None:
            platform.regulation.claim_task(actors[who], task.id)
        platform.regulation.complete_task(actors[who], task.id, values)
    return cid


@pytest.fixture
def won_sale() -> Callable[..., int]:
    """``won_sale(platform, actors, owner, client, amount)``: a sale of ``owner``'s new client driven
    to won through the demo regulation; returns the cycle id."""
    return _won_sale


@pytest.fixture(scope="session")
def api_tokens() -> dict[str, str]:
    """Tokens by login, kept for the session: users and the signing secret outlive each test,
    and issuing one costs a deliberately slow password check."""
    return {}


@pytest.fixture
def api(app: Flask, api_tokens: dict[str, str]) -> Callable[..., Any]:
    """``api("anna").get("/api/v1/...")``: a test client sending anna's Bearer token
    (obtained from POST /api/v1/token)."""
    tokens = api_tokens

    def _api(who: str) -> BearerClient:
        if who not in tokens:
            response = app.test_client().post("/api/v1/token", json={"login": who, "password": demo.PASSWORD})
            assert response.status_code == 200, response.get_data(as_text=True)
            tokens[who] = response.get_json()["token"]
        return BearerClient(app.test_client(), tokens[who])

    return _api


class BearerClient:
    """A Flask test client that adds ``Authorization: Bearer <token>`` to every request."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def open(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)


# ----------------------------------------------------------------------------- real browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MISSING = (f"Debian Chromium is not installed at {CHROMIUM}: run `make browser` "
           "(never `playwright install`)")


class Switchboard:
    """The WSGI app the server runs: whatever app the current test plugged in."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no app plugged in"]
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def live_server() -> Iterator[tuple[str, Switchboard]]:
    """Werkzeug in a background thread on 127.0.0.1, one per module: the base URL and the
    switchboard each test plugs its app into."""
    board = Switchboard()
    server = make_server("127.0.0.1", 0, board, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="reglament-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", board
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def site(live_server: tuple[str, Switchboard], platform: Reglament) -> Iterator[str]:
    """The base URL, serving an app (CSRF on) on this test's platform."""
    base, board = live_server
    board.app = create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform)
    yield base
    board.app = None


class LazyChromium:
    """Launches Chromium on first use, so a missing browser fails the test that needs it."""

    path = CHROMIUM
    missing = MISSING

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    def get(self) -> Any:
        if not CHROMIUM.exists():
            pytest.fail(MISSING, pytrace=False)
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        return self._browser

    def isolated(self) -> Any:
        """A second Chromium that cannot resolve any host name but 127.0.0.1 (the caller closes it)."""
        self.get()
        return self._playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS + ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[LazyChromium]:
    """One Chromium per module, launched when a test first asks for it."""
    lazy = LazyChromium()
    yield lazy
    lazy.close()


@pytest.fixture(scope="module")
def browser(chromium: LazyChromium) -> Any:
    """One Chromium for the whole module (a missing Chromium fails the tests that use it)."""
    return chromium.get()
