"""Control pages for the head of sales: incidents, the work-type catalogue."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.access import HEADS
from engine.errors import InputInvalid
from web.views import actor, login_required, platform

bp = Blueprint("control", __name__)


@bp.get("/incidents")
@login_required
def incidents():  # type: ignore[no-untyped-def]
    return render_template("incidents.html", cycles=platform().incidents(actor()),
                           failed_jobs=platform().failed_jobs(actor()))


@bp.route("/work-types", methods=["GET", "POST"])
@login_required
def work_types():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    form = {"name": "", "label": "", "default_due": ""}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in form}
        try:
            platform().save_work_type(actor(), form["name"], form["label"], form["default_due"])
        except InputInvalid as exc:
            errors = exc.details.get("fields", {})
        else:
            flash(_("Work type “%(name)s” saved.", name=form["name"]), "success")
            return redirect(url_for("control.work_types"))
    may_edit = actor().has_any(HEADS)
    return render_template("work_types.html", work_types=platform().work_types(), errors=errors, form=form,
                           may_edit=may_edit), (422 if errors else 200)
