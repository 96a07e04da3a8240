"""Flask app factory."""
from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.platform.root import Reglament
from engine.shared.settings import Settings
from web import assets, daily_work, errors, health, i18n, idempotency, observability
from web.views import (
    admin,
    api,
    auth,
    clients,
    control,
    cycles,
    engine_rest,
    inbox,
    messages,
    motivation,
    notifications,
    organization,
    planning,
    profile,
    regulations,
)
from web.views import imports as client_imports
from web.views import schemes as motivation_schemes

csrf = CSRFProtect()
babel = Babel()

#: forms post only here, nothing frames the app, no <base> or plug-ins can redirect or embed
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
#: what the browser may show inline; any other body (BPMN, DMN, XML, CSV, spreadsheets, exports) is
#: a download, so that a file someone uploaded never renders as a page of the app's own address
INLINE_TYPES = frozenset({"text/html", "application/json", "text/plain", "text/calendar"})
REDIRECTS = frozenset({204, 301, 302, 303, 304, 307, 308})


def as_download(response: Response) -> None:
    """Serve a file as ``Content-Disposition: attachment`` unless its type is one the app renders
    itself (an ``inline`` disposition on another type becomes ``attachment``, keeping the name)."""
    if response.status_code in REDIRECTS:
        return
    if (response.mimetype or "").lower() in INLINE_TYPES:
        return
    disposition = response.headers.get("Content-Disposition", "")
    kind, _, rest = disposition.partition(";")
    if kind.strip().lower() != "attachment":
        response.headers["Content-Disposition"] = "attachment" + (";" + rest if rest else "")


def create_app(test_config: dict[str, Any] | None = None, platform: Reglament | None = None) -> Flask:
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        WTF_CSRF_TIME_LIMIT=None,
        # the cookie only carries the server-side session's id; the server decides when it ends
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.session_lifetime_days),
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES="translations",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        DATABASE_URL=settings.database_url,
    )
    if test_config:
        app.config.update(test_config)
    if platform is None:
        platform = Reglament.open(replace(settings, database_url=app.config["DATABASE_URL"],
                                          secret_key=app.config["SECRET_KEY"]))
    app.extensions["reglament"] = platform
    platform.catalogue = i18n.catalogue  # e-mails in each recipient's language
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    app.jinja_env.globals.update(i18n.template_globals())
    app.jinja_env.filters.update(i18n.template_filters())
    for blueprint in (auth.bp, inbox.bp, planning.bp, clients.bp, cycles.bp, regulations.bp, control.bp,
                      notifications.bp, profile.bp, admin.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(client_imports.bp)  # after CSRF's init: it exempts its upload view
    app.register_blueprint(organization.bp)
    app.register_blueprint(motivation_schemes.bp)
    app.register_blueprint(motivation.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # the API authenticates with Bearer tokens, never cookies
    app.register_blueprint(engine_rest.bp)
    app.register_blueprint(messages.bp)  # the head's triage list of messages from outside
    csrf.exempt(engine_rest.bp)  # Camunda 7 REST subset: Bearer tokens or HTTP Basic, never cookies
    errors.register(app)
    health.register(app)  # /healthz, /readyz; 503 with Retry-After while the database is unreachable
    observability.register(app)  # X-Request-Id, one log line per request, /metrics
    assets.register(app)  # static files: digest in the URL, cached a year, gzip when accepted
    daily_work.register(app)  # deal amounts and files on the daily-work pages

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.endpoint != "static":
            as_download(response)
        return response

    @app.context_processor
    def _inject() -> dict[str, Any]:
        actor = g.get("actor")
        return {"actor": actor, "current_locale": i18n.select_locale(),
                "endpoint": request.endpoint or "", "session_locale": session.get("locale"),
                # one COUNT per page, for the bell in the header
                "unread_notifications": (app.extensions["reglament"].notify.unread_notifications(actor)
                                         if actor is not None else 0)}

    idempotency.register(app)  # last: wraps the API's POST views of every blueprint registered above
    proxies = int(os.environ.get("REGLAMENT_TRUSTED_PROXIES") or 0)
    if proxies > 0:  # behind N reverse proxies: the client's address, scheme and host from X-Forwarded-*
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)
    return app


def platform() -> Reglament:
    from flask import current_app

    return current_app.extensions["reglament"]  # type: ignore[no-any-return]
