"""Health, readiness and database outages.

``/healthz`` answers while the process serves requests (it never touches the database): a load
balancer or systemd restarts a process that stops answering it. ``/readyz`` answers 200 only when
the database is reachable and its schema is at the migrations' head: a load balancer sends traffic
only to ready hosts. Both need no log-in and no CSRF token and answer a tiny JSON object.

A request that fails because the database cannot be reached (refused or dropped connection, a
restarting server, an unreadable SQLite file, the pool exhausted) answers **503 with Retry-After**:
JSON under /api, a translated page elsewhere. Nothing needs restarting when the database is back:
the pool checks a connection before handing it out (``pool_pre_ping``) and drops the dead ones.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, g, jsonify, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from engine.platform.operations import head_revision
from web.errors import wants_json

log = logging.getLogger("reglament.health")

bp = Blueprint("health", __name__)

__all__ = ["bp", "head_revision", "outage_response", "register"]

#: seconds a client is asked to wait before trying again while the database is unreachable
RETRY_AFTER = 5


def _no_cache(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return _no_cache(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    from web.app import platform

    try:
        readiness = platform().operations.readiness()
    except DBAPIError as exc:
        log.warning("not ready: database unreachable: %s", str(exc.orig).strip().splitlines()[0:1])
        return _unready("database_unreachable", "the database cannot be reached")
    except PoolTimeout:
        return _unready("database_busy", "no database connection is free")
    current, head = readiness.migration, readiness.head
    if not readiness.ready:
        return _unready("migrations_behind", f"the schema is at {current or 'nothing'}, the code needs {head}: "
                                             "run `reglament init`", migration=current, head=head)
    return _no_cache(jsonify(status="ready", migration=current))


def _unready(code: str, message: str, **extra: Any) -> Any:
    response = jsonify(status="unavailable", error=code, message=message, **extra)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return _no_cache(response)


def outage_response(exc: BaseException) -> Any:
    g.database_down = True  # the language is chosen without asking the database (web/i18n.py)
    log.warning("database unavailable: %s: %s", type(exc).__name__,
                str(getattr(exc, "orig", exc)).strip().splitlines()[:1])
    message = _("The database cannot be reached at the moment. Try again in a few seconds.")
    if wants_json():
        response = jsonify(error="database_unavailable", message=message, details={"retry_after": RETRY_AFTER})
        response.status_code = 503
    else:
        get_locale()  # decided (and kept for this request) while the user is still known
        g.pop("actor", None)  # the page must not read the database again (the header's bell)
        response = Flask.response_class(render_template("outage.html", message=message), status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(exc: Exception):  # type: ignore[no-untyped-def]
        return outage_response(exc)
