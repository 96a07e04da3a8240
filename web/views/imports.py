"""Client import (upload, column mapping and preview, progress, report) and export."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from functools import wraps
from tempfile import SpooledTemporaryFile
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.clients import exports
from engine.clients.files import escape_formula, write_xlsx
from engine.clients.records import Filters
from engine.clients.views import ImportPreview
from engine.shared.errors import InputInvalid
from web.i18n import error_text
from web.views import actor, login_required, platform

bp = Blueprint("imports", __name__)

#: uploads may be larger than the app's request limit
UPLOAD_LIMIT = 64 * 1024 * 1024
#: rejected rows listed on the report page (all of them are in its CSV)
REPORT_ROWS = 500

FIELD_LABELS = {
    "name": _l("Name"), "kind": _l("Kind"), "tax_id": _l("Tax ID"), "industry": _l("Industry"),
    "region": _l("Region"), "size": _l("Size"), "source": _l("Source"), "status": _l("Status"),
    "segment": _l("Segment"), "owner": _l("Owner (login)"), "contact": _l("Contact"),
    "position": _l("Position"), "phone": _l("Phone"), "email": _l("E-mail"), "note": _l("Note"),
}
WHAT = {"tax_id": _l("tax id"), "phone": _l("phone"), "email": _l("e-mail"), "name": _l("name")}
TAX_ID_PROBLEMS: dict[str, Callable[[str], str]] = {
    "not_digits": lambda v: _("tax id “%(value)s” must contain digits only", value=v),
    "company_length": lambda v: _("tax id “%(value)s”: a company's tax id has 10 digits", value=v),
    "person_length": lambda v: _("tax id “%(value)s”: a person's tax id has 12 digits", value=v),
    "checksum": lambda v: _("tax id “%(value)s” is not valid: its check digit does not match (a typo?)", value=v),
}
RUN_STATUS = {"queued": _l("Waiting for a worker"), "running": _l("Running"), "done": _l("Done"),
              "failed": _l("Failed")}
#: what each limit of a file counts (engine.clients.limits), after "at most N"
LIMIT_WHAT = {
    "rows": _l("rows"), "columns": _l("columns in a row"), "cell_chars": _l("characters in a cell"),
    "cells": _l("cells"), "row_bytes": _l("of XML in one row"), "unpacked": _l("unpacked"),
    "shared_strings": _l("of texts (shared strings)"), "strings": _l("texts (shared strings)"),
    "part": _l("in one part of the workbook"),
}


def file_error(exc: InputInvalid) -> str:
    """Why a file cannot be imported, in the user's language when it is over a limit."""
    limit = exc.details.get("limit") if isinstance(exc.details, dict) else None
    if not isinstance(limit, dict) or limit.get("what") not in LIMIT_WHAT:
        return error_text(exc)
    what = str(LIMIT_WHAT[limit["what"]])
    if limit.get("row") is not None:
        return _("The file is over a limit of what an import reads: at most %(limit)s %(what)s (row %(row)s). "
                 "Split it, shorten it or save it as CSV.", limit=limit["limit"], what=what, row=limit["row"])
    return _("The file is over a limit of what an import reads: at most %(limit)s %(what)s. "
             "Split it, shorten it or save it as CSV.", limit=limit["limit"], what=what)


def _problem_text(code: str, args: dict[str, Any]) -> str | None:
    """A rejected row's problem in the user's language (None for a code this version lacks)."""
    a = dict(args)
    if "field" in a:
        a["field"] = str(FIELD_LABELS.get(a["field"], a["field"]))
    if "what" in a:
        a["what"] = str(WHAT.get(a["what"], a["what"]))
    texts: dict[str, Callable[[], str]] = {
        "name_missing": lambda: _("name is missing"),
        "too_long": lambda: _("%(field)s is too long (at most %(limit)s characters)", **a),
        "bad_choice": lambda: _("%(field)s “%(value)s” is not one of: %(allowed)s", **a),
        "unknown_segment": lambda: _("unknown segment “%(value)s” (known: %(known)s)", **a),
        "unknown_owner": lambda: _("no user with login “%(value)s”", **a),
        "owner_cannot_own": lambda: _("“%(value)s” cannot own clients (not an active manager, head or admin)", **a),
        "owner_not_self": lambda: _("a manager imports only clients of his own, not of “%(value)s”", **a),
        "phone_no_digits": lambda: _("phone “%(value)s” has no digits", **a),
        "bad_email": lambda: _("bad e-mail “%(value)s”", **a),
        "bad_tax_id": lambda: TAX_ID_PROBLEMS[a["why"]](a["value"]),
        "duplicate_client": lambda: _("duplicate of client #%(id)s %(name)s: same %(what)s %(value)s", **a).strip(),
        "duplicate_row": lambda: _("duplicate of row %(row)s: same %(what)s %(value)s", **a).strip(),
        "duplicate_hidden": lambda: _("duplicate of a client of another manager: same %(what)s %(value)s",
                                      **a).strip(),
    }
    render = texts.get(code)
    try:
        return render() if render else None
    except (KeyError, TypeError, ValueError):
        return None


def reason(rejected: dict[str, Any]) -> str:
    """A rejected row's reasons in the user's language; the engine's English where unknown."""
    texts = [_problem_text(p.get("code", ""), p.get("args", {})) for p in rejected.get("problems", [])]
    if texts and all(texts):
        return "; ".join(t for t in texts if t)
    return str(rejected.get("reason", ""))


F = TypeVar("F", bound=Callable[..., Any])


def large_upload(view: F) -> F:
    """Let this view take a body up to UPLOAD_LIMIT. The app's CSRF check would read the form under
    the app's smaller limit first, so the view is exempt from it and makes the same check itself."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        request.max_content_length = UPLOAD_LIMIT
        if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
            current_app.extensions["csrf"].protect()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.record_once
def _exempt_uploads(state: Any) -> None:
    state.app.extensions["csrf"].exempt(upload)


# ---------------------------------------------------------------- import pages

@bp.route("/clients/import", methods=["GET", "POST"])
@large_upload
@login_required
def upload():  # type: ignore[no-untyped-def]
    error = None
    if request.method == "POST":
        file = request.files.get("file")
        try:
            if file is None or not file.filename:
                raise InputInvalid(_("Choose a file to import."))
            preview = platform().clients.upload_clients_file(actor(), file.filename, file.stream)
        except InputInvalid as exc:
            error = file_error(exc)
        else:
            return redirect(url_for("imports.mapping", upload_id=preview.upload))
    return render_template("imports/import_upload.html", error=error, fields=FIELD_LABELS), (422 if error else 200)


@bp.route("/clients/import/<upload_id>", methods=["GET", "POST"])
@login_required
def mapping(upload_id: str):  # type: ignore[no-untyped-def]
    """The file's columns mapped to client fields, the first rows with what importing them does;
    "Start import" starts it."""
    chosen = None
    if request.method == "POST":
        headers = request.form.getlist("column")
        chosen = {h: request.form.get(f"field-{i}", "") for i, h in enumerate(headers)}
    preview = platform().clients.import_preview(actor(), upload_id, chosen)
    if request.method == "POST" and request.form.get("action") == "start" and not preview.error:
        run_id = platform().clients.start_import(actor(), upload_id, dict(preview.mapping))
        return redirect(url_for("imports.run", run_id=run_id))
    return render_template("imports/import_mapping.html", preview=preview, fields=FIELD_LABELS, reason=reason,
                           chosen=preview.mapping, mapping_error=_mapping_error(preview)
                           ), (422 if preview.error and chosen is not None else 200)


def _mapping_error(preview: ImportPreview) -> str | None:
    """Why the mapping cannot be used (engine.imports.check_mapping), in the user's language."""
    if not preview.error:
        return None
    problems = preview.mapping_problems
    if problems.get("twice"):
        return _("Each field can take one column; more than one is mapped to: %(fields)s.",
                 fields=", ".join(str(FIELD_LABELS.get(f, f)) for f in problems["twice"]))
    if problems.get("name_missing"):
        return _("Choose the column that holds the client's name.")
    return str(preview.error)


@bp.get("/imports")
@login_required
def runs():  # type: ignore[no-untyped-def]
    return render_template("imports/imports.html", runs=platform().clients.import_runs(actor()), statuses=RUN_STATUS)


@bp.get("/imports/<int:run_id>")
@login_required
def run(run_id: int):  # type: ignore[no-untyped-def]
    info = platform().clients.import_run(actor(), run_id)
    return render_template("imports/import_run.html", run=info, rejected=(info.rejected or ())[:REPORT_ROWS],
                           statuses=RUN_STATUS, reason=reason, fields=FIELD_LABELS)


@bp.get("/imports/<int:run_id>/progress")
@login_required
def progress(run_id: int):  # type: ignore[no-untyped-def]
    info = platform().clients.import_run(actor(), run_id, with_rejected=False)
    shown = info.as_dict()
    return jsonify({k: shown[k] for k in ("id", "status", "total", "processed", "imported", "rejected_count",
                                          "percent")})


@bp.get("/imports/<int:run_id>/rejected.csv")
@login_required
def rejected_csv(run_id: int):  # type: ignore[no-untyped-def]
    info = platform().clients.import_run(actor(), run_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Row"), _("Reason")])
    for item in info.rejected or ():
        writer.writerow([item["row"], escape_formula(reason(item))])  # the reason quotes the row's values
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="import-{run_id}-rejected.csv"'})


# ---------------------------------------------------------------- export

def _filters() -> Filters:
    """The client list's filters, from the same query string (?q=&segment=&owner=&status=)."""
    return Filters(text=request.args.get("q") or None, segment=request.args.get("segment") or None,
                   owner=request.args.get("owner") or None, status=request.args.get("status") or None)


@bp.get("/clients/export.csv")
@login_required
def export_csv():  # type: ignore[no-untyped-def]
    rows = platform().clients.export_clients(actor(), _filters())
    text = exports.csv_lines(rows, actor().locale)  # `;` and Russian headers for Russian users
    return Response(text, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="clients-{date.today().isoformat()}.csv"'})


@bp.get("/clients/export.xlsx")
@login_required
def export_xlsx():  # type: ignore[no-untyped-def]
    target = SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (send_file closes it)
    write_xlsx(platform().clients.export_clients(actor(), _filters()), target)
    target.seek(0)
    return send_file(target, as_attachment=True, download_name=f"clients-{date.today().isoformat()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def mapping_json(raw: str | None) -> dict[str, str] | None:
    """A mapping given as JSON text (the API's form field): None when absent."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise InputInvalid("mapping must be JSON: an object of file column -> field") from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, (str, type(None)))
                                              for k, v in value.items()):
        raise InputInvalid("mapping must be an object of file column -> field")
    return {k: v or "" for k, v in value.items()}
