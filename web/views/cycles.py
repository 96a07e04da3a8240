"""Cycle pages: the cycles explorer, a cycle with its path and history, and the operator's
operations on it (cancel, suspend, resume, move a token, edit variables, retry)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.regulation.explorer import FILTER_KEYS, Counts, ExplorerPage
from engine.regulation.variable_edits import from_text
from engine.shared.errors import FormInvalid, InputInvalid, ReglamentError, TaskNotActionable
from engine.shared.numbers import parse_whole_number
from web.i18n import error_text, notice_text, translated_fields
from web.views import actor, login_required, platform
from web.views.api.cockpit import export_response
from web.views.regulations import _labels

bp = Blueprint("cycles", __name__)


@bp.get("/cycles")
@login_required
def index():  # type: ignore[no-untyped-def]
    filters = {k: request.args.get(k, "") for k in FILTER_KEYS}
    try:
        view = platform().cockpit.explorer_view(actor(), request.args, request.args.get("limit"),
                                                request.args.get("after") or None)
        page, regulations, problems = view.page, view.regulations, {}
    except InputInvalid as exc:  # the filter form again, with what is wrong with it
        page = ExplorerPage((), None, Counts(0, {}))
        regulations, problems = tuple(platform().regulation.regulations()), translated_fields(exc)
    chosen = {k: v for k, v in filters.items() if v}
    paging = {"limit": request.args["limit"]} if request.args.get("limit") else {}
    return render_template("cycles/cycles.html", cycles=page.rows, filters=filters, chosen=chosen, counts=page.counts,
                           problems=problems, next_url=url_for("cycles.index", **{**chosen, **paging, "after": page.next})
                           if page.next else None, regulations=regulations)


@bp.get("/cycles/export.<fmt>")
@login_required
def export(fmt: str):  # type: ignore[no-untyped-def]
    return export_response(fmt)


@bp.get("/cycles/<int:cycle_id>")
@login_required
def detail(cycle_id: int):  # type: ignore[no-untyped-def]
    screen = platform().regulation.cycle_screen(actor(), cycle_id)
    page, cycle = screen.page, screen.page.cycle
    config = {"xmlUrl": url_for("regulations.download", key=cycle.regulation, number=cycle.version),
              "path": page.path.as_dict(), "labels": _labels()}
    return render_template("cycles/cycle.html", cycle=cycle, history=list(reversed(page.history)),
                           open_tasks=page.open_tasks, viewer_config=config, tools=page.tools, files=page.files,
                           labelled=page.history_fields, reversals=screen.reversals)


@bp.post("/cycles/<int:cycle_id>/retry")
@login_required
def retry(cycle_id: int):  # type: ignore[no-untyped-def]
    cycle = platform().regulation.retry(actor(), cycle_id)
    if cycle.status == "incident":
        flash(_("The step failed again: %(message)s", message=notice_text(cycle.incident)), "error")
    else:
        flash(_("The cycle runs again."), "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle_id))


def _operate(cycle_id: int, command: Any, done: str) -> Any:
    """Run an operation from a form: a refusal is flashed on the cycle page, never a 500."""
    try:
        command()
    except FormInvalid as exc:
        fields = translated_fields(exc)
        flash(_("Not saved: %(problems)s", problems="; ".join(f"{k} — {v}" for k, v in fields.items())), "error")
    except (InputInvalid, TaskNotActionable) as exc:
        fields = translated_fields(exc)
        flash(_("Not done: %(problem)s", problem="; ".join(f"{k} — {v}" for k, v in fields.items())
                or error_text(exc)), "error")
    except ReglamentError:
        raise
    else:
        flash(done, "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle_id))


@bp.post("/cycles/<int:cycle_id>/cancel")
@login_required
def cancel(cycle_id: int):  # type: ignore[no-untyped-def]
    reason = request.form.get("reason")
    return _operate(cycle_id, lambda: platform().cockpit.cancel(actor(), cycle_id, reason), _("The cycle was cancelled."))


@bp.post("/cycles/<int:cycle_id>/suspend")
@login_required
def suspend(cycle_id: int):  # type: ignore[no-untyped-def]
    reason = request.form.get("reason")
    return _operate(cycle_id, lambda: platform().cockpit.suspend(actor(), cycle_id, reason),
                    _("The cycle is suspended: its tasks wait and its timers are held."))


@bp.post("/cycles/<int:cycle_id>/resume")
@login_required
def resume(cycle_id: int):  # type: ignore[no-untyped-def]
    reason = request.form.get("reason")
    return _operate(cycle_id, lambda: platform().cockpit.resume(actor(), cycle_id, reason), _("The cycle runs again."))


@bp.post("/cycles/<int:cycle_id>/move")
@login_required
def move(cycle_id: int):  # type: ignore[no-untyped-def]
    form = request.form
    return _operate(cycle_id, lambda: platform().cockpit.move(actor(), cycle_id, form.get("from", ""),
                                                              form.get("to", ""), form.get("reason")),
                    _("The token was moved."))


@bp.post("/cycles/<int:cycle_id>/variables")
@login_required
def variables(cycle_id: int):  # type: ignore[no-untyped-def]
    form = request.form
    changes: dict[str, Any] = {}
    for name, value in zip(form.getlist("name"), form.getlist("value"), strict=False):
        if name.strip():
            changes[name.strip()] = from_text(value)
    if form.get("retry"):
        def command() -> Any:
            cycle = platform().cockpit.retry(actor(), cycle_id, changes or None)
            if cycle.status == "incident":
                raise TaskNotActionable(_("The step failed again: %(message)s",
                                          message=notice_text(cycle.incident)))
            return cycle
        return _operate(cycle_id, command, _("The cycle runs again."))
    return _operate(cycle_id, lambda: platform().cockpit.edit_variables(actor(), cycle_id, changes, form.get("reason")),
                    _("The variables were saved."))


@bp.post("/cycles/batch")
@login_required
def start_batch():  # type: ignore[no-untyped-def]
    """A batch on the explorer's filter (the hidden fields of its form): cancel or retry."""
    form = request.form
    filters = {k: form.get(k, "") for k in FILTER_KEYS if form.get(k)}
    params: dict[str, Any] = {"reason": form.get("reason")}
    try:
        batch_id = platform().cockpit.start_batch(actor(), form.get("kind", ""), filters, params)
    except InputInvalid as exc:
        flash(_("Not started: %(problem)s", problem=error_text(exc)), "error")
        return redirect(url_for("cycles.index", **filters))
    return redirect(url_for("cycles.batch", batch_id=batch_id))


@bp.get("/cycles/batches/<int:batch_id>")
@login_required
def batch(batch_id: int):  # type: ignore[no-untyped-def]
    return render_template("cycles/batch.html", batch=platform().cockpit.batch(actor(), batch_id))


@bp.get("/cycles/batches/<int:batch_id>/progress")
@login_required
def batch_progress(batch_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().cockpit.batch(actor(), batch_id).as_dict())


def _plan_from(args: Any) -> dict[str, str | None] | None:
    """The plan edited on the migration page: ``map.<old element>`` = new element ('' refuses)."""
    plan = {key[4:]: (value or None) for key, value in args.items() if key.startswith("map.")}
    return plan or None


@bp.get("/cycles/migrate")
@login_required
def migration():  # type: ignore[no-untyped-def]
    """The migration of the filter's cycles: the plan to edit, then the dry run per cycle."""
    args = request.args
    filters = {k: args.get(k, "") for k in FILTER_KEYS if args.get(k)}
    key, source = filters.get("regulation"), filters.get("version")
    source_number = parse_whole_number(source, maximum_digits=9)
    if not key or source_number is None:
        flash(_("Choose a regulation and a version in the filter first."), "error")
        return redirect(url_for("cycles.index", **filters))
    versions = [n for n in platform().regulation.versions(key).numbers() if n != source_number]
    target_number = parse_whole_number(args.get("to_version", ""), maximum_digits=9)
    if target_number is None:
        target_number = max(versions) if versions else None
    plan = run = None
    problems: dict[str, str] = {}
    if target_number is not None:
        plan = platform().cockpit.migration_plan(actor(), key, source_number, target_number)
        edited = _plan_from(args)
        if edited:
            plan = replace(plan, plan={**plan.plan, **edited})
        if args.get("dry_run"):
            try:
                run = platform().cockpit.dry_run(actor(), filters, target_number, dict(plan.plan))
            except InputInvalid as exc:
                problems = translated_fields(exc) or {"plan": error_text(exc)}
    return render_template("cycles/migrate.html", filters=filters, versions=versions, target=target_number,
                           plan=plan, run=run, problems=problems, source=source_number, key=key)


@bp.post("/cycles/migrate")
@login_required
def migrate():  # type: ignore[no-untyped-def]
    form = request.form
    filters = {k: form.get(k, "") for k in FILTER_KEYS if form.get(k)}
    params: dict[str, Any] = {"to_version": parse_whole_number(form.get("to_version", ""), maximum_digits=9),
                              "plan": _plan_from(form),
                              "retry": bool(form.get("retry"))}
    try:
        batch_id = platform().cockpit.start_batch(actor(), "migrate", filters, params)
    except InputInvalid as exc:
        flash(_("Not started: %(problem)s", problem=error_text(exc)), "error")
        return redirect(url_for("cycles.migration", **filters))
    return redirect(url_for("cycles.batch", batch_id=batch_id))
