"""Control pages for the head of sales: incidents, the work-type catalogue, contact norms,
forgotten clients."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.control.norms import grid_key
from engine.shared.access import Permission
from engine.shared.errors import InputInvalid
from web.views import actor, login_required, platform

bp = Blueprint("control", __name__)


@bp.get("/incidents")
@login_required
def incidents():  # type: ignore[no-untyped-def]
    return render_template("incidents.html", cycles=platform().control.incidents(actor()),
                           failed_jobs=platform().control.failed_jobs(actor()))


@bp.route("/work-types", methods=["GET", "POST"])
@login_required
def work_types():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    form = {"name": "", "label": "", "default_due": ""}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in form}
        try:
            platform().regulation.save_work_type(actor(), form["name"], form["label"], form["default_due"])
        except InputInvalid as exc:
            errors = exc.details.get("fields", {})
        else:
            flash(_("Work type “%(name)s” saved.", name=form["name"]), "success")
            return redirect(url_for("control.work_types"))
    may_edit = actor().may(Permission.LEAD)
    return render_template("work_types.html", work_types=platform().regulation.work_types(), errors=errors, form=form,
                           may_edit=may_edit), (422 if errors else 200)


@bp.route("/norms", methods=["GET", "POST"])
@login_required
def norms():  # type: ignore[no-untyped-def]
    """Contact norms: a grid of stage x segment, days between contacts (the head edits it)."""
    grid = platform().control.norms()
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        cells = {(stage, segment): request.form.get(grid_key(stage, segment), "")
                 for stage in grid["stages"] for segment in [None, *grid["segments"]]}
        values = {grid_key(*key): value for key, value in cells.items()}
        try:
            changed = platform().control.save_norms(actor(), cells)
        except InputInvalid as exc:
            errors = exc.details.get("fields", {})
        else:
            flash(_("Contact norms saved (%(count)s changed).", count=changed), "success")
            return redirect(url_for("control.norms"))
    return render_template("norms.html", grid=grid, errors=errors, values=values, cell=grid_key,
                           may_edit=actor().may(Permission.LEAD)), (422 if errors else 200)

@bp.post("/norms/<int:norm_id>/delete")
@login_required
def delete_norm(norm_id: int):  # type: ignore[no-untyped-def]
    platform().control.delete_norm(actor(), norm_id)
    flash(_("Contact norm deleted."), "success")
    return redirect(url_for("control.norms"))


@bp.get("/forgotten")
@login_required
def forgotten():  # type: ignore[no-untyped-def]
    """Clients past their contact norm: a manager's own, everyone's for the head."""
    return render_template("forgotten.html", clients=platform().control.forgotten(actor()),
                           everyone=actor().reads_all)
