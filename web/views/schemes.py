"""Motivation schemes: list, a scheme with its versions, terms, piece rates and decision
tables, and the dmn-js editor of one table (heads save into the draft, then activate)."""
from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from engine.motivation.money import AmountInvalid, normalize_number
from engine.motivation.read_models import SchemeDetail
from engine.motivation.schemes import BASES, ROUNDINGS, TEMPLATES
from engine.regulation.decisions import feel
from engine.shared.access import HEADS, ROLES
from engine.shared.errors import DmnError, InputInvalid, NotFound
from web.i18n import error_text, translated_fields
from web.views import actor, login_required, platform

bp = Blueprint("schemes", __name__, url_prefix="/motivation/schemes")

KNOWN_TABLES = tuple(TEMPLATES)
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


def _field_label(name: str) -> str:
    return {"name": _("Name"), "effective_from": _("Effective from"), "role": _("Role"), "team": _("Team"),
            "basis": _("Commission on"), "currency": _("Currency"), "rounding": _("Rounding to 0.01"),
            "piece_rates": _("Piece rates"), "settings": _("Settings (JSON)"), "table": _("Table")}.get(name, name)


def _problem(exc: InputInvalid | NotFound) -> str:
    """What the engine refused, in the user's language: each field with its problem (the one table
    of codes in web/i18n), else the engine's sentence."""
    fields = translated_fields(exc)
    return "; ".join(f"{_field_label(k)}: {v}" for k, v in fields.items()) if fields else error_text(exc)


def _may_edit() -> bool:
    return actor().has_any(HEADS)


def _choices() -> dict[str, Any]:
    """What the terms forms offer: scopes (roles, teams), bases, roundings, work types."""
    teams = [t.name for t in platform().organization.team_list(actor())] if _may_edit() else []
    return {"roles": ROLES, "teams": teams, "bases": BASES, "roundings": ROUNDINGS,
            "work_types": platform().regulation.work_types(), "known_tables": KNOWN_TABLES}


def _scope(value: str | None) -> dict[str, Any]:
    """The "for" select: "role:manager", "team:North" or "" (everyone)."""
    kind, _sep, rest = (value or "").partition(":")
    if kind == "team" and rest:
        return {"role": None, "team": rest}
    if kind == "role" and rest:
        return {"role": rest, "team": None}
    return {"role": None, "team": None}


def _terms(form: Any) -> dict[str, Any]:
    terms: dict[str, Any] = {"effective_from": form.get("effective_from", ""), **_scope(form.get("scope")),
                             "basis": form.get("basis", ""), "currency": form.get("currency", ""),
                             "rounding": form.get("rounding", "")}
    if "settings" in form:
        terms["settings"] = form.get("settings", "")
    if any(key.startswith("rate_") for key in form):
        terms["piece_rates"] = {key[5:]: form.get(key, "").strip() for key in form
                                if key.startswith("rate_") and form.get(key, "").strip()}
    return terms


# ----------------------------------------------------------------------------- list and create

@bp.get("")
@login_required
def index():  # type: ignore[no-untyped-def]
    return _index()


def _index(error: str | None = None, form: Any = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("schemes/schemes.html", schemes=platform().motivation.schemes(actor()), may_edit=_may_edit(),
                           error=error, form=form or {}, **_choices()), status


@bp.post("")
@login_required
def create():  # type: ignore[no-untyped-def]
    form = request.form
    name = form.get("name", "").strip()
    terms = _terms(form)
    copy_from = form.get("copy_from", "").strip()
    try:
        if copy_from:
            source = platform().motivation.scheme(actor(), copy_from)
            terms.update(piece_rates=dict(source.piece_rates), settings=dict(source.settings),
                         tables={table: platform().motivation.scheme_table_xml(actor(), copy_from, table, source.version)
                                 for table in source.tables})
        created = platform().motivation.create_scheme(actor(), name, terms)
    except (InputInvalid, NotFound) as exc:
        return _index(_problem(exc), form, 422)
    flash(_("Scheme %(name)s created as draft version 1.", name=created.name), "success")
    return redirect(url_for("schemes.detail", name=created.name))


# ----------------------------------------------------------------------------- one scheme

@bp.get("/<name>")
@login_required
def detail(name: str):  # type: ignore[no-untyped-def]
    return _detail(name, request.args.get("version", type=int))


def _detail(name: str, version: int | None, error: str | None = None, form: Any = None,
            status: int = 200):  # type: ignore[no-untyped-def]
    versions = platform().motivation.scheme_versions(actor(), name)
    scheme = platform().motivation.scheme(actor(), name, version)
    draft = next((v for v in versions if v.status == "draft"), None)
    trial = _trial(name, scheme) if request.args.get("try") else None
    # edits apply to the draft, or to a copy of the newest version: offered on those pages only
    edit_here = _may_edit() and (scheme.status == "draft" or (draft is None and scheme.version == versions[-1].version))
    return render_template("schemes/schemes_scheme.html", scheme=scheme, versions=versions, draft=draft,
                           may_edit=_may_edit(), edit_here=edit_here, error=error, form=form, trial=trial,
                           next_version=versions[-1].version + 1, **_choices()), status


def _input_value(text: str) -> Any:
    """A value typed into the try-it form: a number (Decimal; "0.85", "0,85", "250 000,50"),
    true/false/null, "text" or text."""
    text = text.strip()
    try:
        number = normalize_number(text)
    except AmountInvalid:  # 1,500: left as typed, the table says what it makes of it
        number = None
    if number is not None:
        text = number
    elif _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    is_literal, value = feel.parse_literal(text)
    return value if is_literal else text


def _trial(name: str, scheme: SchemeDetail) -> dict[str, Any] | None:
    """Evaluate one table of the shown version on the inputs of the try-it form."""
    table = request.args.get("try", "")
    loaded = scheme.loaded.get(table)
    if loaded is None:
        return None
    raw = {var: request.args.get(f"in_{var}", "") for var in loaded.variables}
    inputs = {var: _input_value(text) for var, text in raw.items() if text.strip()}
    try:
        result = platform().motivation.evaluate_scheme_table(actor(), name, table, inputs, scheme.version)
    except DmnError as exc:
        return {"table": table, "raw": raw, "error": error_text(exc)}
    return {"table": table, "raw": raw, "result": result, "rules": set(result.rules),
            "outputs": result.outputs if isinstance(result.outputs, list) else [result.outputs]}


@bp.post("/<name>")
@login_required
def save(name: str):  # type: ignore[no-untyped-def]
    """The terms form: saved into the draft (a new draft version when there is none)."""
    form = request.form
    try:
        saved = platform().motivation.save_scheme(actor(), name, _terms(form))
    except InputInvalid as exc:
        return _detail(name, form.get("version", type=int), _problem(exc), form, 422)
    flash(_("Saved in draft version %(version)s.", version=saved.version), "success")
    return redirect(url_for("schemes.detail", name=name, version=saved.version))


@bp.post("/<name>/activate")
@login_required
def activate(name: str):  # type: ignore[no-untyped-def]
    version = request.form.get("version", type=int)
    if version is None:
        abort(400, _("Which version?"))
    if not request.form.get("sure"):  # activating cannot be undone: the tick confirms it
        flash(_("Nothing was activated: tick the box that confirms it."), "error")
        return redirect(url_for("schemes.detail", name=name, version=version))
    try:
        platform().motivation.activate_scheme(actor(), name, version)
    except InputInvalid as exc:
        flash(_problem(exc), "error")
    else:
        flash(_("Version %(version)s is active; the version active before it is retired.", version=version),
              "success")
    return redirect(url_for("schemes.detail", name=name, version=version))


# ----------------------------------------------------------------------------- tables

@bp.post("/<name>/tables")
@login_required
def add_table(name: str):  # type: ignore[no-untyped-def]
    table = request.form.get("table", "").strip()
    try:
        saved = platform().motivation.add_scheme_table(actor(), name, table)
    except InputInvalid as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("schemes.detail", name=name))
    flash(_("Table %(table)s added to draft version %(version)s.", table=table, version=saved.version), "success")
    return redirect(url_for("schemes.edit_table", name=name, table=table))


@bp.post("/<name>/tables/<table>/remove")
@login_required
def remove_table(name: str, table: str):  # type: ignore[no-untyped-def]
    saved = platform().motivation.remove_scheme_table(actor(), name, table)
    flash(_("Table %(table)s removed from draft version %(version)s.", table=table, version=saved.version),
          "success")
    return redirect(url_for("schemes.detail", name=name, version=saved.version))


@bp.get("/<name>/tables/<table>/dmn")
@login_required
def table_xml(name: str, table: str):  # type: ignore[no-untyped-def]
    version = request.args.get("version", type=int)
    xml = platform().motivation.scheme_table_xml(actor(), name, table, version)
    # always a download: an XML document opened in the browser could carry XHTML markup
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{table}.dmn"', "Cache-Control": "no-store"})


def _editor_labels() -> dict[str, str]:
    return {
        "saving": _("Checking and saving…"),
        "saved": _("Saved in draft version %(version)s."),
        "toScheme": _("Open the scheme to activate it"),
        "invalid": _("Not saved: fix the problem below."),
        "failed": _("Failed"),
        "warnings": _("Import warnings"),
    }


@bp.get("/<name>/tables/<table>")
@login_required
def edit_table(name: str, table: str):  # type: ignore[no-untyped-def]
    """The dmn-js editor of one table of the scheme's draft (or of the version a draft will be made from)."""
    if not _may_edit():
        abort(403, _("Only heads of sales may edit motivation schemes."))
    scheme = platform().motivation.scheme(actor(), name)
    if table not in scheme.tables:
        raise NotFound(f"the motivation scheme {name} v{scheme.version} has no table {table!r}")
    config = {"scheme": name, "table": table, "csrf": generate_csrf(), "labels": _editor_labels(),
              "xmlUrl": url_for("schemes.table_xml", name=name, table=table, version=scheme.version),
              "saveUrl": url_for("schemes.save_table", name=name, table=table)}
    return render_template("schemes/dmn_editor.html", scheme=scheme, table=table, config=config)


@bp.post("/<name>/tables/<table>")
@login_required
def save_table(name: str, table: str):  # type: ignore[no-untyped-def]
    """The editor's save: checked by the server's DMN reader, stored in the draft only when valid."""
    saved = platform().motivation.save_scheme_table(actor(), name, table, request.get_data())
    return jsonify(version=saved.version, status=saved.status, table=table,
                   scheme_url=url_for("schemes.detail", name=name, version=saved.version))
