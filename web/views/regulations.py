from __future__ import annotations

from flask import Blueprint, render_template

from web.views import login_required, platform

bp = Blueprint("regulations", __name__)


@bp.get("/regulations")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("regulations.html", regulations=platform().regulations())
