"""Benchmark: the dashboard, the funnel, the cohorts, the Plans page, the loss, duration and manager
reports, the heat map, the variants and the event-log export over a large history (PostgreSQL).

The fixed history of the analytics tests (tests/analytics_history.py: five cycles, a loop back,
won, lost, open and cancelled) is made through the engine, then copied ``--copies`` times in SQL
(new cycle, client and task ids; the open cycle's open task too, so the Plans page has work to
show; and the cycles' kept stage entries, task runs and paths, which the funnel, the durations,
the heat map and the variants read). Prints the median and p95 of ``--repeat`` calls of each
figure, and the time of each event-log format streamed to the end (with --memory, the peak Python
memory each stream took).
``--copies 20000`` makes 100,005 cycles, ``--copies 10000`` 50,005.

    .venv/bin/python bench/analytics.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        --copies 20000 --repeat 20 --no-logs

The database given is wiped (schema public is recreated); with --keep, a database an earlier run
filled is measured again as it is, after upgrading its schema (the time of the new migrations is
printed: their backfill at that size).
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from analytics_history import build
from conftest import DEMO_BPMN, Clock

from engine.control.filters import Filters
from engine.demo.loader import SEGMENTS, USERS, create_demo_user
from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from storage import schema
from storage.db import Database

COPY_SQL = """
INSERT INTO clients (id, name, kind, status, segment_id, owner_id, created_at, updated_at)
SELECT c.id + k * 100, c.name || ' #' || k, c.kind, c.status, c.segment_id, c.owner_id, c.created_at, c.updated_at
FROM clients c, generate_series(1, :copies) k WHERE c.id < 100;
INSERT INTO cycles (id, version_id, client_id, status, outcome, loss_reason, stage, state, variables, incident,
                    lock_version, started_at, started_by, ended_at, credited_to_id)
SELECT c.id + k * 100, c.version_id, c.client_id + k * 100, c.status, c.outcome, c.loss_reason, c.stage, '{}',
       '{}', c.incident, 1, c.started_at, c.started_by, c.ended_at, c.credited_to_id
FROM cycles c, generate_series(1, :copies) k WHERE c.id < 100;
INSERT INTO history_events (id, cycle_id, client_id, at, type, actor, task_id, element_id, task_name, data)
SELECT h.id + k * 1000, h.cycle_id + k * 100, h.client_id + k * 100, h.at, h.type, h.actor,
       CASE WHEN h.task_id IS NULL THEN NULL ELSE substr(h.task_id, 1, 28) || lpad(k::text, 8, '0') END,
       h.element_id, h.task_name, h.data
FROM history_events h, generate_series(1, :copies) k WHERE h.id < 1000;
INSERT INTO open_tasks (id, cycle_id, version_id, client_id, element_id, name, stage, work_type, lane, assignee,
                        claimed, created_at, due_at, planned_at, reminded)
SELECT substr(t.id, 1, 28) || lpad(k::text, 8, '0'), t.cycle_id + k * 100, t.version_id, t.client_id + k * 100,
       t.element_id, t.name, t.stage, t.work_type, t.lane, t.assignee, t.claimed, t.created_at, t.due_at,
       t.planned_at, t.reminded
FROM open_tasks t, generate_series(1, :copies) k;
INSERT INTO stage_entries (cycle_id, stage, entered_at, left_at, next_stage, outcome, manager_id, segment_id)
SELECT s.cycle_id + k * 100, s.stage, s.entered_at, s.left_at, s.next_stage, s.outcome, s.manager_id, s.segment_id
FROM stage_entries s, generate_series(1, :copies) k WHERE s.cycle_id < 100;
INSERT INTO task_runs (task_id, cycle_id, element_id, name, stage, work_type, due_at, created_at, claimed_at,
                       completed_at)
SELECT substr(r.task_id, 1, 28) || lpad(k::text, 8, '0'), r.cycle_id + k * 100, r.element_id, r.name, r.stage,
       r.work_type, r.due_at, r.created_at, r.claimed_at, r.completed_at
FROM task_runs r, generate_series(1, :copies) k WHERE r.cycle_id < 100;
INSERT INTO cycle_paths (cycle_id, path)
SELECT p.cycle_id + k * 100, p.path FROM cycle_paths p, generate_series(1, :copies) k WHERE p.cycle_id < 100;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--copies", type=int, default=2000)
    parser.add_argument("--memory", action="store_true", help="also measure each log's peak memory (slow)")
    parser.add_argument("--repeat", type=int, default=5, help="calls of each figure (median and p95 of them)")
    parser.add_argument("--no-logs", action="store_true", help="skip the event-log exports")
    parser.add_argument("--only", default="", help="comma-separated words: measure only figures whose name has one")
    parser.add_argument("--keep", action="store_true", help="measure the database an earlier run filled, upgraded")
    args = parser.parse_args()
    db = Database(args.database_url)
    if not db.is_postgresql:
        raise SystemExit("the copies are made in PostgreSQL's SQL: give a PostgreSQL database")
    platform = _kept(db) if args.keep else _filled(db, args.copies)
    measure(platform, args)
    db.dispose()


def _kept(db: Database) -> Reglament:
    started = time.perf_counter()
    schema.upgrade(db)
    upgraded = time.perf_counter() - started
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would after a backfill rewrote a table
        cycles = conn.execute(text("SELECT count(*) FROM cycles")).scalar_one()
        entries = conn.execute(text("SELECT count(*) FROM stage_entries")).scalar_one()
        last = conn.execute(text("SELECT max(at) FROM history_events")).scalar_one()
    print(f"{cycles} cycles, {entries} stage entries kept (schema upgraded in {upgraded:.1f} s)")
    clock = Clock()
    clock.now = last  # the moment the earlier run's history ended, as its figures were taken
    return Reglament(db, "bench-secret", clock=clock)


def _filled(db: Database, copies: int) -> Reglament:
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(db)
    clock = Clock()
    platform = Reglament(db, "bench-secret", clock=clock)
    for login, name, roles, groups, locale in USERS:
        create_demo_user(platform, login, name, roles, groups, locale)  # password demo, as the demo's
    for name in SEGMENTS:
        with platform.command() as s:
            from engine.clients.records import ensure_segment

            ensure_segment(s, name)
    actors = {a.login: a for a in platform.accounts.users()}
    platform.regulation.deploy(actors["head"], [SourceFile(DEMO_BPMN.name, DEMO_BPMN.read_bytes())])
    build(platform, actors, clock)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for statement in COPY_SQL.strip().split(";"):
            if statement.strip():
                conn.execute(text(statement), {"copies": copies})
        conn.execute(text("ANALYZE"))
        cycles = conn.execute(text("SELECT count(*) FROM cycles")).scalar_one()
        events = conn.execute(text("SELECT count(*) FROM history_events")).scalar_one()
        entries = conn.execute(text("SELECT count(*) FROM stage_entries")).scalar_one()
    print(f"{cycles} cycles, {events} history events, {entries} stage entries "
          f"(copied in {time.perf_counter() - started:.1f} s)")
    return platform


def measure(platform: Reglament, args: argparse.Namespace) -> None:
    actors = {a.login: a for a in platform.accounts.users()}
    alex, head = actors["alex"], actors["head"]
    platform.control.ensure_loss_reasons()
    for name, call in [
            ("dashboard (this month)", lambda: platform.control.dashboard(head, Filters())),
            ("dashboard, one month", lambda: platform.control.dashboard(head, Filters.parse(
                {"from": "2026-11-01", "to": "2026-11-30"}))),
            ("funnel", lambda: platform.control.funnel(alex, Filters())),
            ("funnel, one month", lambda: platform.control.funnel(alex, Filters.parse({"from": "2026-12-01"}))),
            ("funnel, one manager", lambda: platform.control.funnel(alex, Filters(manager="anna"))),
            ("funnel, one segment", lambda: platform.control.funnel(alex, Filters(segment="Retail"))),
            ("cohorts", lambda: platform.control.cohorts(alex, Filters())),
            ("cohorts, one manager", lambda: platform.control.cohorts(alex, Filters(manager="anna"))),
            ("dashboard, one manager", lambda: platform.control.dashboard(head, Filters(manager="anna"))),
            ("drill-down", lambda: platform.control.funnel_cycles(alex, Filters(), "Contract", "moved_back")),
            ("Plans page (overview)", lambda: platform.planning.plans_overview(head)),
            ("Plans page (fulfilment)", lambda: platform.planning.fulfilment(head, "month", "", "", False)),
            ("loss reasons", lambda: platform.control.losses(alex, Filters())),
            ("loss reasons, one manager", lambda: platform.control.losses(alex, Filters(manager="anna"))),
            ("managers side by side", lambda: platform.control.managers(head, Filters())),
            ("durations", lambda: platform.control.durations(alex, Filters())),
            ("heat map of the sale", lambda: platform.control.heatmap(alex, Filters(regulation="new_client_sale"))),
            ("variants", lambda: platform.control.variants(alex, Filters()))]:
        if args.only and not any(word.strip() in name for word in args.only.split(",")):
            continue
        times = []
        for _ in range(max(1, args.repeat)):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        times.sort()
        p95 = times[max(0, math.ceil(0.95 * len(times)) - 1)]
        print(f"{name:26} median {statistics.median(times) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms")
    if args.no_logs:
        return
    for fmt in ("xes", "ocel-json", "csv"):
        started = time.perf_counter()
        _, _, chunks = platform.control.event_log(alex, Filters(), fmt)
        size = sum(len(chunk) for chunk in chunks)
        line = f"event log {fmt:14} {time.perf_counter() - started:7.2f} s  {size / 1e6:8.1f} MB of text"
        if args.memory:  # a second pass: tracemalloc slows Python down several times
            tracemalloc.start()
            _, _, chunks = platform.control.event_log(alex, Filters(), fmt)
            for _ in chunks:
                pass
            line += f"  peak {tracemalloc.get_traced_memory()[1] / 1e6:6.1f} MB of Python memory"
            tracemalloc.stop()
        print(line)


if __name__ == "__main__":
    main()
