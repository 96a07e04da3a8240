"""Faults during a soak: kill -9 an app host, kill -9 a worker, take PostgreSQL away; then reconcile.

    .venv/bin/python bench/faults.py [--users 6] [--minutes 2] [--outage-seconds 5]
                                     [--restart-command "systemctl restart postgresql"]

The soak of ``bench/soak.py`` runs (app hosts, workers, a round-robin proxy, users racing on their
tasks); the hosts and workers reach PostgreSQL through a TCP relay. At a quarter of the time app host
0 is killed with SIGKILL (its gunicorn master and processes) and started again 5 s later; at half
time worker 0 likewise; at three quarters the database goes away: every server connection of the
database is terminated (``pg_terminate_backend``) and the relay refuses connections for
``--outage-seconds``, as during a restart (with ``--restart-command`` the real server is restarted
instead: only on a machine of your own). The users retry what was not answered with the same
Idempotency-Key; the app answers 503 meanwhile and recovers by itself. The reconciliation is the
soak's: nothing lost, nothing done twice. Exit status 1 when anything disagrees.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster as c
import soak
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database


def main() -> int:
    ap = soak.parser()
    ap.description = __doc__
    ap.set_defaults(users=6, database_url=soak.DEFAULT_URL.replace("reglament_soak", "reglament_faults"))
    ap.add_argument("--outage-seconds", type=float, default=5.0)
    ap.add_argument("--restart-command", default="", help="restart the real PostgreSQL (a machine of your own)")
    args = ap.parse_args()
    target = make_url(args.database_url)
    relay_port = c.free_ports(1, args.first_port + 12, args.first_port + 18)[0]
    relay = c.Relay((target.host or "127.0.0.1", target.port or 5432), relay_port)
    relay.start()

    def faults(cluster: c.Cluster, until: float) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        start = time.monotonic()
        quarter = (until - start) / 4

        def at(fraction: float) -> None:
            time.sleep(max(0.0, start + fraction * quarter * 4 - time.monotonic()))

        def note(what: str) -> None:
            events.append({"at_s": round(time.monotonic() - start, 1), "what": what})
            print(f"[{events[-1]['at_s']:6.1f} s] {what}", flush=True)

        at(0.25)
        c.Cluster.kill9(cluster.servers[0])
        note("app host 0 killed (SIGKILL to its gunicorn master and processes)")
        time.sleep(5)
        cluster.start_server(0, processes=args.processes)
        note("app host 0 started again")
        at(0.5)
        c.Cluster.kill9(cluster.workers[0])
        note("worker 0 killed (SIGKILL)")
        time.sleep(5)
        cluster.start_worker(0)
        note("worker 0 started again")
        at(0.75)
        if args.restart_command:
            note(f"restarting PostgreSQL: {args.restart_command}")
            subprocess.run(args.restart_command, shell=True, check=True)
            note("PostgreSQL restarted")
        else:
            relay.cut()
            admin = Database(args.database_url)
            with admin.engine.connect() as conn:
                killed = conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
            admin.dispose()
            note(f"database away: {killed} server connections terminated, new ones refused")
            time.sleep(args.outage_seconds)
            relay.start()
            note("database back")
        return events

    try:
        return soak.soak(args, faults, cluster_url=relay.url(args.database_url))
    finally:
        relay.cut()


if __name__ == "__main__":
    sys.exit(main())
