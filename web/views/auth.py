from __future__ import annotations

import math

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.accounts.throttle import LoginThrottled
from engine.shared.errors import Unauthenticated
from web.i18n import LOCALES
from web.views import SESSION_KEY, actor, client_address, login_required, platform, safe_next, session_secret

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("inbox.index"))


def wait_message(seconds: int) -> str:
    """“Too many failed attempts; try again in N minutes/seconds”, translated."""
    if seconds < 60:
        return ngettext("Too many failed log-in attempts. Try again in %(num)d second.",
                        "Too many failed log-in attempts. Try again in %(num)d seconds.", seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext("Too many failed log-in attempts. Try again in %(num)d minute.",
                    "Too many failed log-in attempts. Try again in %(num)d minutes.", minutes)


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    error, retry_after = None, None
    if request.method == "POST":
        try:
            who = platform().accounts.authenticate(request.form.get("login", ""), request.form.get("password", ""),
                                                   client_address())
        except LoginThrottled as exc:
            error, retry_after = wait_message(exc.retry_after), exc.retry_after
        except Unauthenticated:
            error = _("Wrong login or password.")
        else:
            session.clear()  # a fresh cookie: nothing from before the log-in survives it
            session[SESSION_KEY] = platform().accounts.start_session(who)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    response = render_template("auth/login.html", error=error)
    if retry_after is not None:
        return response, 429, {"Retry-After": str(retry_after)}
    return response, (401 if error else 200)


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    secret = session_secret()
    if secret is not None:
        platform().accounts.end_session(secret)  # a copy of the cookie no longer works either
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/locale")
def set_locale():  # type: ignore[no-untyped-def]
    locale = request.form.get("locale", "en")
    if locale in LOCALES:
        session["locale"] = locale
        secret = session_secret()
        if secret is not None:
            try:
                me = platform().accounts.session_actor(secret)
                platform().accounts.set_locale(me, locale)
            except Unauthenticated:
                session.clear()
                session["locale"] = locale
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/")
@login_required
def home():  # type: ignore[no-untyped-def]
    g.actor = actor()
    return redirect(url_for("inbox.index"))
