"""Request ids, one log line per request (JSON with REGLAMENT_LOG_FORMAT=json) and Prometheus metrics.

Every request gets an id: the caller's ``X-Request-Id`` when it sends a sane one (a proxy's), else a
new one; the answer carries it back and every log line written while the request runs names it.

``/metrics`` (Prometheus text format) needs ``Authorization: Bearer $REGLAMENT_METRICS_TOKEN`` or an
administrator (logged-in page session or API token). Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR``
to an empty directory (``reglament serve`` does it for you) so that every process's counters add up.
"""
from __future__ import annotations

import hmac
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from engine.platform import operations
from engine.shared.errors import Forbidden, Unauthenticated

log = logging.getLogger("reglament.access")

REQUEST_ID = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
LATE_AFTER = operations.LATE_AFTER

REQUESTS = Counter("reglament_http_requests", "HTTP requests answered, by endpoint, method and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("reglament_http_request_duration_seconds", "Time to answer a request, by endpoint",
                    ["endpoint"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
STEPS = Histogram("reglament_unit_of_work_seconds",
                  "Duration of engine commands (write transactions: a step of a cycle, a create...) and reads",
                  ["kind", "outcome"], buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
POOL_IN_USE = Gauge("reglament_db_pool_connections_in_use", "Database connections checked out of this "
                    "process's pool", multiprocess_mode="livesum")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every log record (``%(request_id)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and the record's extras."""

    FIELDS = ("method", "path", "status", "duration_ms", "user", "remote", "endpoint")

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                               "level": record.levelname.lower(), "logger": record.name,
                               "message": record.getMessage(), "request_id": getattr(record, "request_id", "-")}
        for name in self.FIELDS:
            if hasattr(record, name):
                out[name] = getattr(record, name)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(fmt: str | None = None) -> None:
    """Log to stderr: JSON lines when REGLAMENT_LOG_FORMAT=json, else readable text (both name the request)."""
    fmt = (fmt or os.environ.get("REGLAMENT_LOG_FORMAT") or "text").strip().lower()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("spiff").setLevel(logging.WARNING)  # SpiffWorkflow logs every task state at INFO


def _observe_unit_of_work(write: bool, seconds: float, ok: bool) -> None:
    STEPS.labels("command" if write else "read", "ok" if ok else "error").observe(seconds)


operations.observe_units_of_work(_observe_unit_of_work)


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time (the same whichever process answers)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        service = self.app.extensions["reglament"].operations
        POOL_IN_USE.set(service.connections_in_use())
        backlog = service.backlog()
        yield GaugeMetricFamily("reglament_jobs_due", "Timer jobs due now and not yet run", value=backlog.jobs_due)
        yield GaugeMetricFamily("reglament_jobs_late", f"Timer jobs due more than {LATE_AFTER.seconds} s ago and "
                                                       "not yet run", value=backlog.jobs_late)
        yield GaugeMetricFamily("reglament_jobs_failed", "Timer jobs that failed every attempt",
                                value=backlog.jobs_failed)
        yield GaugeMetricFamily("reglament_open_incidents", "Cycles stopped in an incident",
                                value=backlog.open_incidents)


def metrics_text(app: Flask) -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        registry.register(DatabaseCollector(app))
        return generate_latest(registry)
    from prometheus_client import REGISTRY

    registry.register(DatabaseCollector(app))
    return generate_latest(REGISTRY) + generate_latest(registry)


def _may_read_metrics() -> None:
    from web.app import platform
    from web.views import session_secret

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    expected = os.environ.get("REGLAMENT_METRICS_TOKEN", "")
    if scheme.lower() == "bearer" and token.strip():
        if expected and hmac.compare_digest(token.strip().encode(), expected.encode()):
            return
        actor = platform().accounts.actor_from_token(token.strip())  # raises Unauthenticated
    else:
        secret = session_secret()
        if secret is None:
            raise Unauthenticated("send 'Authorization: Bearer <REGLAMENT_METRICS_TOKEN>' or log in as an administrator")
        actor = platform().accounts.session_actor(secret)
    if "admin" not in actor.roles:
        raise Forbidden("the metrics are for administrators and the monitoring token")


def register(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        given = request.headers.get(REQUEST_ID, "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID] = g.get("request_id") or "-"
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.endpoint or "unknown"
        if endpoint != "static":
            try:
                REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
                LATENCY.labels(endpoint).observe(seconds)
                POOL_IN_USE.set(app.extensions["reglament"].operations.connections_in_use())
            except Exception:  # metrics never cost a user his answer
                log.exception("recording the request's metrics failed")
        actor = g.get("actor")
        log.info("%s %s %s %.1f ms", request.method, request.path, response.status_code, seconds * 1000,
                 extra={"request_id": g.get("request_id") or "-", "method": request.method, "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1), "endpoint": endpoint,
                        "user": actor.login if actor is not None else None, "remote": request.remote_addr})
        return response

    @app.get("/metrics")
    def metrics():  # type: ignore[no-untyped-def]
        try:
            _may_read_metrics()
        except Unauthenticated as exc:
            return jsonify(error=exc.code, message=exc.message, details={}), 401
        except Forbidden as exc:
            return jsonify(error=exc.code, message=exc.message, details={}), 403
        return Response(metrics_text(app), content_type=CONTENT_TYPE_LATEST)
