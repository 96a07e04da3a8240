from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine.shared.errors import Unauthenticated
from web.i18n import LOCALES
from web.views import actor, login_required, platform, safe_next

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("inbox.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    error = None
    if request.method == "POST":
        try:
            who = platform().accounts.authenticate(request.form.get("login", ""), request.form.get("password", ""))
        except Unauthenticated:
            error = _("Wrong login or password.")
        else:
            session.clear()
            session["user_id"] = who.id
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/locale")
def set_locale():  # type: ignore[no-untyped-def]
    locale = request.form.get("locale", "en")
    if locale in LOCALES:
        session["locale"] = locale
        if session.get("user_id") is not None:
            try:
                me = platform().accounts.actor(session["user_id"])
                platform().accounts.set_locale(me, locale)
            except Unauthenticated:
                session.clear()
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/")
@login_required
def home():  # type: ignore[no-untyped-def]
    g.actor = actor()
    return redirect(url_for("inbox.index"))


