"""The user's profile (e-mail, time zone, language, password) and their private calendar feed."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from engine.accounts.throttle import LoginThrottled
from engine.platform.accounts import ProfilePage
from engine.shared.errors import InputInvalid
from web.i18n import LOCALES, translated_fields
from web.views import account_fields, actor, client_address, login_required, platform, session_secret
from web.views.auth import wait_message

bp = Blueprint("profile", __name__)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def index():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    page = platform().accounts.profile_page(actor())
    me = page.profile
    form = {"email": me.email, "timezone": me.timezone, "locale": me.locale}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in form}
        try:
            updated = platform().accounts.update_profile(actor(), form["email"], form["timezone"], form["locale"])
        except InputInvalid as exc:
            errors = translated_fields(exc)
        else:
            session["locale"] = updated.locale
            flash(_("Profile saved."), "success")
            return redirect(url_for("profile.index"))
    return _page(page, form, errors, {}), (422 if errors else 200)


def _page(page: ProfilePage, form: dict[str, str], errors: dict[str, str], password_errors: dict[str, str]) -> str:
    me = page.profile
    feed = url_for("profile.calendar", user_id=actor().id, token=me.calendar_token, _external=True)
    return render_template("profile/profile.html", me=me, form=form, errors=errors, feed_url=feed,
                           password_errors=password_errors, timezones=platform().accounts.timezones(),
                           locales=LOCALES, organization=page.organization)


@bp.post("/profile/password")
@login_required
def change_password():  # type: ignore[no-untyped-def]
    """Current password and the new one twice; every other session of the user ends."""
    try:
        platform().accounts.change_password(actor(), request.form.get("current_password", ""),
                                            request.form.get("new_password", ""),
                                            request.form.get("confirm_password", ""),
                                            keep_session=session_secret(), address=client_address())
    except LoginThrottled as exc:
        password_errors = {"current_password": wait_message(exc.retry_after)}
    except InputInvalid as exc:
        password_errors = account_fields(exc)
    else:
        flash(_("Password changed. You were logged out everywhere else."), "success")
        return redirect(url_for("profile.index") + "#password")
    page = platform().accounts.profile_page(actor())
    me = page.profile
    form = {"email": me.email, "timezone": me.timezone, "locale": me.locale}
    return _page(page, form, {}, password_errors), 422


@bp.post("/profile/calendar")
@login_required
def new_calendar_url():  # type: ignore[no-untyped-def]
    platform().planning.rotate_calendar(actor())
    flash(_("The calendar has a new address; the old one no longer works."), "success")
    return redirect(url_for("profile.index") + "#calendar")


@bp.get("/calendar/<int:user_id>/<token>.ics")
def calendar(user_id: int, token: str):  # type: ignore[no-untyped-def]
    """The private feed: no login, the token is the secret (404 when it is not the current one)."""
    body = platform().planning.calendar_feed(user_id, token, request.host_url.rstrip("/"))
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = 'inline; filename="reglament.ics"'
    return response
