"""Notifications: the list, opening one (marks it read), marking all read."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.views import actor, login_required, platform, safe_next

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():  # type: ignore[no-untyped-def]
    unread_only = request.args.get("unread") == "1"
    return render_template("notifications/notifications.html", notifications=platform().notify.notifications(actor(), unread_only),
                           unread_only=unread_only)


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_one(notification_id: int):  # type: ignore[no-untyped-def]
    target = platform().notify.open_notification(actor(), notification_id)
    return redirect(safe_next(target, url_for("notifications.index")))


@bp.post("/notifications/read")
@login_required
def read_all():  # type: ignore[no-untyped-def]
    count = platform().notify.mark_notifications_read(actor())
    if count:
        flash(_("All notifications are marked read."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")))
