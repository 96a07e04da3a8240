"""``reglament serve``: gunicorn with threaded workers (``gthread``) on ``web.wsgi:app``.

Each server process loads the app after the fork (its own database pool) and, unless
``--no-worker``, runs one embedded timer worker thread (jobs are leased, so any number of workers
share them). SIGTERM (or SIGINT) stops gracefully: no new connections, the requests in flight are
finished within ``graceful_timeout``, and each embedded worker stops after its current job.
Prometheus counters of all processes add up through ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
temporary directory when it is not set).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any

log = logging.getLogger("reglament.serve")


def serve(host: str, port: int, workers: int, threads: int, embedded_worker: bool = True,
          graceful_timeout: int = 30, timeout: int = 60) -> None:
    from gunicorn.app.base import BaseApplication

    own_metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own_metrics_dir = tempfile.mkdtemp(prefix="reglament-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_metrics_dir

    def post_worker_init(worker: Any) -> None:
        if not embedded_worker:
            return
        from engine.platform.worker import Worker

        job_worker = Worker(worker.wsgi.extensions["reglament"])
        worker.reglament_worker = job_worker
        worker.reglament_thread = job_worker.start_thread()

    def worker_exit(server: Any, worker: Any) -> None:
        job_worker = getattr(worker, "reglament_worker", None)
        if job_worker is not None:  # finish the job in hand, take no other
            job_worker.stop()
            worker.reglament_thread.join(timeout=graceful_timeout)

    def child_exit(server: Any, worker: Any) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    def when_ready(server: Any) -> None:
        log.info("Reglament on http://%s:%s/ with %s processes of %s threads%s", host, port, workers, threads,
                 ", each with a timer worker" if embedded_worker else ", no timer worker (--no-worker)")

    options = {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
        "graceful_timeout": graceful_timeout, "timeout": timeout, "keepalive": 5,
        "preload_app": False, "proc_name": "reglament", "accesslog": None,  # one line per request: ours
        "post_worker_init": post_worker_init, "worker_exit": worker_exit, "child_exit": child_exit,
        "when_ready": when_ready,
        "control_socket_disable": True,  # gunicorn's control socket is one per user: several servers would collide
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from web.wsgi import app

            return app

    from web.observability import configure_logging

    configure_logging()
    master = os.getpid()
    try:
        Server().run()
    finally:
        # a server process leaves through here too (it was forked inside run()): only the master cleans up
        if own_metrics_dir is not None and os.getpid() == master:
            shutil.rmtree(own_metrics_dir, ignore_errors=True)
