"""User administration (issue 16): /admin/users. Only admins; the engine checks (Permission.ADMIN)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.shared import organization_defaults
from engine.shared.access import ROLES
from engine.shared.errors import InputInvalid
from web.i18n import LOCALES
from web.views import account_fields, actor, login_required, platform

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _groups_from_form() -> list[str]:
    """Ticked departments plus new ones typed comma-separated."""
    typed = [g.strip() for g in request.form.get("new_groups", "").split(",") if g.strip()]
    return list(dict.fromkeys(request.form.getlist("groups") + typed))


def _role_labels() -> dict[str, str]:
    return {"manager": _("Manager"), "head": _("Head of sales"), "owner": _("Process owner"),
            "analyst": _("Analyst"), "admin": _("Administrator")}


def _common() -> dict[str, Any]:
    return {"roles": ROLES, "role_labels": _role_labels(), "locales": LOCALES,
            "timezones": platform().accounts.timezones(), "groups": platform().accounts.admin_groups(actor()),
            "organization": platform().accounts.admin_organization_defaults(actor())}


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"login": "", "name": "", "roles": ["manager"], "groups": [], "new_groups": "",
                            "locale": "", "timezone": ""}
    if request.method == "POST":
        form = {"login": request.form.get("login", ""), "name": request.form.get("name", ""),
                "roles": request.form.getlist("roles"), "groups": _groups_from_form(), "new_groups": "",
                "locale": request.form.get("locale", ""), "timezone": request.form.get("timezone", "")}
        try:
            created = platform().accounts.add_user(actor(), form["login"], form["name"],
                                                   request.form.get("password", ""), form["roles"], form["groups"],
                                                   form["locale"], form["timezone"])
        except InputInvalid as exc:
            errors = account_fields(exc)
        else:
            flash(_("User %(login)s created.", login=created.login), "success")
            return redirect(url_for("admin.users"))
    listing = platform().accounts.admin_users(actor())
    return render_template("admin/admin_users.html", users=listing, form=form, errors=errors,
                           **_common()), (422 if errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user(user_id: int):  # type: ignore[no-untyped-def]
    info = platform().accounts.admin_user(actor(), user_id)
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"name": info.name, "roles": list(info.roles), "groups": list(info.groups),
                            "locale": info.locale or "", "timezone": info.timezone or ""}
    if request.method == "POST":
        form = {"name": request.form.get("name", ""), "roles": request.form.getlist("roles"),
                "groups": _groups_from_form(), "locale": request.form.get("locale", ""),
                "timezone": request.form.get("timezone", "")}
        try:
            platform().accounts.update_user(actor(), user_id, form["name"], form["roles"], form["groups"],
                                            form["locale"], form["timezone"])
        except InputInvalid as exc:
            errors = account_fields(exc)
        else:
            flash(_("Changes to %(login)s saved.", login=info.login), "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return _user_page(info, form, errors, {}), (422 if errors else 200)


def _user_page(info: Any, form: dict[str, Any], errors: dict[str, str], other_errors: dict[str, str]) -> str:
    return render_template("admin/admin_user.html", user=info, form=form, errors=errors, other_errors=other_errors,
                           **_common())


def _form_of(info: Any) -> dict[str, Any]:
    return {"name": info.name, "roles": list(info.roles), "groups": list(info.groups), "locale": info.locale or "",
            "timezone": info.timezone or ""}


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):  # type: ignore[no-untyped-def]
    active = request.form.get("active") == "1"
    try:
        info = platform().accounts.set_user_active(actor(), user_id, active)
    except InputInvalid as exc:
        info = platform().accounts.admin_user(actor(), user_id)
        return _user_page(info, _form_of(info), {}, account_fields(exc)), 422
    if active:
        flash(_("%(login)s can log in again.", login=info.login), "success")
    else:
        flash(_("%(login)s is deactivated: they cannot log in and were logged out everywhere.", login=info.login),
              "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@login_required
def reset_password(user_id: int):  # type: ignore[no-untyped-def]
    try:
        info = platform().accounts.reset_password(actor(), user_id, request.form.get("password", ""))
    except InputInvalid as exc:
        info = platform().accounts.admin_user(actor(), user_id)
        return _user_page(info, _form_of(info), {}, account_fields(exc)), 422
    flash(_("New password set for %(login)s; they were logged out everywhere.", login=info.login), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/organization", methods=["GET", "POST"])
@login_required
def organization():  # type: ignore[no-untyped-def]
    """The organization's time zone and language: for everyone who has not chosen their own."""
    current = platform().accounts.admin_organization_defaults(actor())
    errors: dict[str, str] = {}
    form = {"timezone": current.stored_time_zone or "", "locale": current.stored_language or ""}
    if request.method == "POST":
        form = {"timezone": request.form.get("timezone", "").strip()[:64], "locale": request.form.get("locale", "")[:8]}
        try:
            platform().accounts.set_organization_defaults(actor(), form["timezone"], form["locale"])
        except InputInvalid as exc:
            errors = account_fields(exc)
        else:
            flash(_("The organization’s time zone and language are saved."), "success")
            return redirect(url_for("admin.organization"))
    return render_template("admin/admin_organization.html", current=current, form=form, errors=errors,
                           environment=organization_defaults.environment(), locales=LOCALES,
                           timezones=platform().accounts.timezones()), (422 if errors else 200)
