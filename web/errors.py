"""Engine errors to HTTP, in one place. JSON under /api, pages elsewhere."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.shared import errors as e
from web.i18n import error_text, field_problems, with_texts

STATUS = {
    e.NotFound: 404, e.Forbidden: 403, e.Unauthenticated: 401, e.TaskNotActionable: 409,
    e.ConcurrentChange: 409, e.FormInvalid: 422, e.InputInvalid: 422, e.RegulationInvalid: 422,
    e.ExpressionError: 422, e.DuplicateClient: 409,
}


def status_of(exc: e.ReglamentError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def wants_json() -> bool:
    """The API, and pages' own fetch() calls that ask for JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and "text/html" not in request.accept_mimetypes


def register(app: Flask) -> None:
    @app.errorhandler(e.ReglamentError)
    def _engine_error(exc: e.ReglamentError):  # type: ignore[no-untyped-def]
        status = status_of(exc)
        if wants_json():
            details = exc.details
            if isinstance(details.get("problems"), list):  # a diagram's: each also in the reader's language
                details = {**details, "problems": with_texts(details["problems"])}
            body = {"error": exc.code, "message": exc.message, "details": details}
            if exc.notice is not None:  # the same in the reader's language
                body["text"] = error_text(exc)
            if isinstance(exc.details.get("fields"), dict):
                # per-field problems by code, for clients to act on: {"field", "code", "message", "params"}
                body["problems"] = field_problems(exc)
            return jsonify(body), status
        message = error_text(exc)
        if isinstance(exc, e.RegulationInvalid):
            message = gettext("The regulation cannot be deployed: %(count)s problems.", count=len(exc.problems))
        return render_template("error.html", status=status, message=message, details=exc.details), status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):  # type: ignore[no-untyped-def]
        if wants_json():
            return jsonify(error="csrf", message=exc.description, details={}), 400
        return render_template("error.html", status=400, message=exc.description, details={}), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        if wants_json():
            return jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description,
                           details={}), exc.code
        return render_template("error.html", status=exc.code, message=exc.description, details={}), exc.code
