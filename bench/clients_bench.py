"""Benchmark of the client base: importing 100,000 clients from a CSV file, then searching
among 1,000,000 clients by name, phone and e-mail (PostgreSQL).

    .venv/bin/python bench/clients_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database given is wiped (schema public is recreated); it is created when absent. The
import is the real one (engine.imports through Reglament.import_file, as `reglament
import-clients` runs it): a generated CSV with one contact per client, batches of 1,000 rows.
The rest of the million is bulk-generated in SQL (INSERT ... SELECT over generate_series), then
ANALYZEd, and 10,000 more clients imported into it (each row checked for duplicates among 1M).
Searches go through the engine's client list (engine.clients.list_clients, the client page's
search box: a name searches clients.name_key and contact names, digits contacts.phone_key, an
e-mail contacts.email_key); the cases in [brackets] are the name_key query alone, for comparison.
"""
from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.clients import records as client_engine
from engine.clients.tax_ids import with_check_digits
from engine.demo.loader import SEGMENTS
from engine.platform.root import Reglament
from storage.db import Database

PASSWORD = "bench-password"
MANAGERS = 20
WORDS = ("Alfa", "Beta", "Gamma", "Delta", "Omega", "Sigma", "Vega", "Orion", "Lyra", "Polaris", "Sirius",
         "Altair", "Rigel", "Deneb", "Capella", "Antares", "Castor", "Pollux", "Mira", "Spica")
TRADES = ("Retail", "Steel", "Foods", "Logistics", "Pharmacy", "Motors", "Textiles", "Bank", "Clinic",
          "Furniture", "Energy", "Bakery", "Chemicals", "Books", "Construction", "Dairy", "Electronics",
          "Hotels", "Paper", "Telecom")
HEADERS = ["Name", "Tax ID", "Industry", "Region", "Status", "Segment", "Owner", "Contact", "Position", "Phone",
           "E-mail"]


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    conninfo = (f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} user={parsed.username or 'postgres'}"
                + (f" password={parsed.password}" if parsed.password else "") + " dbname=postgres")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def name_of(i: int) -> str:
    return f"{WORDS[i % 20]} {TRADES[(i // 20) % 20]} {i}"


def write_file(path: Path, count: int, offset: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        for i in range(offset, offset + count):
            writer.writerow([name_of(i), with_check_digits(f"{770_000_000 + i}"), TRADES[(i // 20) % 20],
                             f"Region {i % 85}",
                             ("lead", "prospect", "customer")[i % 3], SEGMENTS[i % 3], f"m{i % MANAGERS:02d}",
                             f"Person {i}", "Buyer", f"+7 9{i:09d}", f"person{i}@client{i}.example"])


def bulk_fill(db: Database, first: int, last: int) -> None:
    """Clients first..last (numbering as name_of) with one contact each, in SQL (their tax ids
    start 78 and are not checked: only search reads them)."""
    with db.engine.begin() as conn:
        segments = [row[0] for row in conn.execute(text("SELECT id FROM segments ORDER BY name"))]
        owners = [row[0] for row in conn.execute(text("SELECT id FROM users WHERE login LIKE 'm%' ORDER BY login"))]
        words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
        trades = "ARRAY[" + ",".join(f"'{t}'" for t in TRADES) + "]"
        name = f"({words})[1 + g % 20] || ' ' || ({trades})[1 + (g / 20) % 20] || ' ' || g"
        conn.execute(text(f"""
            INSERT INTO clients (name, name_key, kind, tax_id, industry, region, status, segment_id, owner_id,
                                 created_at)
            SELECT {name}, lower({name}), 'company', (7800000000 + g)::text, ({trades})[1 + (g / 20) % 20],
                   'Region ' || (g % 85), (ARRAY['lead','prospect','customer'])[1 + g % 3],
                   (ARRAY{segments})[1 + g % {len(segments)}], (ARRAY{owners})[1 + g % {len(owners)}], now()
            FROM generate_series({first}, {last}) AS g"""))
        conn.execute(text(f"""
            INSERT INTO contacts (client_id, name, position, phone, phone_key, email, email_key, created_at)
            SELECT c.id, 'Person ' || g, 'Buyer', '+7 9' || lpad(g::text, 9, '0'), '79' || lpad(g::text, 9, '0'),
                   'person' || g || '@client' || g || '.example', 'person' || g || '@client' || g || '.example', now()
            FROM clients c JOIN generate_series({first}, {last}) AS g ON c.tax_id = (7800000000 + g)::text"""))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def timed(samples: int, run: Callable[[], int]) -> tuple[float, float, int]:
    times, found = [], 0
    for _ in range(samples):
        t0 = time.perf_counter()
        found = run()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--more-rows", type=int, default=10_000, help="then imported into the full base")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    ensure_database(args.database_url)
    db = Database(args.database_url)
    if not db.is_postgresql:
        raise SystemExit("this benchmark is for PostgreSQL")
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    p = Reglament(db, "bench-secret")
    p.init_schema()
    admin = p.accounts.create_user("admin", "Admin", PASSWORD, ["admin", "head"], ["Sales"])
    for i in range(MANAGERS):
        p.accounts.create_user(f"m{i:02d}", f"Manager {i}", PASSWORD, ["manager"], ["Sales"])
    with p.command() as s:
        for segment in SEGMENTS:
            client_engine.ensure_segment(s, segment)
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clients.csv"
        write_file(path, args.import_rows, 0)
        size = path.stat().st_size / 1e6
        marks: list[tuple[int, float]] = []
        t0 = time.perf_counter()
        run = p.clients.import_file(admin, path, progress=lambda done, total: marks.append((done, time.perf_counter() - t0)))
        elapsed = time.perf_counter() - t0
    assert run.status == "done" and run.imported == args.import_rows, run
    tenth = [f"{done // 1000}k {at:.0f}s" for done, at in marks if done and done % (args.import_rows // 10) == 0]
    print(f"import {args.import_rows} clients ({size:.1f} MB CSV): {elapsed:.1f} s, "
          f"{args.import_rows / elapsed:.0f} rows/s  [{', '.join(tenth)}]")

    t0 = time.perf_counter()
    step = 250_000
    for first in range(args.import_rows, args.clients, step):
        bulk_fill(db, first, min(first + step, args.clients) - 1)
    print(f"bulk-filled to {args.clients} clients in {time.perf_counter() - t0:.0f} s")

    with tempfile.TemporaryDirectory() as tmp:  # an import into the big base: duplicate checks against 1M
        path = Path(tmp) / "more.csv"
        write_file(path, args.more_rows, args.clients)
        t0 = time.perf_counter()
        run = p.clients.import_file(admin, path)
        elapsed = time.perf_counter() - t0
    assert run.status == "done" and run.imported == args.more_rows, run
    print(f"import {args.more_rows} more clients into {args.clients}: {elapsed:.1f} s, "
          f"{args.more_rows / elapsed:.0f} rows/s")

    head = p.accounts.actor(admin.id)
    manager = next(a for a in p.accounts.users() if a.login == "m07")

    def by_name(actor, term: str) -> Callable[[], int]:  # type: ignore[no-untyped-def]
        def run() -> int:
            with p.query() as s:
                return len(client_engine.list_clients(s, actor, term))
        return run

    def by_key(column: str, term: str) -> Callable[[], int]:
        table = "contacts" if column != "name_key" else "clients"
        sql = text(f"SELECT client_id FROM {table} WHERE {column} LIKE :q LIMIT 200" if table == "contacts" else
                   "SELECT id FROM clients WHERE name_key LIKE :q ORDER BY name LIMIT 200")

        def run() -> int:
            with p.query() as s:
                return len(s.execute(sql, {"q": f"%{term}%"}).all())
        return run

    one = name_of(987_654).lower()  # e.g. "capella textiles 987654"
    cases = [
        ("name, common word (head)", by_name(head, "steel")),
        ("name, one client (head)", by_name(head, one)),
        ("name, one client (a manager: his and unowned)", by_name(manager, one)),
        ("name, no match (head)", by_name(head, "zzqx")),
        ("phone, 7 digits (head)", by_name(head, "098-76-54")),
        ("phone, full number (head)", by_name(head, "+7 900 098-76-54")),
        ("e-mail, whole (head)", by_name(head, "person987654@client987654.example")),
        ("[name_key alone, one client]", by_key("name_key", one)),
        ("[name_key alone, common word]", by_key("name_key", "steel")),
    ]
    for label, run_case in cases:
        median, p95, found = timed(args.samples, run_case)
        print(f"search {label:<46} median {median:8.2f} ms   p95 {p95:8.2f} ms   ({found} found)")


if __name__ == "__main__":
    main()
