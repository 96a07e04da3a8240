"""Planning pages: my plan, every manager's plan (head), plan fulfilment, planning a task."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.shared.errors import InputInvalid
from web.i18n import parse_local_input
from web.views import actor, login_required, platform, safe_next

bp = Blueprint("planning", __name__)


@bp.get("/plan")
@login_required
def mine():  # type: ignore[no-untyped-def]
    args = _period_args()
    page = platform().planning.plan_page(actor(), args["period"], args["from"], args["to"])
    return render_template("planning/plan.html", plan=page.agenda, now=page.now, fulfilment=page.fulfilment,
                           period_args=args, period_problem=_problem(page.period_refused))


@bp.get("/plans")
@login_required
def overview():  # type: ignore[no-untyped-def]
    args = _period_args()
    page = platform().planning.plans_page(actor(), args["period"], args["from"], args["to"])
    return render_template("planning/plans.html", overview=page.overview, fulfilment=page.fulfilment,
                           period_args=args, period_problem=_problem(page.period_refused))


def _period_args() -> dict[str, str]:
    """The period of plan fulfilment in the query string (?period=week|month|custom&from=&to=)."""
    return {"period": request.args.get("period") or "week", "from": request.args.get("from") or "",
            "to": request.args.get("to") or ""}


def _problem(refused: bool) -> str | None:
    """A custom period that is not valid shows this week with the problem."""
    if not refused:
        return None
    return _("Choose a valid period: both days as dates, the first not after the last, at most a year.")


@bp.post("/tasks/<task_id>/plan")
@login_required
def plan(task_id: str):  # type: ignore[no-untyped-def]
    try:  # <input type="datetime-local"> in the user's time zone
        planned_at = parse_local_input(request.form.get("planned_at") or "")
    except ValueError:
        raise InputInvalid(_("The planned time must look like 2026-12-01T10:30."),
                           {"fields": {"planned_at": "is not a date and time"}}) from None
    platform().planning.plan_task(actor(), task_id, planned_at)
    flash(_("Planned.") if planned_at else _("Plan cleared."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("inbox.task", task_id=task_id)))
