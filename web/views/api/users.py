"""User administration for admins: /api/v1/users."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, json_body


def _user_fields(data: dict[str, Any]) -> dict[str, Any]:
    """name, roles [..], groups [..], locale, timezone of a user's JSON body (locale and timezone
    null or left out: the organization's)."""
    for key in ("roles", "groups"):
        if key in data and not (isinstance(data[key], list) and all(isinstance(v, str) for v in data[key])):
            raise InputInvalid(f"{key} must be a list of strings", {"fields": {key: "must be a list of strings"}})
    return {"name": str(data.get("name") or ""), "roles": list(data.get("roles", [])),
            "groups": list(data.get("groups", [])), "locale": str(data.get("locale") or "") or None,
            "timezone": str(data.get("timezone") or "") or None}  # None: the organization's


@bp.get("/users")
def list_users():  # type: ignore[no-untyped-def]
    return jsonify(users=[u.as_dict() for u in platform().accounts.admin_users(g.actor)])


@bp.post("/users")
def create_user():  # type: ignore[no-untyped-def]
    """{"login", "password", "name"?, "roles"?, "groups"?, "locale"?, "timezone"?}; the password follows the policy."""
    data = json_body()
    fields = _user_fields(data)
    created = platform().accounts.add_user(g.actor, str(data.get("login") or ""), fields["name"],
                                           str(data.get("password") or ""), fields["roles"], fields["groups"],
                                           fields["locale"], fields["timezone"])
    return jsonify(created.as_dict()), 201


@bp.get("/users/<int:user_id>")
def get_user(user_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().accounts.admin_user(g.actor, user_id).as_dict())


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):  # type: ignore[no-untyped-def]
    """Name, roles, groups, locale, time zone (fields left out keep their values)."""
    current = platform().accounts.admin_user(g.actor, user_id)
    data = {"name": current.name, "roles": list(current.roles), "groups": list(current.groups),
            "locale": current.locale, "timezone": current.timezone, **json_body()}
    fields = _user_fields(data)
    return jsonify(platform().accounts.update_user(g.actor, user_id, fields["name"], fields["roles"],
                                                   fields["groups"], fields["locale"], fields["timezone"]).as_dict())


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().accounts.set_user_active(g.actor, user_id, False).as_dict())


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().accounts.set_user_active(g.actor, user_id, True).as_dict())


@bp.post("/users/<int:user_id>/password")
def reset_user_password(user_id: int):  # type: ignore[no-untyped-def]
    """{"password"}: the user's sessions end and their tokens are revoked."""
    password = str(json_body().get("password") or "")
    return jsonify(platform().accounts.reset_password(g.actor, user_id, password).as_dict())


@bp.get("/organization")
def organization_defaults():  # type: ignore[no-untyped-def]
    """The organization's time zone and language in force and what the admin stored (null: the
    environment's default)."""
    return jsonify(_defaults(platform().accounts.admin_organization_defaults(g.actor)))


@bp.post("/organization")
def set_organization_defaults():  # type: ignore[no-untyped-def]
    """{"timezone"?, "locale"?} (the names of a user's): null or empty follows the environment's default."""
    data = json_body()
    found = platform().accounts.set_organization_defaults(g.actor, str(data.get("timezone") or "")[:64] or None,
                                                          str(data.get("locale") or "")[:8] or None)
    return jsonify(_defaults(found))


def _defaults(found: Any) -> dict[str, Any]:
    return {"timezone": found.time_zone, "locale": found.language,
            "stored_timezone": found.stored_time_zone, "stored_locale": found.stored_language}
