"""Motivation: sales plans, schemes (terms, decision tables, activation), statements with their
lines, approving and locking them on the figures the caller saw, as the pages do (a
statement's ``fingerprint``; a period's ``token`` from the review; ``early`` naming the period
to lock it before it ends), exports, and what-if.

Read models go out as JSON with amounts as strings (exact) and dates in ISO 8601. A refusal
with per-field problems carries ``problems``: ``[{"field", "code", "message", "params"}]``."""
from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, g, jsonify, request

from engine.motivation.read_models import SchemeDetail
from engine.shared.errors import InputInvalid
from engine.shared.numbers import whole_number
from web.views import platform
from web.views.api.base import bp, int_field, json_body, text_field


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
    if isinstance(value, SchemeDetail):  # the loaded tables are engine objects: their XML has its own address
        return _plain({k: v for k, v in asdict(value).items() if k != "loaded"})
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
    return jsonify(statements=list(done.statement_ids), kept=done.kept, problems=done.problems)


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
        data = json_body()
        kwargs["confirmed"] = text_field(data, "fingerprint")
        if action == "lock":
            kwargs["early"] = text_field(data, "early")
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
    """approve-all / lock-all with ``{"token"}`` from the review (lock-all before the period
    ends with ``"early": "<the period>"``)."""
    methods = {"approve-all": "approve_statements", "lock-all": "lock_statements"}
    if action not in methods:
        raise InputInvalid(f"unknown action {action!r}: use {', '.join(methods)}")
    data = json_body()
    extra = {"early": text_field(data, "early")} if action == "lock-all" else {}
    acted = getattr(platform().motivation, methods[action])(g.actor, period, text_field(data, "token"), **extra)
    return jsonify(done=list(acted.done), skipped=acted.skipped)


@bp.get("/motivation/earned")
def motivation_earned():  # type: ignore[no-untyped-def]
    return jsonify(_plain(platform().motivation.earned_so_far(g.actor, request.args.get("login") or None,
                                                              _period())))


# ---------------------------------------------------------------- exports

EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}


def _export_format() -> str:
    fmt = request.args.get("format") or "xlsx"
    if fmt not in EXPORTS:
        raise InputInvalid(f"format must be one of {', '.join(EXPORTS)}",
                           {"fields": {"format": f"must be one of: {', '.join(EXPORTS)}"},
                            "codes": {"format": {"code": "choice", "allowed": ", ".join(EXPORTS)}}})
    return fmt


def _file(name: str, content: bytes, fmt: str) -> Response:
    return Response(content, mimetype=EXPORTS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/motivation/statements/<int:statement_id>/export")
def motivation_export_statement(statement_id: int):  # type: ignore[no-untyped-def]
    """One statement as ``?format=xlsx`` (default) or ``csv``."""
    fmt = _export_format()
    return _file(*platform().motivation.export_statement(g.actor, statement_id, fmt), fmt)


@bp.get("/motivation/periods/<period>/export")
def motivation_export_period(period: str):  # type: ignore[no-untyped-def]
    """Every statement of the period (payroll) as ``?format=xlsx`` (default) or ``csv``."""
    fmt = _export_format()
    return _file(*platform().motivation.export_statements(g.actor, period, fmt), fmt)


# ---------------------------------------------------------------- schemes

@bp.get("/motivation/schemes")
def motivation_schemes():  # type: ignore[no-untyped-def]
    """Each scheme the caller may read, as its newest readable version (``active_version``: the one in force)."""
    return jsonify(_plain(platform().motivation.schemes(g.actor)))


@bp.post("/motivation/schemes")
def motivation_create_scheme():  # type: ignore[no-untyped-def]
    """``{"name", "effective_from", "role"?, "team"?, "basis"?, "currency"?, "rounding"?,
    "piece_rates"?: {"call": "150.00"}, "settings"?, "tables"?: {"commission_rate": "<DMN XML>"}}``:
    a new scheme as draft version 1 (head)."""
    data = json_body()
    terms = {k: v for k, v in data.items() if k != "name"}
    created = platform().motivation.create_scheme(g.actor, text_field(data, "name") or "", terms)
    return jsonify(_plain(created)), 201


@bp.get("/motivation/schemes/<name>")
def motivation_scheme(name: str):  # type: ignore[no-untyped-def]
    """One version (``?version=``; default the draft for heads, else the active one), with the
    numbers and states of all versions the caller may read."""
    version = request.args.get("version", type=int)
    found = platform().motivation.scheme(g.actor, name, version)
    versions = platform().motivation.scheme_versions(g.actor, name)
    return jsonify({**_plain(found), "versions": [{"version": v.version, "status": v.status,
                                                   "effective_from": v.effective_from.isoformat()} for v in versions]})


@bp.post("/motivation/schemes/<name>")
def motivation_save_scheme(name: str):  # type: ignore[no-untyped-def]
    """Change terms (the fields of create, but the name) in the scheme's draft; a new draft
    version when there is none."""
    return jsonify(_plain(platform().motivation.save_scheme(g.actor, name, json_body())))


@bp.post("/motivation/schemes/<name>/activate")
def motivation_activate_scheme(name: str):  # type: ignore[no-untyped-def]
    """``{"version"}``: that draft is put in force; the version active before retires."""
    return jsonify(_plain(platform().motivation.activate_scheme(g.actor, name, int_field(json_body(), "version"))))


@bp.get("/motivation/schemes/<name>/tables/<table>")
def motivation_scheme_table(name: str, table: str):  # type: ignore[no-untyped-def]
    """The DMN XML of a table (``?version=``)."""
    xml = platform().motivation.scheme_table_xml(g.actor, name, table, request.args.get("version", type=int))
    return Response(xml, mimetype="application/xml")


@bp.put("/motivation/schemes/<name>/tables/<table>")
def motivation_save_scheme_table(name: str, table: str):  # type: ignore[no-untyped-def]
    """The body is the table's DMN XML: checked (rules that overlap under UNIQUE or ANY, gaps,
    cells that do not read) and put in the draft, or 422 ``dmn_invalid`` naming the rules."""
    return jsonify(_plain(platform().motivation.save_scheme_table(g.actor, name, table, request.get_data())))


# ---------------------------------------------------------------- what-if

@bp.get("/motivation/whatif")
def motivation_whatif():  # type: ignore[no-untyped-def]
    """``?period=&scheme_id=&scenario=``: each manager's total with that scheme version and plan
    scenario beside the total in force, both computed now from the same figures (nothing stored)."""
    raw = request.args.get("scheme_id") or None
    scheme_id = whole_number(raw, "scheme_id", 12) if raw else None
    result = platform().motivation.what_if(g.actor, _period(), scheme_id, request.args.get("scenario") or None)
    rows = [{**_plain(row), "difference": None if row.difference is None else str(row.difference)}
            for row in result.rows]
    return jsonify({**_plain(result), "rows": rows})
