"""``Idempotency-Key`` on the JSON API's and the Camunda REST subset's POST calls (creates, starts,
completions, messages...).

A client that lost an answer sends the same call again with the same key and gets the first
answer (status and body, header ``Idempotent-Replayed: true``) instead of a second client, cycle or
contact. The rules are in ``engine/platform/idempotency.py``; this module wraps the API's views
once the app has all its blueprints, so the key is claimed after authentication and the view's
own transactions mark it.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, g, request

from engine.platform.idempotency import Answer, Idempotency, fingerprint

HEADER = "Idempotency-Key"
#: the JSON API and the Camunda 7 REST subset (process starts, message correlation, external tasks)
PREFIXES = ("api.", "engine_rest.")
#: calls never wrapped: the token call carries a password and answers a secret
EXCLUDED = frozenset({"api.token"})


def _wrap(view: Callable[..., Any], keys: Idempotency) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        actor = g.get("actor")
        if key is None or request.method != "POST" or actor is None:
            return view(*args, **kwargs)
        print_ = fingerprint(request.method, request.full_path, request.get_data(cache=True))
        outcome = keys.claim(actor.id, key, print_)
        if isinstance(outcome, Answer):
            replay = Response(outcome.body, status=outcome.status, content_type=outcome.content_type)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        with keys.running(outcome):
            try:
                response = current_app.make_response(view(*args, **kwargs))
            except Exception as exc:
                try:
                    response = current_app.make_response(current_app.handle_user_exception(exc))
                except Exception:
                    keys.abandon(outcome)
                    raise
        keys.finish(outcome, response.status_code, response.content_type or "application/json",
                    response.get_data())
        return response

    return wrapped


def register(app: Flask) -> None:
    """Wrap every POST view of the API (call after every blueprint is registered)."""
    keys = Idempotency(app.extensions["reglament"])
    app.extensions["reglament_idempotency"] = keys
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(PREFIXES) and "POST" in (rule.methods or ()) and rule.endpoint not in EXCLUDED:
            view = app.view_functions[rule.endpoint]
            if not getattr(view, "_idempotent", False):
                wrapped = _wrap(view, keys)
                wrapped._idempotent = True  # type: ignore[attr-defined]
                app.view_functions[rule.endpoint] = wrapped
