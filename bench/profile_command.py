"""Profile of the hot path: what one start and one completion cost over the API, counted, not timed.

    .venv/bin/python bench/profile_command.py [--cycles 300] [--rounds 200] [--top 25]
                                             [--database-url URL]   # default: SQLite in a temp dir

The machine the benchmark runs on is shared, so wall-clock time is noise; this script counts what
does not depend on the load: the SQL statements each command sends (and, on PostgreSQL, the round
trips they cost: pool pre-pings, BEGINs, COMMITs and ROLLBACKs besides the statements), and the
Python function calls it makes (cProfile's call count, an instruction-count proxy). The scenario is
fixed: a database seeded through the engine with ``--cycles`` cycles of the demo regulation (the
database given is wiped), then ``--rounds`` times: ``POST /api/v1/cycles`` (start) and ``POST
/api/v1/tasks/<id>/complete`` (the qualification call, completed) through the real WSGI app (Flask's
test client, Bearer token, no HTTP server). Printed: statements per command with the statements of
one command, function calls per command, the profile's time by package (SQLAlchemy, Flask and
Werkzeug, SpiffWorkflow, Reglament, the driver, the rest) and its top entries by own time.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchmark import PASSWORD, seed

from engine.platform.root import Reglament
from storage.db import Database
from web.app import create_app

#: where a function's own time is counted, by a part of its file's path (first match wins)
PACKAGES = (("SQLAlchemy", "/sqlalchemy/"), ("Flask, Werkzeug, Jinja", "/flask"), ("Flask, Werkzeug, Jinja", "/werkzeug/"),
            ("Flask, Werkzeug, Jinja", "/jinja2/"), ("Flask, Werkzeug, Jinja", "/babel/"),
            ("SpiffWorkflow", "/SpiffWorkflow/"), ("driver (sqlite3, psycopg)", "/psycopg"),
            ("prometheus, logging", "/prometheus_client/"), ("prometheus, logging", "/logging/"),
            ("Reglament: engine", "/engine/"), ("Reglament: storage", "/storage/"), ("Reglament: web", "/web/"))


@dataclass
class Counts:
    """Statements and round trips seen while ``on``."""

    on: bool = False
    statements: list[str] = field(default_factory=list)
    round_trips: Counter[str] = field(default_factory=Counter)

    def listen(self, db: Database) -> None:
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if self.on:
                self.statements.append(" ".join(statement.split()))
                self.round_trips["statement"] += 1

        for name in ("begin", "commit", "rollback"):
            event.listen(engine, name, self._counter(name))

        @event.listens_for(engine.pool, "checkout")
        def _checkout(*args: Any) -> None:
            if self.on and db.is_postgresql:
                self.round_trips["pre-ping"] += 1  # pool_pre_ping: one more round trip per checkout

    def _counter(self, name: str) -> Callable[..., None]:
        def count(conn: Any, *args: Any) -> None:
            # a connection in autocommit sends no BEGIN, COMMIT or ROLLBACK (Database.lookup)
            if self.on and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                self.round_trips[name] += 1
        return count

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.on = True
        try:
            yield
        finally:
            self.on = False


def package_of(filename: str) -> str:
    for name, part in PACKAGES:
        if part in filename:
            return name
    return "Python and the rest"


def breakdown(stats: pstats.Stats, commands: int, top: int) -> None:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total_time = sum(v[2] for v in raw.values())
    total_calls = sum(v[1] for v in raw.values())
    by_package: Counter[str] = Counter()
    calls_by_package: Counter[str] = Counter()
    for (filename, _line, _name), (_cc, nc, tt, _ct, _callers) in raw.items():
        by_package[package_of(filename)] += tt
        calls_by_package[package_of(filename)] += nc
    print(f"\nfunction calls per command: {total_calls / commands:,.0f}; profiled time per command "
          f"{1000 * total_time / commands:.2f} ms (the profiler roughly doubles it)")
    print(f"{'package':<28}{'own time':>10}{'share':>8}{'calls/command':>15}")
    for name, seconds in by_package.most_common():
        print(f"{name:<28}{1000 * seconds / commands:>8.2f} ms{100 * seconds / total_time:>7.0f} %"
              f"{calls_by_package[name] / commands:>15,.0f}")
    print(f"\ntop {top} by own time (per command):")
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (filename, line, name), (_cc, nc, tt, ct, _callers) in rows:
        where = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        print(f"  {1000 * tt / commands:6.3f} ms own {1000 * ct / commands:6.3f} ms cum "
              f"{nc / commands:7.1f} calls  {name} ({where}:{line})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=None, help="wiped; default: SQLite in a temp dir")
    ap.add_argument("--cycles", type=int, default=300, help="cycles seeded before measuring")
    ap.add_argument("--rounds", type=int, default=200, help="starts and completions measured")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='reglament-profile-')}/profile.db"
    db = Database(url)
    if db.is_postgresql:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    platform = Reglament(db, "profile-secret-of-at-least-32-bytes")
    platform.init_schema()
    seed(platform, args.cycles)
    if db.is_postgresql:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    app = create_app({"TESTING": False}, platform=platform)
    http = app.test_client()
    token = http.post("/api/v1/token", json={"login": "m007", "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    admin = next(a for a in platform.accounts.users() if a.login == "admin")
    counts = Counts()
    counts.listen(db)

    def one_round(i: int, profile: cProfile.Profile | None) -> tuple[int, int]:
        made = platform.clients.create_client(admin, f"Profiled client {i}", None, "m007")
        client_id = made["id"] if isinstance(made, dict) else made.id
        seen = len(counts.statements)
        with counts.counting():
            if profile:
                profile.enable()
            answer = http.post("/api/v1/cycles", json={"client_id": client_id, "regulation": "new_client_sale"},
                               headers=auth)
            if profile:
                profile.disable()
        assert answer.status_code == 201, answer.get_json()
        started = len(counts.statements) - seen
        task = http.get(f"/api/v1/tasks?cycle_id={answer.get_json()['id']}", headers=auth).get_json()[0]
        seen = len(counts.statements)
        with counts.counting():
            if profile:
                profile.enable()
            done = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=auth,
                             json={"variables": {"contact_person": "Profiled", "result": "qualified"}})
            if profile:
                profile.disable()
        assert done.status_code == 200, done.get_json()
        return started, len(counts.statements) - seen

    for i in range(5):  # warm the caches (spec, forms, token) as a running server has them
        one_round(-i - 1, None)
    counts.statements.clear()
    counts.round_trips.clear()
    before = len(counts.statements)
    start_statements, _ = one_round(0, None)
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}, {args.cycles} cycles seeded")
    print(f"\nstatements of one start ({start_statements}):")
    for sql in counts.statements[before:before + start_statements]:
        print(f"  {sql[:150]}")
    print(f"statements of one completion ({len(counts.statements) - before - start_statements}):")
    for sql in counts.statements[before + start_statements:]:
        print(f"  {sql[:150]}")
    counts.statements.clear()
    counts.round_trips.clear()
    profile = cProfile.Profile()
    per_start, per_complete = [], []
    for i in range(1, args.rounds + 1):
        s, c = one_round(i, profile)
        per_start.append(s)
        per_complete.append(c)
    commands = 2 * args.rounds
    print(f"\nstatements per start: {sum(per_start) / args.rounds:.2f}, per completion: "
          f"{sum(per_complete) / args.rounds:.2f}")
    trips = counts.round_trips
    if db.is_postgresql:
        # psycopg sends BEGIN as a round trip of its own before a transaction's first statement
        print("round trips per command (PostgreSQL): " + ", ".join(
            f"{name} {trips[name] / commands:.2f}" for name in ("statement", "pre-ping", "begin", "commit", "rollback"))
            + f"; total {sum(trips.values()) / commands:.2f}")
    else:
        print("per command: " + ", ".join(f"{name} {trips[name] / commands:.2f}"
                                          for name in ("statement", "begin", "commit", "rollback")))
    breakdown(pstats.Stats(profile), commands, args.top)
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
