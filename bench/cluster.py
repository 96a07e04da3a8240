"""A small Reglament deployment on one machine, for the deployment test, the soak and the fault scripts.

App hosts are ``reglament serve --no-worker`` processes (each in its own process group, so that
"kill -9 a host" kills its gunicorn master and workers together), workers are ``reglament worker``
processes, all on one PostgreSQL database with one secret, behind a tiny round-robin HTTP proxy
(standard library only) that, like nginx's ``proxy_next_upstream error``, passes a request to the
next host only when the connection to a host could not be made. The client retries what the proxy
could not deliver with the same ``Idempotency-Key``, as a real API client would.
"""
from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.demo import loader as demo
from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from storage import schema
from storage.db import Database
from storage.models import Client, Cycle, HistoryEvent, Job

STREAM_BPMN = ROOT / "tests" / "fixtures" / "deploy_stream.bpmn"
SECRET = "deployment-test-secret-of-at-least-32-bytes"
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


# ----------------------------------------------------------------------------- the database


def fresh_database(url: str) -> Database:
    """Create the PostgreSQL database when missing, empty it, bring it to the head migration."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"the deployment runs on PostgreSQL, not {parsed.get_backend_name()}")
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{parsed.database}"')
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"PostgreSQL is needed at {parsed.host}:{parsed.port or 5432} (start it, or point "
                           f"REGLAMENT_DEPLOY_DATABASE_URL elsewhere): {exc}") from exc
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(db)
    return db


def seed(db: Database, clients: int, managers: tuple[str, ...] = ("anna", "boris")) -> dict[str, list[int]]:
    """Users (password ``demo``), the stream regulation, and ``clients`` clients per manager."""
    p = Reglament(db, SECRET)
    wanted = {"head", *managers}
    for login, name, roles, groups, locale in demo.USERS:
        if login in wanted:
            demo.create_demo_user(p, login, name, roles, groups, locale)
    actors = {a.login: a for a in p.accounts.users()}
    p.regulation.deploy(actors["head"], [SourceFile(STREAM_BPMN.name, STREAM_BPMN.read_bytes())])
    out: dict[str, list[int]] = {}
    for login in managers:
        out[login] = [p.clients.create_client(actors[login], f"{login} client {i:04d}", owner=login).id
                      for i in range(clients)]
    return out


# ----------------------------------------------------------------------------- the processes


def free_ports(count: int, first: int, last: int) -> list[int]:
    found = []
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"not {count} free ports in {first}-{last}")


@dataclass
class Cluster:
    url: str
    log_dir: Path
    ports: list[int]
    threads: int = 4
    lease_seconds: int = 5
    servers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    workers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ, REGLAMENT_DATABASE_URL=self.url, REGLAMENT_SECRET_KEY=SECRET, PYTHONPATH=str(ROOT),
                   REGLAMENT_IDEMPOTENCY_LEASE_SECONDS=str(self.lease_seconds), REGLAMENT_DB_POOL_SIZE="5")
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        env = self.env()
        if args[0] == "serve":  # its processes' metrics, here rather than in a temporary directory a kill -9 leaves
            metrics = self.log_dir / f"{name}-metrics-{time.monotonic_ns()}"
            metrics.mkdir()
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        with (self.log_dir / f"{name}.log").open("ab") as out:
            return subprocess.Popen([sys.executable, "-m", "web.cli", *args], cwd=ROOT, env=env,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def start_server(self, i: int, processes: int = 1) -> None:
        self.servers[i] = self._spawn(f"server{i}", ["serve", "--no-worker", "--port", str(self.ports[i]),
                                                     "--workers", str(processes), "--threads", str(self.threads)])

    def start_worker(self, i: int) -> None:
        self.workers[i] = self._spawn(f"worker{i}", ["worker", "--lease-seconds", str(self.lease_seconds)])

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for i, proc in self.servers.items():
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server {i} stopped: {(self.log_dir / f'server{i}.log').read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[i]}/readyz", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server {i} not ready: {(self.log_dir / f'server{i}.log').read_text()[-2000:]}")
                time.sleep(0.2)

    @staticmethod
    def kill9(proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL to the process and everything it started (its process group)."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def stop(self) -> None:
        procs = list(self.servers.values()) + list(self.workers.values())
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9(proc)


# ----------------------------------------------------------------------------- the proxy


class RoundRobinProxy:
    """HTTP/1.1 reverse proxy on 127.0.0.1: each request to the next host in turn; a host that refuses
    the connection is skipped (the request goes to the next one); once a request was sent, a failure is
    answered 502 (the client decides whether to retry, with its Idempotency-Key)."""

    def __init__(self, port: int, upstreams: list[int]) -> None:
        self.upstreams = upstreams
        self._turn = itertools.count()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                status, reason, out_headers, data = proxy.forward(self.command, self.path, headers, body)
                self.send_response(status, reason)
                for k, v in out_headers:
                    if k.lower() not in HOP_HEADERS and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def forward(self, method: str, path: str, headers: dict[str, str],
                body: bytes | None) -> tuple[int, str, list[tuple[str, str]], bytes]:
        start = next(self._turn)
        for n in range(len(self.upstreams)):
            port = self.upstreams[(start + n) % len(self.upstreams)]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                conn.connect()
            except OSError:
                conn.close()
                continue  # nothing was sent: the next host may take it
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.reason, response.getheaders(), response.read()
            except OSError as exc:
                return 502, "Bad Gateway", [("Content-Type", "application/json")], json.dumps(
                    {"error": "bad_gateway", "message": f"the host dropped the request: {exc}"}).encode()
            finally:
                conn.close()
        return 502, "Bad Gateway", [("Content-Type", "application/json")], b'{"error":"no_host"}'

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------------------- the relay


class Relay:
    """A TCP relay to PostgreSQL: ``cut()`` drops every connection and refuses new ones (what the app
    sees while the database restarts), ``start()`` serves again on the same port."""

    def __init__(self, target: tuple[str, int], port: int) -> None:
        self.target, self.port = target, port
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self._listener is not None:
            try:  # wakes the thread blocked in accept(): a closed socket alone may keep accepting
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def url(self, url: str) -> str:
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)


# ----------------------------------------------------------------------------- the client


class Lost(Exception):
    """A command the deployment never answered within the client's patience."""


@dataclass
class Api:
    base: str
    token: str = ""
    patience: float = 60.0
    retries: int = 0

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        """One command; connection errors, 502, 503 and 409 ``idempotency_in_progress`` are retried with
        the same key until ``patience`` runs out."""
        deadline = time.monotonic() + self.patience
        while True:
            status, answer = self._once(method, path, body, key)
            retry = status in (502, 503, 0) or (status == 409 and isinstance(answer, dict)
                                                and answer.get("error") == "idempotency_in_progress")
            if not retry or (key is None and method != "GET" and status != 503):
                return status, answer
            if time.monotonic() > deadline:
                raise Lost(f"{method} {path}: {status} {answer}")
            self.retries += 1
            time.sleep(0.2)

    def _once(self, method: str, path: str, body: Any, key: str | None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw or b"null")
            except ValueError:
                return exc.code, raw.decode(errors="replace")
        except OSError as exc:
            return 0, str(exc)

    def log_in(self, login: str) -> None:
        status, answer = self.call("POST", "/api/v1/token", {"login": login, "password": demo.PASSWORD})
        if status != 200:
            raise RuntimeError(f"log-in of {login} failed: {status} {answer}")
        self.token = answer["token"]

    def task(self, cycle_id: int, element_id: str, wait: float = 60.0) -> str:
        deadline = time.monotonic() + wait
        while True:
            status, tasks = self.call("GET", f"/api/v1/tasks?cycle_id={cycle_id}")
            if status == 200:
                for t in tasks:
                    if t["element_id"] == element_id:
                        return str(t["id"])
            if time.monotonic() > deadline:
                raise Lost(f"cycle {cycle_id}: no {element_id} task after {wait} s ({status})")
            time.sleep(0.1)


@dataclass
class Tally:
    """What the clients were told was done (a replayed answer counts once)."""

    started: dict[int, int] = field(default_factory=dict)  # client id -> cycle id
    completed: list[tuple[int, str]] = field(default_factory=list)  # (cycle id, element id)
    races_won: list[tuple[int, str]] = field(default_factory=list)
    races_lost: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def drive_cycle(api: Api, client_id: int, tally: Tally, tag: str) -> None:
    """Start a cycle for the client, complete its call, wait for the timer, complete the follow-up."""
    status, cycle = api.call("POST", "/api/v1/cycles", {"client_id": client_id, "regulation": "stream_sale"},
                             key=f"{tag}-start-{client_id}")
    if status == 409 and cycle.get("error") == "idempotency_answer_lost":
        cycle = {"id": _cycle_of(api, client_id)}
    elif status != 201:
        raise Lost(f"start for client {client_id}: {status} {cycle}")
    cycle_id = int(cycle["id"])
    with tally.lock:
        tally.started[client_id] = cycle_id
    for element in ("Task_Call", "Task_Follow"):
        task_id = api.task(cycle_id, element)
        status, answer = api.call("POST", f"/api/v1/tasks/{task_id}/complete", {"variables": {}},
                                  key=f"{tag}-{element}-{cycle_id}")
        if status not in (200, 201) and not (status == 409 and answer.get("error") == "idempotency_answer_lost"):
            raise Lost(f"completing {element} of cycle {cycle_id}: {status} {answer}")
        with tally.lock:
            tally.completed.append((cycle_id, element))


def _cycle_of(api: Api, client_id: int) -> int:
    status, tasks = api.call("GET", "/api/v1/tasks?scope=mine")
    for t in tasks if status == 200 else []:
        if t["client_id"] == client_id:
            return int(t["cycle_id"])
    raise Lost(f"client {client_id}: the start was done but no cycle is visible")


# ----------------------------------------------------------------------------- reconciliation


def reconcile(db: Database, tally: Tally, clients: list[int]) -> dict[str, Any]:
    """Compare what the clients were told with the database; every problem is listed."""
    problems: list[str] = []
    with db.unit_of_work(write=False) as s:
        cycles_by_client: dict[int, list[int]] = {}
        for cycle_id, client_id in s.execute(select(Cycle.id, Cycle.client_id)):
            cycles_by_client.setdefault(client_id, []).append(cycle_id)
        events: dict[tuple[int, str, str], int] = {}
        for cycle_id, etype, element, n in s.execute(
                select(HistoryEvent.cycle_id, HistoryEvent.type, HistoryEvent.element_id, func.count())
                .group_by(HistoryEvent.cycle_id, HistoryEvent.type, HistoryEvent.element_id)):
            events[(cycle_id, etype, element or "")] = n
        statuses = dict(s.execute(select(Cycle.id, Cycle.status)).all())
        jobs_left = s.scalar(select(func.count()).select_from(Job)) or 0
        known_clients = set(s.scalars(select(Client.id)))
    for client_id in clients:
        if client_id not in known_clients:
            problems.append(f"client {client_id} is missing")
        found = cycles_by_client.get(client_id, [])
        told = tally.started.get(client_id)
        if told is not None and found != [told]:
            problems.append(f"client {client_id}: told cycle {told}, the database has {found}")
        if told is None and found:
            problems.append(f"client {client_id}: cycles {found} that no client was told of")
    for cycle_id, element in tally.completed:
        if events.get((cycle_id, "completed", element)) != 1:
            problems.append(f"cycle {cycle_id}: {element} completed {events.get((cycle_id, 'completed', element), 0)} "
                            "times (told: once)")
    for cycle_id in tally.started.values():
        done = {e for c, e in tally.completed if c == cycle_id}
        if "Task_Call" in done and events.get((cycle_id, "passed", "Wait_1s")) != 1:
            problems.append(f"cycle {cycle_id}: the timer fired {events.get((cycle_id, 'passed', 'Wait_1s'), 0)} times")
        if done == {"Task_Call", "Task_Follow"} and statuses.get(cycle_id) != "won":
            problems.append(f"cycle {cycle_id}: {statuses.get(cycle_id)} after both tasks, not won")
    won = sum(1 for c in tally.started.values() if statuses.get(c) == "won")
    return {"problems": problems, "cycles": sum(len(v) for v in cycles_by_client.values()),
            "started": len(tally.started), "completed": len(tally.completed), "won": won, "jobs_left": jobs_left}
