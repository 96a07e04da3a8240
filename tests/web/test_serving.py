"""``reglament serve`` as a real process (gunicorn, two processes with threads) on the test database:
a request in flight when SIGTERM arrives is finished before the server exits, and the embedded timer
workers run due timers unless ``--no-worker``."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import bpmn_file
from sqlalchemy import func, select

from engine.platform.root import Reglament
from storage.models import Client, HistoryEvent

ROOT = Path(__file__).resolve().parents[2]
#: the ports these tests may listen on
PORTS = range(5151, 5170)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def server_env(platform: Reglament, **extra: str) -> dict[str, str]:
    env = dict(os.environ, REGLAMENT_DATABASE_URL=platform.db.engine.url.render_as_string(hide_password=False),
               REGLAMENT_SECRET_KEY="test-secret", PYTHONPATH=str(ROOT))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


@contextmanager
def serving(platform: Reglament, log: Path, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    with log.open("ab") as out:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--workers", "2",
                                 "--threads", "4", *args], cwd=ROOT, env=server_env(platform),
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(port, proc, log)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server did not get ready: {log.read_text()[-3000:]}")


def call(port: int, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def token_of(port: int, login: str) -> str:
    status, body = call(port, "POST", "/api/v1/token", {"login": login, "password": "demo"})
    assert status == 200, body
    return str(body["token"])


def test_sigterm_finishes_the_request_in_flight_then_the_server_exits(platform: Reglament, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serving(platform, log, "--no-worker") as (proc, port):
        token = token_of(port, "anna")
        body = json.dumps({"name": "In Flight Ltd"}).encode()
        conn = socket.create_connection(("127.0.0.1", port), timeout=30)
        conn.sendall(b"POST /api/v1/clients HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n"
                       "Connection: close\r\n\r\n".encode() + body[:10])
        time.sleep(0.5)  # the request is being read by a server thread
        proc.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        conn.sendall(body[10:])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        conn.close()
        assert answer.startswith(b"HTTP/1.1 201"), log.read_text()[-3000:]
        assert b'"name":"In Flight Ltd"' in answer.replace(b": ", b":")
        assert proc.wait(timeout=30) == 0, log.read_text()[-3000:]
    with platform.query() as s:
        assert s.scalar(select(func.count()).select_from(Client).where(Client.name == "In Flight Ltd")) == 1


def _timer_cycle(platform: Reglament, actors: Any) -> int:
    """A cycle whose 2-hour timer is due in real time (the test clock is in the past)."""
    platform.regulation.deploy(actors["head"], [bpmn_file("timers.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Timer client")
    return int(platform.regulation.start_cycle(actors["anna"], client.id, "timed_sale").id)


def _fired(platform: Reglament, cycle_id: int) -> int:
    with platform.query() as s:
        return s.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.cycle_id == cycle_id, HistoryEvent.type == "passed",
            HistoryEvent.element_id == "Wait_2h")) or 0


def test_serve_runs_due_timers_in_its_processes_and_no_worker_leaves_them(platform: Reglament, actors: Any,
                                                                          tmp_path: Path) -> None:
    cycle_id = _timer_cycle(platform, actors)
    with serving(platform, tmp_path / "web-only.log", "--no-worker"):
        time.sleep(3)
        assert _fired(platform, cycle_id) == 0
    with serving(platform, tmp_path / "serve.log"):
        deadline = time.monotonic() + 20
        while _fired(platform, cycle_id) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert _fired(platform, cycle_id) == 1
