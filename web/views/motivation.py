"""Motivation pages: the plan grid, statements (list, page, comments, approval, lock, exports),
the confirmation pages of approving or locking a whole period, what-if, and the
cancellation/refund form of a won cycle. No business rules here."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _

from engine.motivation.confirmation import APPROVE, LOCK
from engine.motivation.statement_states import ConfirmationNeeded, FiguresChanged, PeriodNotOver
from engine.shared import periods
from engine.shared.access import HEADS
from engine.shared.errors import InputInvalid, NotFound
from web.i18n import error_text, translated_fields
from web.views import actor, login_required, platform

bp = Blueprint("motivation", __name__, url_prefix="/motivation")

EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}

def _period() -> str:
    return request.values.get("period") or platform().motivation.current_period()


@bp.app_template_filter("money")
def money(value: Any, currency: str | None = None) -> str:
    """An amount as people of the user's language write it (250 000,50 RUB / 250,000.50 RUB);
    a dash when unknown; what is not a number as it is."""
    if value is None or value == "":
        return "—"
    try:
        text = format_decimal(Decimal(str(value)), format="#,##0.00")
    except (ArithmeticError, ValueError):
        return str(value)
    return f"{text} {currency}" if currency else text


@bp.app_template_filter("pct")
def pct(value: Any, places: int = 1) -> str:
    """A fraction (0.0525) as a percentage (5.25 %); a dash when unknown."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)) * 100
    shown = format_decimal(number, format="#,##0." + "#" * places) if places else format_decimal(number, format="#,##0")
    return f"{shown} %"


def _neighbours(key: str) -> dict[str, str]:
    period = periods.parse(key)
    other = period.as_kind("quarter" if period.kind == "month" else "month")
    return {"previous": period.previous().key, "next": period.next().key, "other": other.key,
            "current": platform().motivation.current_period(period.kind)}


# ---------------------------------------------------------------- plans

@bp.route("/plans", methods=["GET", "POST"])
@login_required
def plans():  # type: ignore[no-untyped-def]
    period = _period()
    scenario = request.values.get("scenario") or "actual"
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if "|" in k}
        try:
            changed = platform().motivation.save_plans(actor(), period, scenario, values)
        except InputInvalid as exc:
            errors = translated_fields(exc)
            if not errors:
                raise
        else:
            flash(_("Plans saved (%(count)s changed).", count=changed), "success")
            return redirect(url_for("motivation.plans", period=period, scenario=scenario))
    grid = platform().motivation.plan_grid(actor(), period, scenario)
    return render_template("motivation/motivation_plans.html", grid=grid, errors=errors, values=values,
                           nav=_neighbours(grid.period.key)), (422 if errors else 200)


# ---------------------------------------------------------------- statements

@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    return redirect(url_for("motivation.statements"))


@bp.get("/statements")
@login_required
def statements():  # type: ignore[no-untyped-def]
    period = _period()
    listing = platform().motivation.statements(actor(), period)
    earned, earned_error = None, None
    if "manager" in actor().roles:
        try:
            earned = platform().motivation.earned_so_far(actor())
        except InputInvalid as exc:  # a scheme whose table fails: the list still shows
            earned_error = error_text(exc)
    return render_template("motivation/motivation_statements.html", listing=listing, earned=earned,
                           earned_error=earned_error, earned_period=platform().motivation.current_period(),
                           may_manage=actor().has_any(HEADS), nav=_neighbours(listing.period.key))


@bp.post("/statements/compute")
@login_required
def compute():  # type: ignore[no-untyped-def]
    period = _period()
    result = platform().motivation.compute_statements(actor(), period)
    flash(_("Drafts computed: %(count)s.", count=len(result.statement_ids)), "success")
    for login, status in sorted(result.kept.items()):
        flash(_("%(login)s: the %(status)s statement was kept as it is.", login=login, status=_status(status)), "info")
    for login, problem in sorted(result.problems.items()):
        flash(_("%(login)s: no statement (%(problem)s).", login=login, problem=problem), "error")
    return redirect(url_for("motivation.statements", period=period))


@bp.route("/statements/approve", methods=["GET", "POST"])
@login_required
def approve_all():  # type: ignore[no-untyped-def]
    """GET: every draft of the period recomputed, to confirm; POST: approve exactly what was confirmed."""
    return _period_action(APPROVE)


@bp.route("/statements/lock", methods=["GET", "POST"])
@login_required
def lock_all():  # type: ignore[no-untyped-def]
    """GET: every approved statement of the period checked against fresh figures, to confirm;
    POST: lock exactly what was confirmed (only once the period is over)."""
    return _period_action(LOCK)


def _period_action(action: str):  # type: ignore[no-untyped-def]
    period = _period()
    if request.method == "POST":
        motivation = platform().motivation
        try:
            if action == APPROVE:
                acted = motivation.approve_statements(actor(), period, request.form.get("token"))
            else:
                acted = motivation.lock_statements(actor(), period, request.form.get("token"),
                                                   request.form.get("early") or None)
        except (FiguresChanged, ConfirmationNeeded, PeriodNotOver) as exc:
            flash(_refusal(exc), "error")
            return redirect(url_for(f"motivation.{action}_all", period=period))
        if action == APPROVE:
            flash(_("Statements approved: %(count)s.", count=acted.count), "success")
        else:
            flash(_("Statements locked: %(count)s. Locked statements never change.", count=acted.count), "success")
        for login, problem in sorted(acted.skipped.items()):
            flash(_("%(login)s: left as it was (%(problem)s).", login=login, problem=problem), "info")
        return redirect(url_for("motivation.statements", period=period))
    review = platform().motivation.review_statements(actor(), period, action)
    return render_template("motivation/motivation_confirm.html", review=review, nav=_neighbours(review.period.key))


def _refusal(exc: Exception) -> str:
    """An approval or lock refused by the engine, in the user's language."""
    if isinstance(exc, PeriodNotOver):
        return _("%(period)s is not over yet: its statements can be locked from %(day)s, when no more sales, "
                 "payments or work can land in it, or early by confirming that you lock %(period)s early.",
                 period=exc.details.get("period", ""), day=exc.details.get("from", ""))
    if isinstance(exc, FiguresChanged):
        changes = exc.details.get("changes") or []
        listed = "; ".join(f"{c['login']}: {money(c['old'], c['currency']) if c['old'] else '—'} → "
                           f"{money(c['new'], c['currency']) if c['new'] else '—'}" for c in changes)
        if exc.details.get("statement_id") and exc.details.get("action") == "lock":
            if not changes:
                return _("The statement changed since it was shown. Check it and lock it again.")
            return _("The approved statement no longer matches the figures (%(changes)s). Reopen it, recompute "
                     "it and approve it again before locking.", changes=listed)
        if exc.details.get("statement_id"):
            return _("The figures changed since they were shown (%(changes)s). The draft is recomputed: check "
                     "it and approve it again.", changes=listed or "—")
        return _("The figures changed since you confirmed them (%(changes)s). Nothing was done: check the new "
                 "figures and confirm again.", changes=listed or "—")
    return _("Confirm the figures on the review page first.")


@bp.get("/statements/<int:statement_id>")
@login_required
def statement(statement_id: int):  # type: ignore[no-untyped-def]
    return _statement_page(statement_id)


def _statement_page(statement_id: int, draft: tuple[int | None, str] | None = None, status: int = 200
                    ):  # type: ignore[no-untyped-def]
    """The statement page; ``draft`` (line id or None, text) is a refused comment shown again as typed."""
    found = platform().motivation.statement(actor(), statement_id)
    return render_template("motivation/motivation_statement.html", statement=found, may_manage=actor().has_any(HEADS),
                           may_comment=found.may_comment, draft=draft), status


_ACTIONS = {
    "recompute": ("recompute_statement", lambda: _("Statement recomputed.")),
    "approve": ("approve_statement", lambda: _("Statement approved.")),
    "reopen": ("reopen_statement", lambda: _("Statement reopened as a draft.")),
    "lock": ("lock_statement", lambda: _("Statement locked. It will never change; corrections go to the next period.")),
}


@bp.post("/statements/<int:statement_id>/<action>")
@login_required
def act(statement_id: int, action: str):  # type: ignore[no-untyped-def]
    if action not in _ACTIONS:
        return render_template("error.html", status=404, message=_("Unknown action."), details={}), 404
    method, message = _ACTIONS[action]
    kwargs = {"confirmed": request.form.get("confirmed") or None} if action in ("approve", "lock") else {}
    if action == "lock":
        kwargs["early"] = request.form.get("early") or None
        if not (request.form.get("sure") or kwargs["early"]):  # locking is for good: the tick confirms it
            flash(_("Nothing was locked: tick the box that confirms the lock."), "error")
            return redirect(url_for("motivation.statement", statement_id=statement_id))
    try:
        getattr(platform().motivation, method)(actor(), statement_id, **kwargs)
    except (FiguresChanged, PeriodNotOver) as exc:
        flash(_refusal(exc), "error")
    else:
        flash(message(), "success")
    return redirect(url_for("motivation.statement", statement_id=statement_id))


@bp.post("/statements/<int:statement_id>/comments")
@login_required
def comment(statement_id: int):  # type: ignore[no-untyped-def]
    raw_line = request.form.get("line_id") or ""
    line_id = int(raw_line) if raw_line.isdigit() else None
    text = request.form.get("text", "")
    try:
        platform().motivation.comment_statement(actor(), statement_id, line_id, text)
    except InputInvalid as exc:  # shown again with the text as typed, nothing lost
        flash(_("The comment was not saved: %(reason)s",
                reason="; ".join(translated_fields(exc).values()) or error_text(exc)), "error")
        return _statement_page(statement_id, draft=(line_id, text), status=422)
    flash(_("Comment added."), "success")
    anchor = f"line-{line_id}" if line_id else "comments"
    return redirect(url_for("motivation.statement", statement_id=statement_id, _anchor=anchor))


@bp.post("/comments/<int:comment_id>/resolve")
@login_required
def resolve(comment_id: int):  # type: ignore[no-untyped-def]
    statement_id = platform().motivation.resolve_comment(actor(), comment_id)
    flash(_("Marked as resolved."), "success")
    return redirect(url_for("motivation.statement", statement_id=statement_id))


@bp.get("/statements/<int:statement_id>.<fmt>")
@login_required
def export(statement_id: int, fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in EXPORTS:
        return render_template("error.html", status=404, message=_("Unknown file format."), details={}), 404
    name, content = platform().motivation.export_statement(actor(), statement_id, fmt)
    return _file(name, content, fmt)


@bp.get("/payroll.<fmt>")
@login_required
def payroll(fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in EXPORTS:
        return render_template("error.html", status=404, message=_("Unknown file format."), details={}), 404
    name, content = platform().motivation.export_statements(actor(), _period(), fmt)
    return _file(name, content, fmt)


def _file(name: str, content: bytes, fmt: str) -> Response:
    return Response(content, mimetype=EXPORTS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _status(status: str) -> str:
    return {"draft": _("draft"), "approved": _("approved"), "locked": _("locked")}.get(status, status)


# ---------------------------------------------------------------- what-if

@bp.get("/whatif")
@login_required
def whatif():  # type: ignore[no-untyped-def]
    """The what-if form and its comparison. A scheme version that cannot pay (a table with no
    matching rule, two rules matching) is shown on this page, with the form as it was filled."""
    period = request.args.get("period") or periods.parse(platform().motivation.current_period()).previous().key
    raw_scheme = request.args.get("scheme") or ""
    scenario = request.args.get("scenario") or "actual"
    scheme_id = int(raw_scheme) if raw_scheme.isdigit() else None
    choices = platform().motivation.scheme_choices(actor())
    result, error = None, None
    try:
        scenarios = list(platform().motivation.plan_grid(actor(), period, "actual").scenarios)
    except InputInvalid as exc:
        scenarios, error = ["actual"], error_text(exc)
    if request.args.get("run") and error is None:
        try:
            result = platform().motivation.what_if(actor(), period, scheme_id, scenario)
        except (InputInvalid, NotFound) as exc:
            error = error_text(exc)
    return render_template("motivation/motivation_whatif.html", period=period, scheme_id=scheme_id, scenario=scenario,
                           choices=choices, scenarios=scenarios, result=result, error=error), (422 if error else 200)


# ---------------------------------------------------------------- reversals (the cycle page's form)

@bp.post("/cycles/<int:cycle_id>/reversal")
@login_required
def reversal(cycle_id: int):  # type: ignore[no-untyped-def]
    form = request.form
    typed = {"rv_kind": form.get("kind", "")[:20], "rv_amount": form.get("amount", "")[:40],
             "rv_reason": form.get("reason", "")[:300]}
    if not form.get("sure"):  # a reversal cannot be undone: the tick confirms it
        flash(_("Not recorded: tick “It cannot be undone” to confirm."), "error")
        return redirect(url_for("cycles.detail", cycle_id=cycle_id, _anchor="reversals", **typed))
    try:
        landed = platform().motivation.record_reversal(actor(), cycle_id, form.get("kind", ""), form.get("amount"),
                                                       form.get("reason", ""))
    except InputInvalid as exc:
        fields = translated_fields(exc)
        flash(_("Not recorded: %(reason)s",
                reason="; ".join(f"{_field_label(k)} {v}" for k, v in fields.items()) or error_text(exc)), "error")
        return redirect(url_for("cycles.detail", cycle_id=cycle_id, _anchor="reversals", **typed))
    flash(_("Recorded. The commission is taken back in the statement of %(period)s.", period=landed), "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle_id, _anchor="reversals"))


def _field_label(name: str) -> str:
    return {"kind": _("What happened"), "amount": _("Amount"), "reason": _("Reason")}.get(name, name)
