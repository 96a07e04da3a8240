"""Control pages for the head of sales: incidents, the work-type catalogue, contact norms,
forgotten clients; the funnel with cohorts, the cycles behind each figure, CSV and event logs."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.clients.files import escape_formula
from engine.control import loss_reasons as loss_rules
from engine.control.filters import Filters
from engine.control.funnel import cohort_csv_rows, funnel_csv_rows
from engine.control.norms import grid_key
from engine.platform.control import FilterChoices
from engine.shared.access import Permission
from engine.shared.errors import InputInvalid
from web.views import actor, login_required, platform

bp = Blueprint("control", __name__)


@bp.get("/incidents")
@login_required
def incidents():  # type: ignore[no-untyped-def]
    return render_template("control/incidents.html", cycles=platform().control.incidents(actor()),
                           failed_jobs=platform().control.failed_jobs(actor()),
                           groups=platform().cockpit.incident_groups(actor()))


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
                 for stage in grid.stages for segment in grid.columns}
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


def _options(choices: FilterChoices | None = None) -> dict[str, Any]:
    """The choices of the filter form (read on their own when the page's read did not bring them)."""
    choices = choices or platform().control.filter_choices(actor())
    return {"regulations": choices.regulations, "segments": choices.segments, "teams": choices.teams,
            "managers": choices.managers}


T = TypeVar("T")


def _page(errors: dict[str, str], figures: Callable[[], T]) -> tuple[T | None, dict[str, str], dict[str, Any]]:
    """A control page's figures and its filter form's choices in one read: (figures, errors,
    choices). Filters refused by the query string or by the engine leave the figures None."""
    if errors:
        return None, errors, _options()
    try:
        found = platform().control.page(actor(), figures)
    except InputInvalid as exc:
        return None, exc.details.get("fields", {}), _options()
    return found.figures, {}, _options(found.choices)


@bp.get("/control/funnel")
@login_required
def funnel():  # type: ignore[no-untyped-def]
    """The funnel by stage and the monthly cohorts, each number a link to the cycles behind it."""
    filters, errors = _parsed()
    control = platform().control
    both, errors, options = _page(errors, lambda: (control.funnel(actor(), filters), control.cohorts(actor(), filters)))
    funnel_result, cohort_result = both or (None, None)
    return render_template("control/control_funnel.html", filters=filters, args=filters.as_args(), errors=errors,
                           funnel=funnel_result, cohorts=cohort_result, texts=figure_texts(),
                           funnel_columns=FUNNEL_COLUMNS, cohort_columns=COHORT_COLUMNS,
                           person_figures=control.person_figures, **options), (422 if errors else 200)


@bp.get("/control/funnel/cycles")
@login_required
def funnel_cycles():  # type: ignore[no-untyped-def]
    filters = Filters.parse(request.args)
    part = request.args.get("part") or None
    found = platform().control.funnel_cycles(actor(), filters, request.args.get("stage"), part)
    texts = figure_texts()
    label, definition = texts[part or "entered"]
    return render_template("control/control_cycles.html", found=found, args=filters.as_args(),
                           title=f"{found.stage}: {label}", definition=definition)


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
                           title=f"{found.month}: {label}", definition=definition)


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
    """?format=xes|ocel-json|ocel-sqlite|csv and the filters (the period bounds the cycles' start)."""
    return event_log_response(platform().control.event_log(actor(), Filters.parse(request.args),
                                                            request.args.get("format") or "xes"))


# ---------------------------------------------------------------- the head's dashboard

def dashboard_texts() -> dict[str, str]:
    """The dashboard's definitions on the page (the same words as engine.control.dashboard)."""
    return {
        "open": _("Cycles running now (or in an incident), with the sum of their cycle variable amount."),
        "won": _("Cycles won in the period (ended won between from and to), with the sum of their amount."),
        "lost": _("Cycles lost in the period (ended lost between from and to)."),
        "plan": _("The revenue target of the sales plan of the month or quarter the period is (motivation plans); "
                  "no plan is shown for a period that is not one calendar month or quarter."),
        "attainment": _("Won amount divided by the revenue plan, in per cent (rounded half up to a tenth)."),
        "run_rate": _("Won amount divided by the days of the period gone so far, times the days of the period: "
                      "where the period ends at this pace."),
        "overdue": _("Open tasks past their due time now, by assignee (group queue: not claimed by anyone)."),
        "forgotten": _("Clients in an active cycle past their contact norm now (see Forgotten)."),
        "incidents": _("Cycles stopped in an incident now (a failing expression or timer), waiting for a retry."),
        "pipeline": _("Open cycles by the stage they are at now, with the sum of their amount."),
        "manager": _("A cycle's manager is the person it was credited to when it was decided, else its client's "
                     "owner now."),
    }


def _chart(labels: list[str], datasets: list[dict[str, Any]], **options: Any) -> str:
    """The JSON a <canvas data-chart> of web/frontend/charts.js draws."""
    return json.dumps({"labels": labels, "datasets": datasets, **options}, ensure_ascii=False, default=str)


@bp.get("/control")
@login_required
def dashboard():  # type: ignore[no-untyped-def]
    """The head's dashboard: per manager and for the department, each figure a link to its list."""
    filters, errors = _parsed()
    result, errors, options = _page(errors, lambda: platform().control.dashboard(actor(), filters))
    charts = {}
    if result:
        stages = [r.stage or _("no stage") for r in result.pipeline]
        charts["pipeline"] = _chart(stages, [{"label": _("Open cycles"), "data": [r.open for r in result.pipeline]}])
        people = [r.name or r.login or _("nobody") for r in result.managers]
        charts["managers"] = _chart(people, [
            {"label": _("Won"), "data": [r.won for r in result.managers], "backgroundColor": "#16a34a"},
            {"label": _("Lost"), "data": [r.lost for r in result.managers], "backgroundColor": "#dc2626"},
            {"label": _("Open"), "data": [r.open for r in result.managers], "backgroundColor": "#2563eb"}])
    return render_template("control/dashboard.html", filters=filters, args=filters.as_args(), errors=errors,
                           result=result, texts=dashboard_texts(), charts=charts,
                           person_figures=platform().control.person_figures, **options), (422 if errors else 200)


@bp.get("/control/dashboard/cycles")
@login_required
def dashboard_cycles():  # type: ignore[no-untyped-def]
    filters = Filters.parse(request.args)
    part = request.args.get("part") or None
    found = platform().control.dashboard_cycles(actor(), filters, part, request.args.get("stage") or None,
                                                request.args.get("who") or None)
    labels = {"open": _("Open cycles"), "won": _("Won"), "lost": _("Lost"), "incidents": _("Incidents")}
    title = labels[found.part] + (f": {found.stage}" if found.stage else "") + \
        (f" · {found.manager}" if found.manager else "")
    return render_template("control/control_cycles.html", found=found, args=filters.as_args(), title=title,
                           definition=dashboard_texts()["incidents" if part == "incidents" else str(part)],
                           back=("control.dashboard", _("Dashboard")))


# ---------------------------------------------------------------- loss reasons

def loss_texts() -> dict[str, str]:
    return {"definition": _(
        "Cycles lost in the period (ended lost between from and to, UTC). A lost cycle's reason is the one chosen "
        "for it from the catalogue, else the catalogue reason whose code or name is the text it ended with; "
        "otherwise it is not classified. The stage is the one the cycle was at when it was lost; the amount is "
        "the sum of the cycle variable amount. Reasons are sorted by count (a Pareto: the share and the running "
        "share of all losses).")}


def reason_name(reason: loss_rules.LossReasonEntry | loss_rules.ReasonLosses) -> str:
    """A catalogue reason's name in the user's language."""
    if reason.code == loss_rules.UNCLASSIFIED:
        return _("Not classified")
    return str(reason.name_ru or reason.name) if get_locale_name() == "ru" else str(reason.name)


def get_locale_name() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


@bp.route("/control/losses", methods=["GET", "POST"])
@login_required
def losses():  # type: ignore[no-untyped-def]
    """Losses by reason, stage and manager; the head maintains the catalogue here."""
    form_errors: dict[str, str] = {}
    form = {"code": "", "name": "", "name_ru": "", "active": "on"}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in form}
        try:
            platform().control.save_loss_reason(actor(), form["code"], form["name"], form["name_ru"],
                                                bool(form["active"]))
        except InputInvalid as exc:
            form_errors = exc.details.get("fields", {})
        else:
            flash(_("Loss reason “%(code)s” saved.", code=form["code"].strip().lower()), "success")
            return redirect(url_for("control.losses"))
    filters, errors = _parsed()
    control = platform().control
    found, errors, options = _page(errors, lambda: (control.losses(actor(), filters), control.loss_reasons()))
    result, catalogue = found or (None, control.loss_reasons())
    chart = ""
    if result and result.reasons:
        chart = _chart([reason_name(r) for r in result.reasons],
                       [{"label": _("Lost cycles"), "data": [r.count for r in result.reasons]}], horizontal=True)
    return render_template("control/losses.html", filters=filters, args=filters.as_args(), errors=errors,
                           result=result, catalogue=catalogue, texts=loss_texts(),
                           chart=chart, reason_name=reason_name, form=form, form_errors=form_errors,
                           may_edit=actor().may(Permission.LEAD), person_figures=control.person_figures,
                           **options), (422 if errors or form_errors else 200)


@bp.get("/control/losses/cycles")
@login_required
def lost_cycles():  # type: ignore[no-untyped-def]
    filters = Filters.parse(request.args)
    reason = request.args.get("reason") or None
    found = platform().control.lost_cycles(actor(), filters, reason)
    catalogue = platform().control.loss_reasons()
    known = {r.code: r for r in catalogue}
    title = reason_name(known[reason]) if reason in known else (_("Not classified") if reason == "-" else _("Lost"))
    return render_template("control/lost_cycles.html", found=found, args=filters.as_args(), title=title,
                           definition=loss_texts()["definition"], reason=reason,
                           catalogue=[r for r in catalogue if r.active], reason_name=reason_name,
                           by_id={r.id: r for r in catalogue}, may_edit=actor().may(Permission.LEAD))


@bp.post("/control/cycles/<int:cycle_id>/loss-reason")
@login_required
def choose_loss_reason(cycle_id: int):  # type: ignore[no-untyped-def]
    raw = request.form.get("reason_id", "")
    if raw and not raw.isdigit():
        raise InputInvalid("reason_id must be a reason's number", {"fields": {"reason_id": "is not a number"}})
    platform().control.choose_loss_reason(actor(), cycle_id, int(raw) if raw else None)
    flash(_("The loss reason of cycle %(id)s is saved.", id=cycle_id), "success")
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/control/") else url_for("control.losses"))


from web.views import control_process  # noqa: E402,F401  (its pages register on this blueprint)
