"""Benchmark: start a cycle, complete a task and load the inbox through the HTTP API,
with 10,000 cycles already in the database. Prints median and p95 per operation.

    .venv/bin/python bench/benchmark.py                      # SQLite in a temp dir
    .venv/bin/python bench/benchmark.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database given is wiped (PostgreSQL: schema public is recreated). The server is
`reglament run` in its own process (waitress with its embedded timer worker) on a free
loopback port; the client keeps its HTTP connection alive, as a browser or an integration
would.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.demo.loader import SEGMENTS
from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from storage.db import Database

MANAGERS = 100
PASSWORD = "bench-password"


def seed(p: Reglament, cycles: int) -> None:
    admin = p.accounts.create_user("admin", "Admin", PASSWORD, ["admin", "owner", "head"], ["Sales"])
    for group in ("Presales", "Legal", "Accounting"):
        p.accounts.create_user(group.lower(), group, PASSWORD, ["manager"], [group])
    managers = [p.accounts.create_user(f"m{i:03d}", f"Manager {i}", PASSWORD, ["manager"], ["Sales"])
                for i in range(MANAGERS)]
    with p.command() as s:
        from engine.clients.records import ensure_segment

        for segment in SEGMENTS:
            ensure_segment(s, segment)
    bpmn = ROOT / "bpmn" / "new_client_sale.bpmn"
    p.regulation.deploy(admin, [SourceFile(bpmn.name, bpmn.read_bytes())])
    started = time.perf_counter()
    for i in range(cycles):
        manager = managers[i % MANAGERS]
        client = p.clients.create_client(admin, f"Client {i}", SEGMENTS[i % 3], manager.login)
        cycle = p.regulation.start_cycle(manager, client.id, "new_client_sale")
        if (i // MANAGERS) % 2:  # half of each manager's cycles one step further
            task = p.regulation.inbox(manager, cycle_id=cycle.id)[0][0]
            p.regulation.complete_task(manager, task.id, {"contact_person": "X", "result": "qualified"})
        if i and i % 2000 == 0:
            print(f"  seeded {i} cycles ({time.perf_counter() - started:.0f} s)", flush=True)


class Api:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.token = ""

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, object, float]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps(body).encode() if body is not None else None  # one packet with the headers
        t0 = time.perf_counter()
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - t0) * 1000
        return response.status, json.loads(data), elapsed


def summary(name: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    return (f"{name:<16} median {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms   "
            f"max {samples[-1]:7.2f} ms   (n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--timer-samples", type=int, default=200)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='reglament-bench-')}/bench.db"
    db = Database(url)
    if db.is_postgresql:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    platform = Reglament(db, "bench-secret")
    platform.init_schema()
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
    t0 = time.perf_counter()
    seed(platform, args.cycles)
    print(f"seeded {args.cycles} cycles in {time.perf_counter() - t0:.0f} s")
    if db.is_postgresql:  # what autovacuum would do shortly after a bulk load: fresh planner statistics
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))

    server, port = start_server(url)
    api = Api(port)
    status, body, _ = api.call("POST", "/api/v1/token", {"login": "m007", "password": PASSWORD})
    assert status == 200, body
    api.token = body["token"]  # type: ignore[index]
    _, clients, _ = api.call("POST", "/api/v1/clients", {"name": "warm-up"})

    starts, completes, inboxes = [], [], []
    cycle_ids = []
    for i in range(args.samples):
        _, client, _ = api.call("POST", "/api/v1/clients", {"name": f"Bench client {i}", "create_anyway": True})
        status, cycle, ms = api.call("POST", "/api/v1/cycles",
                                     {"client_id": client["id"], "regulation": "new_client_sale"})  # type: ignore[index]
        assert status == 201, cycle
        starts.append(ms)
        cycle_ids.append(cycle["id"])  # type: ignore[index]
    for cycle_id in cycle_ids:
        _, tasks, _ = api.call("GET", f"/api/v1/tasks?cycle_id={cycle_id}")
        task_id = tasks[0]["id"]  # type: ignore[index]
        status, body, ms = api.call("POST", f"/api/v1/tasks/{task_id}/complete",
                                    {"variables": {"contact_person": "Bench", "result": "qualified"}})
        assert status == 200, body
        completes.append(ms)
    open_tasks = 0
    for _ in range(args.samples):
        status, tasks, ms = api.call("GET", "/api/v1/tasks?scope=mine")
        assert status == 200
        open_tasks = len(tasks)  # type: ignore[arg-type]
        inboxes.append(ms)
    print(summary("start cycle", starts))
    print(summary("complete task", completes))
    print(summary(f"inbox ({open_tasks} tasks)", inboxes))
    try:
        timer_lateness(platform, args.timer_samples)
    finally:
        server.terminate()
        server.wait(timeout=30)


def start_server(url: str) -> tuple[subprocess.Popen[bytes], int]:
    """`reglament run` in its own process (waitress and its embedded timer worker), as users run it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, REGLAMENT_DATABASE_URL=url, REGLAMENT_SECRET_KEY="bench-secret", PYTHONPATH=str(ROOT))
    server = subprocess.Popen([sys.executable, "-m", "web.cli", "run", "--port", str(port), "--threads", "4"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


TIMED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="bench_timed" targetNamespace="http://reglament.dev/bench">
  <bpmn:process id="bench_timed" name="Bench timer" isExecutable="true">
    <bpmn:startEvent id="Start" name="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Wait" />
    <bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT10S</bpmn:timeDuration>
    </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="Call" />
    <bpmn:userTask id="Call" name="Call" camunda:assignee="${owner}" />
    <bpmn:sequenceFlow id="f3" sourceRef="Call" targetRef="End" />
    <bpmn:endEvent id="End" />
  </bpmn:process>
</bpmn:definitions>""".replace('id="Start"', 'id="StartEvent_1"').replace('sourceRef="Start"', 'sourceRef="StartEvent_1"').replace(
    'id="End"', 'id="EndEvent_1"').replace('targetRef="End"', 'targetRef="EndEvent_1"')


def timer_lateness(platform: Reglament, samples: int) -> None:
    """Start cycles whose 10-second timers come due while every seeded timer is pending;
    the server's embedded worker fires them; lateness = fired - due."""
    from sqlalchemy import func, select

    from storage.models import Cycle, HistoryEvent, Job

    with platform.query() as s:
        pending = s.scalar(select(func.count()).select_from(Job))
    admin = next(a for a in platform.accounts.users() if a.login == "admin")
    manager = next(a for a in platform.accounts.users() if a.login == "m000")
    platform.regulation.deploy(admin, [SourceFile("bench_timed.bpmn", TIMED.encode())])
    started = []
    for i in range(samples):
        client = platform.clients.create_client(admin, f"Timer client {i}", None, manager.login)
        started.append(platform.regulation.start_cycle(manager, client.id, "bench_timed").id)
        time.sleep(10.0 / samples)  # spread the due times over ten seconds
    deadline = time.monotonic() + 60
    late: list[float] = []
    while time.monotonic() < deadline:
        with platform.query() as s:
            rows = s.execute(select(Cycle.started_at, HistoryEvent.at).join(
                HistoryEvent, HistoryEvent.cycle_id == Cycle.id).where(
                Cycle.id.in_(started), HistoryEvent.type == "passed", HistoryEvent.element_id == "Wait")).all()
        if len(rows) == len(started):
            late = [((at - begun).total_seconds() - 10.0) * 1000 for begun, at in rows]
            break
        time.sleep(0.5)
    if not late:
        print("timer lateness: not all timers fired within 60 s")
        return
    print(summary(f"timer lateness ({pending} pending timers)", late))


if __name__ == "__main__":
    main()
