"""Fixtures for the web layer: the Flask app on the test platform, clients and helpers.

``app`` keeps Flask-WTF's CSRF protection switched off so page tests can post forms
directly; ``csrf_app`` is the app with CSRF protection on, as in production.
Helpers are fixtures (not importable functions) because every ``conftest`` module
shares one name.
"""
from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import demo
from engine.platform import Reglament
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


@pytest.fixture
def app(platform: Reglament) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}, platform=platform)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def csrf_app(platform: Reglament) -> Flask:
    """The app with CSRF protection left on (the default)."""
    return create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform)


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

    def _api(who: str) -> "BearerClient":
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
