"""Control pages for the head of sales: incidents, the work-type catalogue, contact norms,
forgotten clients; the funnel with cohorts, the cycles behind each figure, CSV and event logs."""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.clients.files import escape_formula
from engine.control.filters import Filters
from engine.control.funnel import cohort_csv_rows, funnel_csv_rows
from engine.control.norms import grid_key
from engine.shared.access import Permission
from engine.shared.errors import InputInvalid
from web.views import actor, login_required, platform

bp = Blueprint("control", __name__)


@bp.get("/incidents")
@login_required
def incidents():  # type: ignore[no-untyped-def]
    return render_template("control/incidents.html", cycles=platform().control.incidents(actor()),
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
    return render_template("control/work_types.html", work_types=platform().regulation.work_types(), errors=errors, form=form,
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
    return render_template("control/norms.html", grid=grid, errors=errors, values=values, cell=grid_key,
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
    return render_template("control/forgotten.html", clients=platform().control.forgotten(actor()),
                           everyone=actor().reads_all)


# ---------------------------------------------------------------- funnel and cohorts

def figure_texts() -> dict[str, Any]:
    """The figures' names and definitions on the pages (the same words as engine.control.funnel)."""
    return {
        "funnel": _("A stage entry is a cycle coming to a stage: a task of that stage opens while the cycle is at "
                    "another stage (a cycle is at the stage of the task with a stage opened last). The funnel counts "
                    "the entries made in the period (from and to are UTC dates, both included) and what became of "
                    "each by now; the parts add up to the entries."),
        "entered": (_("Entered"), _("Entries into the stage in the period; a cycle that comes back to it counts again.")),
        "advanced": (_("Advanced"), _("The cycle next came to a later stage of its regulation, or was won at this stage.")),
        "lost": (_("Lost there"), _("The cycle was lost while at this stage.")),
        "moved_back": (_("Moved back"), _("The cycle next came to an earlier stage (a loop back), or to one its "
                                          "regulation does not list.")),
        "cancelled": (_("Cancelled or migrated"), _("The cycle ended at this stage without being won or lost "
                                                   "(the regulation ended without an outcome).")),
        "still_there": (_("Still there"), _("The cycle is at this stage now (running, or in an incident).")),
        "cohorts": _("A cohort is the cycles started in one month (UTC) within the period. Each cycle counts once, "
                     "by where it is now: won, lost, cancelled (ended without being won or lost) or still open "
                     "(running, or in an incident); the parts add up to the cycles started. Shares are of the "
                     "cycles started."),
        "started": (_("Started"), _("Cycles started in the month.")),
        "won": (_("Won"), _("Cycles of the cohort won by now.")),
        "cohort_lost": (_("Lost"), _("Cycles of the cohort lost by now.")),
        "cohort_cancelled": (_("Cancelled"), _("Cycles of the cohort that ended without being won or lost.")),
        "open": (_("Still open"), _("Cycles of the cohort still running now, or in an incident.")),
    }


FUNNEL_COLUMNS = ("advanced", "lost", "moved_back", "cancelled", "still_there")
COHORT_COLUMNS = (("won", "won"), ("lost", "cohort_lost"), ("cancelled", "cohort_cancelled"), ("open", "open"))


def _parsed() -> tuple[Filters, dict[str, str]]:
    """The filters of the query string, or none and the errors."""
    try:
        return Filters.parse(request.args), {}
    except InputInvalid as exc:
        return Filters(), exc.details.get("fields", {})


def _options() -> dict[str, Any]:
    """The choices of the filter form."""
    me = actor()
    options: dict[str, Any] = {"regulations": platform().regulation.regulations(),
                               "segments": platform().clients.segments(), "teams": [], "managers": []}
    if me.reads_all:
        options["teams"] = [t["name"] for t in platform().organization.team_list(me)]
        if platform().control.person_figures:
            options["managers"] = [(a.login, a.name) for a in platform().accounts.users() if "manager" in a.roles]
    return options


@bp.get("/control/funnel")
@login_required
def funnel():  # type: ignore[no-untyped-def]
    """The funnel by stage and the monthly cohorts, each number a link to the cycles behind it."""
    filters, errors = _parsed()
    funnel_result = cohort_result = None
    if not errors:
        try:
            funnel_result = platform().control.funnel(actor(), filters)
            cohort_result = platform().control.cohorts(actor(), filters)
        except InputInvalid as exc:
            errors = exc.details.get("fields", {})
    return render_template("control/control_funnel.html", filters=filters, args=filters.as_args(), errors=errors,
                           funnel=funnel_result, cohorts=cohort_result, texts=figure_texts(),
                           funnel_columns=FUNNEL_COLUMNS, cohort_columns=COHORT_COLUMNS,
                           person_figures=platform().control.person_figures, **_options()), (422 if errors else 200)


@bp.get("/control/funnel/cycles")
@login_required
def funnel_cycles():  # type: ignore[no-untyped-def]
    filters = Filters.parse(request.args)
    part = request.args.get("part") or None
    found = platform().control.funnel_cycles(actor(), filters, request.args.get("stage"), part)
    texts = figure_texts()
    label, definition = texts[part or "entered"]
    return render_template("control/control_cycles.html", found=found, args=filters.as_args(),
                           title=f"{found['stage']}: {label}", definition=definition)


@bp.get("/control/cohorts/cycles")
@login_required
def cohort_cycles():  # type: ignore[no-untyped-def]
    filters = Filters.parse(request.args)
    part = request.args.get("part") or None
    found = platform().control.cohort_cycles(actor(), filters, request.args.get("month"), part)
    texts = figure_texts()
    key = {"lost": "cohort_lost", "cancelled": "cohort_cancelled"}.get(part or "", part or "started")
    label, definition = texts[key]
    return render_template("control/control_cycles.html", found=found, args=filters.as_args(),
                           title=f"{found['month']}: {label}", definition=definition)


def _csv(rows: list[list[str]], name: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([escape_formula(v) for v in row])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}-{date.today().isoformat()}.csv"'})


@bp.get("/control/funnel.csv")
@login_required
def funnel_csv():  # type: ignore[no-untyped-def]
    return _csv(funnel_csv_rows(platform().control.funnel(actor(), Filters.parse(request.args))), "funnel")


@bp.get("/control/cohorts.csv")
@login_required
def cohorts_csv():  # type: ignore[no-untyped-def]
    return _csv(cohort_csv_rows(platform().control.cohorts(actor(), Filters.parse(request.args))), "cohorts")


def event_log_response(found: tuple[str, str, Any]) -> Response:
    """A streamed event-log download (the service's content type, extension and chunks)."""
    content_type, extension, chunks = found
    return Response(chunks, mimetype=content_type, headers={
        "Content-Disposition": f'attachment; filename="event-log-{date.today().isoformat()}.{extension}"'})


@bp.get("/control/event-log")
@login_required
def event_log():  # type: ignore[no-untyped-def]
    """?format=xes|ocel-json|csv and the filters (the period bounds the cycles' start)."""
    return event_log_response(platform().control.event_log(actor(), Filters.parse(request.args),
                                                            request.args.get("format") or "xes"))
