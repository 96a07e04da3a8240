"""Motivation: sales plans, statements with their lines, and approving and locking them on the
figures the caller saw, as the pages do (a statement's ``fingerprint``; a period's ``token``
from the review)."""
from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, jsonify, request

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, json_body, text_field


def _plain(value: Any) -> Any:
    """A read model as JSON: amounts as strings (exact), dates in ISO 8601."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _period() -> str | None:
    return request.args.get("period") or None


@bp.get("/motivation/plans")
def motivation_plans():  # type: ignore[no-untyped-def]
    return jsonify(_plain(platform().motivation.plan_grid(g.actor, _period(), request.args.get("scenario") or None)))


@bp.post("/motivation/plans")
def motivation_save_plans():  # type: ignore[no-untyped-def]
    """``{"period", "scenario"?, "values": {"<login>.<target>": "250 000,50", ...}}`` as the grid posts."""
    data = json_body()
    values = data.get("values")
    if not isinstance(values, dict) or not all(isinstance(v, (str, int)) for v in values.values()):
        raise InputInvalid("values must be an object of cell -> amount", {"fields": {"values": "must be an object"}})
    saved = platform().motivation.save_plans(g.actor, text_field(data, "period"), text_field(data, "scenario"),
                                             {str(k): str(v) for k, v in values.items()})
    return jsonify(saved=saved)


@bp.get("/motivation/statements")
def motivation_statements():  # type: ignore[no-untyped-def]
    return jsonify(_plain(platform().motivation.statements(g.actor, _period())))


@bp.post("/motivation/statements/compute")
def motivation_compute():  # type: ignore[no-untyped-def]
    data = json_body()
    logins = data.get("logins")
    if logins is not None and not (isinstance(logins, list) and all(isinstance(x, str) for x in logins)):
        raise InputInvalid("logins must be a list of logins", {"fields": {"logins": "must be a list of logins"}})
    done = platform().motivation.compute_statements(g.actor, text_field(data, "period"), logins)
    return jsonify(statements=[s.id for s in done.statements], kept=done.kept, problems=done.problems)


@bp.get("/motivation/statements/<int:statement_id>")
def motivation_statement(statement_id: int):  # type: ignore[no-untyped-def]
    """The statement with its lines and comments, and the ``fingerprint`` of its figures."""
    return jsonify(_plain(platform().motivation.statement(g.actor, statement_id)))


@bp.post("/motivation/statements/<int:statement_id>/<action>")
def motivation_act(statement_id: int, action: str):  # type: ignore[no-untyped-def]
    """recompute, reopen; approve and lock with ``{"fingerprint"}`` of the figures the caller saw
    (409 ``figures_changed`` naming old and new when they changed; 409 ``period_not_over``)."""
    methods = {"recompute": "recompute_statement", "reopen": "reopen_statement",
               "approve": "approve_statement", "lock": "lock_statement"}
    if action not in methods:
        raise InputInvalid(f"unknown action {action!r}: use {', '.join(methods)}")
    kwargs = {}
    if action in ("approve", "lock"):
        kwargs["confirmed"] = text_field(json_body(), "fingerprint")
    getattr(platform().motivation, methods[action])(g.actor, statement_id, **kwargs)
    return jsonify(_plain(platform().motivation.statement(g.actor, statement_id)))


@bp.get("/motivation/periods/<period>/review")
def motivation_review(period: str):  # type: ignore[no-untyped-def]
    """What approving (``?action=approve``) or locking (``lock``) the whole period would do, from
    fresh figures, with the ``token`` that confirms exactly them."""
    action = request.args.get("action") or "approve"
    review = platform().motivation.review_statements(g.actor, period, action)
    rows = [{"statement_id": r.statement_id, "login": r.login, "name": r.name, "currency": r.currency,
             "stored": str(r.stored), "fresh": None if r.fresh is None else str(r.fresh),
             "difference": None if r.difference is None else str(r.difference), "acts": r.acts, "problem": r.problem}
            for r in review.rows]
    return jsonify(action=review.action, period=review.period.key, period_over=review.period_over, rows=rows,
                   token=review.token)


@bp.post("/motivation/periods/<period>/<action>")
def motivation_act_period(period: str, action: str):  # type: ignore[no-untyped-def]
    """approve-all / lock-all with ``{"token"}`` from the review."""
    methods = {"approve-all": "approve_statements", "lock-all": "lock_statements"}
    if action not in methods:
        raise InputInvalid(f"unknown action {action!r}: use {', '.join(methods)}")
    acted = getattr(platform().motivation, methods[action])(g.actor, period, text_field(json_body(), "token"))
    return jsonify(done=list(acted.done), skipped=acted.skipped)


@bp.get("/motivation/earned")
def motivation_earned():  # type: ignore[no-untyped-def]
    return jsonify(_plain(platform().motivation.earned_so_far(g.actor, request.args.get("login") or None,
                                                              _period())))
