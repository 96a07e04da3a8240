"""The head's triage list: messages from outside that no cycle took, and those kept for one."""
from __future__ import annotations

from flask import Blueprint, render_template

from web.views import actor, login_required, platform

bp = Blueprint("messages", __name__)


@bp.get("/messages")
@login_required
def triage():  # type: ignore[no-untyped-def]
    return render_template("messages/triage.html", messages=platform().outside.triage(actor()))
