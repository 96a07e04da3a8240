"""Benchmark: a rework loop (a user task, a gateway, back to the task) completed pass after
pass through the engine API. Prints, per band of passes, the median and p95 of one completion
and the size of the cycle's stored state; stops early (and says so) if the cycle stalls.

    .venv/bin/python bench/long_cycles.py                    # 1,000 passes, SQLite in a temp dir
    .venv/bin/python bench/long_cycles.py --passes 10000 --regulation legal_loop
    .venv/bin/python bench/long_cycles.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database given is wiped (PostgreSQL: schema public is recreated). Regulations (from
tests/fixtures/long_<regulation>.bpmn): ``rework_loop`` (a weekly call with a reminder timer, back to
the call until agreed) and ``legal_loop`` (a call activity for legal review, back to legal until
signed). One pass is one completion of the loop's user task.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.demo.loader import SEGMENTS
from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from storage.db import Database
from storage.models import Cycle, OpenTask

FIXTURES = ROOT / "tests" / "fixtures"
#: the loop's user task and the values that send the token around once more
LOOPS: dict[str, tuple[str, dict[str, Any]]] = {"rework_loop": ("Task_Work", {"approved": False, "note": "call again"}),
         "legal_loop": ("Task_Review", {"signed": False})}
DEFAULT_BANDS = "1-10,11-30,91-110,241-260,491-510,981-1000"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def bands_of(spec: str, passes: int) -> list[tuple[int, int]]:
    out = []
    for part in spec.split(","):
        low, high = (int(x) for x in part.split("-"))
        if low <= passes:
            out.append((low, min(high, passes)))
    return out


def state_size(platform: Reglament, cycle_id: int) -> int:
    with platform.query() as s:
        state = s.scalar(select(Cycle.state).where(Cycle.id == cycle_id))
    return len(json.dumps(state))


def open_task_id(platform: Reglament, cycle_id: int, element_id: str) -> str | None:
    with platform.query() as s:
        return s.scalar(select(OpenTask.id).where(OpenTask.cycle_id == cycle_id, OpenTask.element_id == element_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--passes", type=int, default=1000)
    parser.add_argument("--regulation", choices=sorted(LOOPS), default="rework_loop")
    parser.add_argument("--bands", default=DEFAULT_BANDS, help="pass bands to report, e.g. 1-10,91-110")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='reglament-long-')}/bench.db"
    db = Database(url)
    if db.is_postgresql:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    clock = Clock()
    platform = Reglament(db, "bench-secret", clock=clock)
    platform.init_schema()
    head = platform.accounts.create_user("head", "Head", "bench-password", ["admin", "owner", "head", "manager"], ["Sales"])
    with platform.command() as s:
        from engine.clients.records import ensure_segment

        for segment in SEGMENTS:
            ensure_segment(s, segment)
    bpmn = FIXTURES / f"long_{args.regulation}.bpmn"
    platform.regulation.deploy(head, [SourceFile(bpmn.name, bpmn.read_bytes())])
    client = platform.clients.create_client(head, "Long Deal Ltd")
    cycle_id = platform.regulation.start_cycle(head, client.id, args.regulation).id
    element, values = LOOPS[args.regulation]
    bands = bands_of(args.bands, args.passes)
    wanted = {p for low, high in bands for p in range(low, high + 1)}
    timings: dict[int, float] = {}
    sizes: dict[int, int] = {1: state_size(platform, cycle_id)}
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}; regulation {args.regulation}")
    started = time.perf_counter()
    stalled = None
    for n in range(1, args.passes + 1):
        task_id = open_task_id(platform, cycle_id, element)
        if task_id is None:
            stalled = n
            break
        clock.now += timedelta(hours=1)
        t0 = time.perf_counter()
        platform.regulation.complete_task(head, task_id, values)
        if n in wanted:
            timings[n] = (time.perf_counter() - t0) * 1000
        if n in (10, 100, 250, 500, 1000, 2000, 5000, 10000) or n == args.passes:
            sizes[n] = state_size(platform, cycle_id)
    elapsed = time.perf_counter() - started
    for low, high in bands:
        samples = sorted(timings[p] for p in range(low, high + 1) if p in timings)
        if not samples:
            continue
        p95 = samples[max(0, int(round(len(samples) * 0.95)) - 1)]
        print(f"passes {low:>5}-{high:<5} complete median {statistics.median(samples):6.2f} ms   "
              f"p95 {p95:6.2f} ms   (n={len(samples)})")
    medians = {band: statistics.median(timings[p] for p in range(band[0], band[1] + 1) if p in timings)
               for band in bands if any(p in timings for p in range(band[0], band[1] + 1))}
    if len(medians) > 2:  # the first passes warm the caches up: compare with the first band after them
        early, late = list(medians)[1], list(medians)[-1]
        print(f"cost at passes {late[0]}-{late[1]} / passes {early[0]}-{early[1]}: "
              f"{medians[late] / medians[early]:.2f}x")
    for n, size in sorted(sizes.items()):
        print(f"state after pass {n:>5}: {size / 1024:8.1f} KB")
    with platform.query() as s:
        cycle = s.get(Cycle, cycle_id)
        status = cycle.status if cycle else "?"
        incident = cycle.incident if cycle else None
    done = (stalled or args.passes + 1) - 1
    print(f"{done} passes in {elapsed:.1f} s; cycle {status}" + (f": {incident['message']}" if incident else ""))
    if stalled:
        print(f"STALLED: no open task {element} before pass {stalled}")


if __name__ == "__main__":
    main()
