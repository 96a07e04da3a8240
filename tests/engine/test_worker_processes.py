"""Several worker processes share the timer jobs; a killed worker loses nothing.

Real processes (``python -m web.cli worker``) against the test database, SQLite or
PostgreSQL. The cycles are started with the test clock in the past, so their timers are due
in real time for the workers.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import bpmn_file
from sqlalchemy import func, select

from engine.platform.root import Reglament
from storage.models import HistoryEvent, Job

ROOT = Path(__file__).resolve().parents[2]


def _seed(platform: Reglament, actors, count: int) -> list[int]:
    platform.regulation.deploy(actors["head"], [bpmn_file("timers.bpmn")])
    ids = []
    for i in range(count):
        client = platform.clients.create_client(actors["anna"], f"Timer client {i}")
        ids.append(platform.regulation.start_cycle(actors["anna"], client.id, "timed_sale").id)
    return ids


def _worker(platform: Reglament, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, REGLAMENT_DATABASE_URL=platform.db.engine.url.render_as_string(hide_password=False),
               REGLAMENT_SECRET_KEY="test-secret", PYTHONPATH=str(ROOT))
    with log.open("ab") as out:  # a file, not a pipe: a full pipe would stall the worker
        return subprocess.Popen([sys.executable, "-m", "web.cli", "worker", *args], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def _wait(worker: subprocess.Popen[bytes], log: Path) -> None:
    try:
        worker.wait(timeout=300)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, log.read_text()[-3000:]


def _fired(platform: Reglament) -> dict[int, int]:
    """cycle id -> how many times its 2-hour timer fired."""
    with platform.query() as s:
        rows = s.execute(select(HistoryEvent.cycle_id, func.count()).where(
            HistoryEvent.type == "passed", HistoryEvent.element_id == "Wait_2h").group_by(HistoryEvent.cycle_id))
        return dict(rows.all())


def _due_left(platform: Reglament) -> int:
    with platform.query() as s:
        return s.scalar(select(func.count()).select_from(Job).where(Job.element_id == "Wait_2h")) or 0


def test_two_worker_processes_fire_each_of_1000_due_timers_exactly_once(platform: Reglament, actors,
                                                                      tmp_path: Path) -> None:
    cycles = _seed(platform, actors, 1000)
    log = tmp_path / "workers.log"
    workers = [_worker(platform, log, "--exit-when-idle", "--batch", "10") for _ in range(2)]
    for w in workers:
        _wait(w, log)
    fired = _fired(platform)
    assert sorted(fired) == sorted(cycles)
    assert set(fired.values()) == {1}
    assert _due_left(platform) == 0


def test_a_worker_killed_mid_job_loses_nothing_and_the_job_runs_once(platform: Reglament, actors,
                                                                    tmp_path: Path) -> None:
    cycles = _seed(platform, actors, 300)
    log = tmp_path / "workers.log"
    first = _worker(platform, log, "--batch", "5", "--lease-seconds", "2")
    deadline = time.monotonic() + 120
    while len(_fired(platform)) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert 0 < len(_fired(platform)) < len(cycles), "killed while jobs were left"
    second = _worker(platform, log, "--exit-when-idle", "--lease-seconds", "2")
    _wait(second, log)
    fired = _fired(platform)
    assert sorted(fired) == sorted(cycles)
    assert set(fired.values()) == {1}, "no timer fired twice, none was lost"
    assert _due_left(platform) == 0
