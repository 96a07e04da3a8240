"""Benchmark: the cycles explorer over many cycles and a batch migration of many cycles
(PostgreSQL; issue 12).

Two real cycles of the demo regulation are started through the engine (one waits at the
qualification call with its two timers); the database then holds ``--cycles`` cycles, copied in
SQL: ``--batch`` running copies of the waiting cycle (each with its own task ids in its state,
open task and timer jobs), ``--broken`` of them with a state that cannot be restored (they must
fail in the batch without stopping it), and the rest decided (won, lost, cancelled; no state).
Prints the median and p95 of ``--repeat`` explorer reads per filter, then the time of one batch
that migrates the running copies to version 2 (one transaction per cycle) and its counts.

    .venv/bin/python bench/cockpit.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        --cycles 100000 --batch 10000 --repeat 10

The database given is wiped (schema public is recreated).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DEMO_BPMN, Clock

from engine.demo.loader import SEGMENTS, USERS, create_demo_user
from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from storage import schema
from storage.db import Database

UUID_TAIL = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})[0-9a-f]{8}"

COPY_SQL = """
INSERT INTO clients (id, name, kind, status, segment_id, owner_id, created_at, updated_at)
SELECT 1000 + k, c.name || ' #' || k, c.kind, c.status, c.segment_id,
       CASE WHEN k % 3 = 0 THEN c.owner_id ELSE (SELECT id FROM users WHERE login = 'boris') END,
       c.created_at, c.updated_at
FROM clients c, generate_series(1, :total) k WHERE c.id = :client_id;
INSERT INTO cycles (id, version_id, client_id, status, outcome, stage, state, variables, incident, lock_version,
                    started_at, started_by, ended_at)
SELECT 1000 + k, c.version_id, 1000 + k,
       CASE WHEN k <= :batch THEN 'active' WHEN k % 3 = 0 THEN 'won' WHEN k % 3 = 1 THEN 'lost' ELSE 'cancelled' END,
       CASE WHEN k <= :batch THEN NULL WHEN k % 3 = 0 THEN 'won' WHEN k % 3 = 1 THEN 'lost' END,
       c.stage,
       CASE WHEN k <= :batch - :broken
            THEN regexp_replace(c.state::text, :uuid, '\\1' || lpad(to_hex(k), 8, '0'), 'g')::json
            ELSE '{}'::json END,
       ('{"client_id": ' || (1000 + k) || ', "budget": ' || (k % 50) * 1000 || ', "owner": "anna"}')::json,
       NULL, 1, c.started_at + k * interval '1 minute', c.started_by,
       CASE WHEN k <= :batch THEN NULL ELSE c.started_at + k * interval '1 minute' + interval '3 days' END
FROM cycles c, generate_series(1, :total) k WHERE c.id = :cycle_id;
INSERT INTO open_tasks (id, cycle_id, version_id, client_id, element_id, name, stage, work_type, lane, assignee,
                        claimed, created_at, due_at, planned_at, reminded)
SELECT substr(t.id, 1, 28) || lpad(to_hex(k), 8, '0'), 1000 + k, t.version_id, 1000 + k, t.element_id, t.name,
       t.stage, t.work_type, t.lane, t.assignee, t.claimed, t.created_at, t.due_at, t.planned_at, t.reminded
FROM open_tasks t, generate_series(1, :batch) k WHERE t.cycle_id = :cycle_id;
INSERT INTO task_candidate_groups (task_id, group_name)
SELECT substr(g.task_id, 1, 28) || lpad(to_hex(k), 8, '0'), g.group_name
FROM task_candidate_groups g JOIN open_tasks t ON t.id = g.task_id, generate_series(1, :batch) k
WHERE t.cycle_id = :cycle_id;
INSERT INTO jobs (cycle_id, kind, task_id, element_id, due_at, attempts, failed)
SELECT 1000 + k, j.kind, substr(j.task_id, 1, 28) || lpad(to_hex(k), 8, '0'), j.element_id,
       j.due_at + interval '30 days', 0, false
FROM jobs j, generate_series(1, :batch) k WHERE j.cycle_id = :cycle_id;
SELECT setval('cycles_id_seq', (SELECT max(id) FROM cycles));
SELECT setval('clients_id_seq', (SELECT max(id) FROM clients));
ANALYZE;
"""


def timed(call, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cycles", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--broken", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--no-batch", action="store_true", help="measure the explorer only")
    args = parser.parse_args()
    db = Database(args.database_url)
    if not db.is_postgresql:
        raise SystemExit("the cockpit benchmark runs on PostgreSQL")
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(db)
    clock = Clock()
    p = Reglament(db, "bench-secret", clock=clock)
    for login, name, roles, groups, locale in USERS:
        create_demo_user(p, login, name, roles, groups, locale)
    from engine.clients.records import ensure_segment
    with p.command() as s:
        for segment in SEGMENTS:
            ensure_segment(s, segment)
    actors = {a.login: a for a in p.accounts.users()}
    xml = DEMO_BPMN.read_bytes()
    p.regulation.deploy(actors["head"], [SourceFile(DEMO_BPMN.name, xml)])
    client = p.clients.create_client(actors["anna"], "Template client")
    cycle = p.regulation.start_cycle(actors["anna"], client.id, "new_client_sale")
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for statement in filter(str.strip, COPY_SQL.split(";\n")):
            conn.execute(text(statement), {"total": args.cycles, "batch": args.batch, "broken": args.broken,
                                           "client_id": client.id, "cycle_id": cycle.id, "uuid": UUID_TAIL})
    print(f"{args.cycles + 1:,} cycles ({args.batch:,} running) made in {time.perf_counter() - started:.1f} s",
          flush=True)
    v2 = xml.replace(b"<bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">P1D</bpmn:timeDuration>",
                     b"<bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">P2D</bpmn:timeDuration>")
    assert p.regulation.deploy(actors["head"], [SourceFile(DEMO_BPMN.name, v2)]).version == 2
    head = actors["head"]
    reads = {
        "first page (50, newest first)": {},
        "status=won": {"status": "won"},
        "owner=boris": {"owner": "boris"},
        "waits at Task_QualificationCall": {"element": "Task_QualificationCall"},
        "variable budget=7000": {"variable": "budget", "value": "7000"},
        "client name contains '#777'": {"client": "#777"},
        "started in a 10-day range, lost": {"started_from": "2026-12-01", "started_to": "2026-12-10",
                                            "status": "lost"},
    }
    print(f"explorer, {args.repeat} reads each: median / p95 ms (rows and counts)")
    for label, filters in reads.items():
        median, p95 = timed(lambda f=filters: p.cockpit.explore(head, f), args.repeat)
        print(f"  {label:<40} {median:8.1f} / {p95:8.1f}", flush=True)
    after = None
    started = time.perf_counter()
    pages = 0
    while True:
        after = p.cockpit.explore(head, {"status": "won"}, limit="1000", after=after).next
        pages += 1
        if after is None:
            break
    print(f"  every won cycle by cursor, 1,000 a page: {pages} pages in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    header, rows = p.cockpit.export(head, {"status": "active"}, "budget")
    exported = sum(1 for _ in rows)
    print(f"  export of {exported:,} running cycles: {time.perf_counter() - started:.1f} s")
    if args.no_batch:
        return
    started = time.perf_counter()
    batch_id = p.cockpit.start_batch(head, "migrate", {"regulation": "new_client_sale", "version": "1",
                                                       "status": "active"}, {"to_version": 2})
    queued = time.perf_counter() - started
    started = time.perf_counter()
    while p.cockpit.run_batches("bench", limit=500):
        pass
    took = time.perf_counter() - started
    report = p.cockpit.batch(head, batch_id)
    print(f"batch migration of {report.total:,} cycles to version 2: queued in {queued:.1f} s, ran in {took:.1f} s "
          f"({report.total / took:.0f} cycles/s); {report.succeeded:,} migrated, {report.failed:,} failed "
          f"(first reason: {report.failures[0].reason if report.failures else '-'})")


if __name__ == "__main__":
    main()
