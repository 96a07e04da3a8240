"""A Camunda 7 REST compatible subset under /engine-rest, so that existing clients work unchanged.

Authentication: ``Authorization: Bearer <token>`` (POST /api/v1/token) or HTTP Basic with a login
and password (throttled like log-in; a verified credential is reused for BASIC_CACHE_SECONDS so
that a polling worker does not hash its password every second). Errors are Camunda's shape,
``{"type": ..., "message": ...}``. Every module here registers its routes on ``bp``.
"""
from web.views.engine_rest import external_task, messages, process  # noqa: F401
from web.views.engine_rest.base import bp

__all__ = ["bp"]
