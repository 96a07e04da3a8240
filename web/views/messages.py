"""The head's triage list: messages from outside that no cycle took, and those kept for one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.views import actor, login_required, platform

bp = Blueprint("messages", __name__)


@bp.get("/messages")
@login_required
def triage():  # type: ignore[no-untyped-def]
    return render_template("messages/triage.html", messages=platform().outside.triage(actor()))


@bp.get("/cycles/by-key")
@login_required
def by_business_key():  # type: ignore[no-untyped-def]
    """Find a sale by the business key other systems know it by (an order or invoice number)."""
    key = request.args.get("business_key", "")
    found = platform().outside.find_by_business_key(actor(), key)
    if not found:
        flash(_("No sale you can see has the business key %(key)s.", key=key.strip()), "warning")
        return redirect(url_for("cycles.index"))
    if len(found) > 1:
        flash(_("%(n)s sales have the business key %(key)s; this is the newest.", n=len(found), key=key.strip()),
              "info")
    return redirect(url_for("cycles.detail", cycle_id=found[0].id))
