from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from web.views import actor, login_required, platform
from web.views.regulations import _labels

bp = Blueprint("cycles", __name__)


@bp.get("/cycles")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("cycles/cycles.html", cycles=platform().regulation.cycles(actor()))


@bp.get("/cycles/<int:cycle_id>")
@login_required
def detail(cycle_id: int):  # type: ignore[no-untyped-def]
    cycle, history, open_tasks, path = platform().regulation.cycle_page(actor(), cycle_id)
    config = {"xmlUrl": url_for("regulations.download", key=cycle["regulation"], number=cycle["version"]),
              "path": path, "labels": _labels()}
    return render_template("cycles/cycle.html", cycle=cycle, history=list(reversed(history)), open_tasks=open_tasks,
                           viewer_config=config)


@bp.post("/cycles/<int:cycle_id>/retry")
@login_required
def retry(cycle_id: int):  # type: ignore[no-untyped-def]
    cycle = platform().regulation.retry(actor(), cycle_id)
    if cycle["status"] == "incident":
        flash(_("The step failed again: %(message)s", message=cycle["incident"]["message"]), "error")
    else:
        flash(_("The cycle runs again."), "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle_id))
