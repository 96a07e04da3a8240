from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.shared.errors import FormInvalid
from web.i18n import translated_fields
from web.views import actor, login_required, platform, safe_next

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def index():  # type: ignore[no-untyped-def]
    scope = request.args.get("scope") or None
    rows = platform().regulation.inbox(actor(), scope=scope)
    now = platform().ctx.now()
    return render_template("inbox/inbox.html", tasks=[t for t, _ in rows], scope=scope, now=now)


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: str):  # type: ignore[no-untyped-def]
    open_task, fields, variables = platform().regulation.task(actor(), task_id)
    errors: dict[str, str] = {}
    values = {f.id: variables.get(f.id, f.default) for f in fields}
    if request.method == "POST":
        submitted = {f.id: request.form.get(f.id) for f in fields if not f.readonly}
        try:
            platform().regulation.complete_task(actor(), task_id, submitted)
        except FormInvalid as exc:
            errors = translated_fields(exc)
            values.update(submitted)
        else:
            flash(_("Task “%(name)s” completed.", name=open_task.name), "success")
            return redirect(url_for("inbox.index"))
    documentation = platform().regulation.task_documentation(open_task, variables)
    return render_template("inbox/task.html", task=open_task, fields=fields, values=values, errors=errors,
                           documentation=documentation, now=platform().ctx.now()), (422 if errors else 200)


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
