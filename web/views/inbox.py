from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from engine.regulation.forms import Upload
from engine.shared.errors import FormInvalid
from web.i18n import translated_fields
from web.views import actor, login_required, platform, safe_next

bp = Blueprint("inbox", __name__)


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    if size < 1024:
        return _("%(n)s bytes", n=size)
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(round(size / 1024, 1)))
    return _("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1)))


@bp.get("/inbox")
@login_required
def index():  # type: ignore[no-untyped-def]
    scope = request.args.get("scope") or None
    page = platform().regulation.inbox_page(actor(), scope=scope)
    now = platform().ctx.now()
    return render_template("inbox/inbox.html", rows=page.rows, scope=scope, now=now)


def _uploads(fields: list[Any]) -> dict[str, Upload]:
    out = {}
    for f in fields:
        sent = request.files.get(f.id) if f.type == "file" and not f.readonly else None
        if sent is not None and (sent.filename or ""):
            out[f.id] = Upload(sent.filename or "", sent.read(), sent.mimetype or "application/octet-stream")
    return out


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: str):  # type: ignore[no-untyped-def]
    page = platform().regulation.task_page(actor(), task_id)
    fields = list(page.fields)
    errors: dict[str, str] = {}
    values = {f.id: page.variables.get(f.id, f.default) for f in fields}
    if request.method == "POST":
        submitted = {f.id: request.form.get(f.id) for f in fields if not f.readonly and f.type != "file"}
        try:
            platform().regulation.complete_task(actor(), task_id, submitted, _uploads(fields))
        except FormInvalid as exc:
            errors = translated_fields(exc)
            values.update(submitted)
        else:
            flash(_("Task “%(name)s” completed.", name=page.task.name), "success")
            return redirect(url_for("inbox.index"))
    return render_template("inbox/task.html", task=page.task, fields=fields, values=values, errors=errors,
                           documentation=page.documentation, context=page.context, now=platform().ctx.now(),
                           multipart=any(f.type == "file" for f in fields)), (422 if errors else 200)


@bp.get("/deals")
@login_required
def deals():  # type: ignore[no-untyped-def]
    """The deal board: open deals in columns by stage, with amounts and totals."""
    owner = (request.args.get("owner") or "").strip() or None
    page = platform().regulation.deals_page(actor(), owner)
    return render_template("inbox/deals.html", board=page.board, owners=page.owners, owner=owner)


@bp.get("/files/<int:file_id>")
@login_required
def download(file_id: int):  # type: ignore[no-untyped-def]
    stored, data = platform().regulation.attachment(actor(), file_id)
    response = Response(data, mimetype=stored.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=stored.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):  # type: ignore[no-untyped-def]
    platform().regulation.claim_task(actor(), task_id)
    flash(_("The task is yours now."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("inbox.task", task_id=task_id)))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):  # type: ignore[no-untyped-def]
    platform().regulation.release_task(actor(), task_id)
    flash(_("The task is back in the group queue."), "success")
    return redirect(url_for("inbox.index"))
