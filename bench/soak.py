"""Soak: N users for M minutes against the deployment of the README, then a reconciliation.

    .venv/bin/python bench/soak.py [--users 8] [--minutes 2] [--hosts 2] [--processes 1] [--workers 2]
                                   [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/reglament_soak]

App hosts (``reglament serve --no-worker``), workers (``reglament worker``) and a round-robin proxy
are started on one PostgreSQL database (created and emptied). Each user, in a loop until the time is
up: creates a client (``POST /api/v1/clients``), starts a cycle on it, completes the call **twice at
once** (two browser tabs racing: exactly one may win, the other gets 409), waits for the one-second
timer a worker fires, completes the follow-up. Every POST carries an ``Idempotency-Key`` and is
retried when unanswered. At the end the counts the users were told (clients created, cycles started,
tasks completed, races won, cycles won) are compared with the database, and every cycle's history
(each completion and each timer exactly once). Exit status 1 when anything disagrees.

``--throughput`` instead measures task completions per second on one host with 1, 2, 3 and 4 server
processes (``--processes-list``), clients talking to the host directly (no proxy).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster as c  # the deployment harness beside this script
from sqlalchemy import func, select

from engine.platform.root import Reglament
from storage.models import Client

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/reglament_soak"


def make_users(db: Any, count: int) -> list[str]:
    """Managers m01..mNN (password ``demo``), besides head."""
    p = Reglament(db, c.SECRET)
    logins = [f"m{i:02d}" for i in range(1, count + 1)]
    for login in logins:
        p.accounts.create_user(login, f"Manager {login}", c.demo.PASSWORD, ["manager"], ["Sales"], password_policy=False)
    return logins


def race(apis: tuple[c.Api, c.Api], task_id: str, cycle_id: int, tally: c.Tally, tag: str) -> None:
    """Two tabs of one user complete the same task at the same moment: exactly one may win."""
    answers: list[tuple[int, Any]] = []
    barrier = threading.Barrier(2)

    def tab(k: int) -> None:
        barrier.wait()
        answers.append(apis[k].call("POST", f"/api/v1/tasks/{task_id}/complete", {"variables": {}},
                                    key=f"{tag}-race{k}-{cycle_id}"))

    tabs = [threading.Thread(target=tab, args=(k,)) for k in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()
    won = [a for a in answers if a[0] == 200 or (a[0] == 409 and a[1].get("error") == "idempotency_answer_lost")]
    lost = [a for a in answers if a[0] == 409 and a[1].get("error") != "idempotency_answer_lost"]
    if len(won) != 1 or len(lost) != 1:
        raise c.Lost(f"race on the call of cycle {cycle_id}: {answers}")
    with tally.lock:
        tally.races_won.append((cycle_id, "Task_Call"))
        tally.completed.append((cycle_id, "Task_Call"))
        tally.races_lost += 1


def user_loop(login: str, base: str, until: float, tally: c.Tally, created: list[int], errors: list[str],
              stats: dict[str, list[float]]) -> None:
    apis = (c.Api(base), c.Api(base))
    apis[0].log_in(login)
    apis[1].token = apis[0].token
    n = 0
    while time.monotonic() < until:
        n += 1
        tag = f"soak-{login}-{n}"
        try:
            t0 = time.perf_counter()
            status, client = apis[0].call("POST", "/api/v1/clients",
                                          {"name": f"{login} {uuid.uuid4().hex[:10]}", "create_anyway": True},
                                          key=f"{tag}-client")
            if status != 201:
                raise c.Lost(f"client create: {status} {client}")
            with tally.lock:
                created.append(int(client["id"]))
            status, cycle = apis[0].call("POST", "/api/v1/cycles",
                                         {"client_id": client["id"], "regulation": "stream_sale"}, key=f"{tag}-start")
            if status == 409 and cycle.get("error") == "idempotency_answer_lost":
                # started once; its host died before keeping the answer: the cycle is read instead
                cycle = {"id": c._cycle_of(apis[0], int(client["id"]))}
                with tally.lock:
                    stats.setdefault("answers_lost", []).append(1.0)
            elif status != 201:
                raise c.Lost(f"start: {status} {cycle}")
            with tally.lock:
                tally.started[int(client["id"])] = int(cycle["id"])
            race(apis, apis[0].task(cycle["id"], "Task_Call"), cycle["id"], tally, tag)
            follow = apis[0].task(cycle["id"], "Task_Follow")
            status, answer = apis[0].call("POST", f"/api/v1/tasks/{follow}/complete", {"variables": {}},
                                          key=f"{tag}-follow")
            if status == 409 and answer.get("error") == "idempotency_answer_lost":
                with tally.lock:  # done once; the host died (or lost the database) before keeping the answer
                    stats.setdefault("answers_lost", []).append(1.0)
            elif status != 200:
                raise c.Lost(f"follow-up: {status} {answer}")
            with tally.lock:
                tally.completed.append((int(cycle["id"]), "Task_Follow"))
                stats.setdefault("cycle_seconds", []).append(time.perf_counter() - t0)
        except Exception as exc:
            errors.append(f"{login} #{n}: {type(exc).__name__}: {exc}")
    with tally.lock:
        stats.setdefault("retries", []).append(apis[0].retries + apis[1].retries)


def soak(args: argparse.Namespace, faults: Any = None, cluster_url: str | None = None) -> int:
    """The soak; ``faults(cluster, until)`` runs beside the users and returns what it did; the hosts and
    workers reach the database at ``cluster_url`` when given (a relay the fault script can cut)."""
    db = c.fresh_database(args.database_url)
    c.seed(db, 0, managers=())
    users = make_users(db, args.users)
    ports = c.free_ports(args.hosts + 1, args.first_port, args.first_port + 18)
    log_dir = Path(tempfile.mkdtemp(prefix="reglament-soak-"))
    cl = c.Cluster(cluster_url or args.database_url, log_dir, ports[:args.hosts], threads=8)
    proxy = c.RoundRobinProxy(ports[-1], ports[:args.hosts])
    tally, created, errors, stats = c.Tally(), [], [], {}  # type: ignore[var-annotated]
    try:
        for i in range(args.hosts):
            cl.start_server(i, processes=args.processes)
        for i in range(args.workers):
            cl.start_worker(i)
        cl.wait_ready(timeout=120)
        proxy.start()
        started = time.monotonic()
        until = started + args.minutes * 60
        threads = [threading.Thread(target=user_loop, args=(u, f"http://127.0.0.1:{ports[-1]}", until, tally, created,
                                                            errors, stats)) for u in users]
        for t in threads:
            t.start()
        events = faults(cl, until) if faults is not None else []
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        result = c.reconcile(db, tally, created)
        with db.unit_of_work(write=False) as s:
            clients_in_db = s.scalar(select(func.count()).select_from(Client)) or 0
    finally:
        proxy.stop()
        cl.stop()
        db.dispose()
    if clients_in_db != len(created):
        result["problems"].append(f"{clients_in_db} clients in the database, users were told of {len(created)}")
    cycle_times = sorted(stats.get("cycle_seconds", [0.0]))
    report = {"users": args.users, "minutes": args.minutes, "hosts": args.hosts, "processes": args.processes,
              "workers": args.workers, "elapsed_s": round(elapsed, 1), "clients_created": len(created),
              "clients_in_db": clients_in_db, "cycles_started": result["started"], "cycles_in_db": result["cycles"],
              "completions": result["completed"], "races": len(tally.races_won), "races_lost": tally.races_lost,
              "won": result["won"], "jobs_left": result["jobs_left"], "retries": sum(stats.get("retries", [])),
              "answers_lost": len(stats.get("answers_lost", [])),
              "commands_per_s": round((len(created) + result["started"] + result["completed"] + tally.races_lost)
                                      / elapsed, 1),
              "cycle_median_s": round(cycle_times[len(cycle_times) // 2], 2),
              "errors": errors[:20], "error_count": len(errors), "problems": result["problems"][:20],
              "faults": events, "logs": str(log_dir)}
    print(json.dumps(report, indent=2))
    return 1 if errors or result["problems"] else 0


# ----------------------------------------------------------------------------- throughput


def throughput(args: argparse.Namespace) -> int:
    """Task completions/s on one host with 1..4 server processes."""
    rows = []
    for processes in args.processes_list:
        db = c.fresh_database(args.database_url)
        seeded = c.seed(db, args.cycles, managers=("anna", "boris"))
        p = Reglament(db, c.SECRET)
        actors = {a.login: a for a in p.accounts.users()}
        tasks: list[tuple[str, str]] = []
        for login, ids in seeded.items():
            for client_id in ids:
                p.regulation.start_cycle(actors[login], client_id, "stream_sale")
            tasks += [(login, str(t.id)) for t, _ in p.regulation.inbox(actors[login])]
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        port = c.free_ports(1, args.first_port, args.first_port + 18)[0]
        log_dir = Path(tempfile.mkdtemp(prefix="reglament-throughput-"))
        cl = c.Cluster(args.database_url, log_dir, [port], threads=8)
        cl.start_server(0, processes=processes)
        try:
            cl.wait_ready(timeout=120)
            tokens = {}
            for login in seeded:
                api = c.Api(f"http://127.0.0.1:{port}")
                api.log_in(login)
                tokens[login] = api.token
            done, failed, elapsed = complete_all(port, tokens, tasks, args.clients)
        finally:
            cl.stop()
            db.dispose()
        done.sort()
        rows.append({"processes": processes, "completions": len(done), "seconds": round(elapsed, 2),
                     "per_s": round(len(done) / elapsed, 1), "median_ms": round(1000 * done[len(done) // 2], 1),
                     "p95_ms": round(1000 * done[int(len(done) * 0.95)], 1), "failed": len(failed)})
        print(json.dumps(rows[-1]), flush=True)
    return 0


def complete_all(port: int, tokens: dict[str, str], tasks: list[tuple[str, str]],
                 clients: int) -> tuple[list[float], list[str], float]:
    """Complete every task through ``clients`` keep-alive connections; latencies, failures, seconds."""
    queue = list(tasks)
    lock = threading.Lock()
    done: list[float] = []
    failed: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                login, task_id = queue.pop()
            t0 = time.perf_counter()
            conn.request("POST", f"/api/v1/tasks/{task_id}/complete", body=b'{"variables":{}}',
                         headers={"Content-Type": "application/json", "Authorization": f"Bearer {tokens[login]}"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failed.append(f"{response.status}")
            done.append(time.perf_counter() - t0)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, failed, time.perf_counter() - t0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=os.environ.get("REGLAMENT_SOAK_DATABASE_URL", DEFAULT_URL))
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--minutes", type=float, default=2)
    ap.add_argument("--hosts", type=int, default=2)
    ap.add_argument("--processes", type=int, default=1, help="server processes per host")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-port", type=int, default=5151)
    ap.add_argument("--throughput", action="store_true")
    ap.add_argument("--processes-list", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--cycles", type=int, default=600, help="--throughput: open tasks per manager (two managers)")
    ap.add_argument("--clients", type=int, default=8, help="--throughput: concurrent API clients")
    return ap


def main() -> int:
    args = parser().parse_args()
    return throughput(args) if args.throughput else soak(args)


if __name__ == "__main__":
    sys.exit(main())
