"""The deployment of the README: two app hosts (``reglament serve``) and two workers on one PostgreSQL
database, behind a round-robin proxy. A stream of starts and completions runs through the proxy; one
app host and one worker are killed with SIGKILL mid-stream; nothing is lost or done twice.

It always runs on PostgreSQL, whatever database the rest of the suite uses: its own database
(``reglament_deploy_test`` on 127.0.0.1:5432, or ``REGLAMENT_DEPLOY_DATABASE_URL``), created and
emptied by the test. Without a PostgreSQL server it fails, naming what is missing.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("REGLAMENT_DEPLOY_DATABASE_URL",
                     "postgresql+psycopg://postgres@127.0.0.1:5432/reglament_deploy_test")


def _cluster_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reglament_bench_cluster", ROOT / "bench" / "cluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


c = _cluster_module()


def test_killing_an_app_host_and_a_worker_mid_stream_loses_nothing_and_does_nothing_twice(tmp_path: Path) -> None:
    db = c.fresh_database(URL)
    per_manager = 12
    clients = c.seed(db, per_manager)
    ports = c.free_ports(3, 5151, 5169)
    cluster = c.Cluster(URL, tmp_path, ports[:2])
    proxy = c.RoundRobinProxy(ports[2], ports[:2])
    errors: list[str] = []
    killed_at: list[int] = []
    try:
        for i in range(2):
            cluster.start_server(i)
            cluster.start_worker(i)
        cluster.wait_ready()
        proxy.start()
        tally = c.Tally()
        apis = {}
        for login in clients:
            apis[login] = c.Api(f"http://127.0.0.1:{ports[2]}")
            apis[login].log_in(login)

        def stream(login: str, share: list[int]) -> None:
            for client_id in share:
                try:
                    c.drive_cycle(apis[login], client_id, tally, "deploy")
                except Exception as exc:  # reported below, with every other one
                    errors.append(f"{login}, client {client_id}: {type(exc).__name__}: {exc}")

        streams = [threading.Thread(target=stream, args=(login, ids[k::2]))
                   for login, ids in clients.items() for k in range(2)]
        for t in streams:
            t.start()
        deadline = time.monotonic() + 60
        while len(tally.completed) < per_manager and time.monotonic() < deadline:
            time.sleep(0.05)
        killed_at.append(len(tally.completed))
        cluster.kill9(cluster.servers[0])  # the app host and its gunicorn processes
        cluster.kill9(cluster.workers[0])
        for t in streams:
            t.join(timeout=120)
        result = c.reconcile(db, tally, [i for ids in clients.values() for i in ids])
    finally:
        proxy.stop()
        cluster.stop()
        db.dispose()
    everyone = 2 * per_manager
    assert errors == []
    assert 0 < killed_at[0] < 2 * everyone, "the kill did not happen mid-stream"
    assert result["problems"] == []
    assert result == {"problems": [], "cycles": everyone, "started": everyone, "completed": 2 * everyone,
                      "won": everyone, "jobs_left": 0}
