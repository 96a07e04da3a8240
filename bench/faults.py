"""Faults during a soak: kill -9 an app host, kill -9 a worker, take PostgreSQL away; then reconcile.

    .venv/bin/python bench/faults.py [--users 6] [--minutes 2] [--outage-seconds 5]
                                     [--private-postgres [--private-port 5499]]
                                     [--restart-command "systemctl restart postgresql"]

The soak of ``bench/soak.py`` runs (app hosts, workers, a round-robin proxy, users racing on their
tasks); the hosts and workers reach PostgreSQL through a TCP relay. At a quarter of the time app host
0 is killed with SIGKILL (its gunicorn master and processes) and started again 5 s later; at half
time worker 0 likewise; at three quarters the database goes away: every server connection of the
database is terminated (``pg_terminate_backend``) and the relay refuses connections for
``--outage-seconds``, as during a restart. With ``--private-postgres`` the script starts a PostgreSQL
server of its own (``initdb`` into a temporary directory, ``pg_ctl`` on ``--private-port``, its socket
in that directory; as the ``postgres`` user when run as root), runs the deployment on it and really
restarts it: ``pg_ctl stop -m fast`` (every backend ends, the server is gone), ``--outage-seconds``
later ``pg_ctl start``; the machine's own PostgreSQL is never touched, and the private one is stopped
and deleted at the end. With ``--restart-command`` the given command restarts the server the
database URL names (only on a machine of your own). The users retry what was not answered with the same
Idempotency-Key; the app answers 503 meanwhile and recovers by itself. The reconciliation is the
soak's: nothing lost, nothing done twice. Exit status 1 when anything disagrees.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster as c
import soak
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database

PG_BIN = Path(os.environ.get("REGLAMENT_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PrivatePostgres:
    """A PostgreSQL server of the script's own: a fresh cluster in a temporary directory, listening on
    127.0.0.1:``port`` and on a socket in that directory, started, stopped and deleted by the script."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="reglament-faults-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.as_root = os.geteuid() == 0  # PostgreSQL refuses to run as root: as the postgres user then
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr or done.stdout}"
                               f"{self.log.read_text()[-2000:] if self.log.exists() else ''}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> int:
    ap = soak.parser()
    ap.description = __doc__
    ap.set_defaults(users=6, database_url=soak.DEFAULT_URL.replace("reglament_soak", "reglament_faults"))
    ap.add_argument("--outage-seconds", type=float, default=5.0)
    ap.add_argument("--private-postgres", action="store_true",
                    help="start a PostgreSQL server of the script's own and really restart it mid-run")
    ap.add_argument("--private-port", type=int, default=5499)
    ap.add_argument("--restart-command", default="", help="restart the real PostgreSQL (a machine of your own)")
    args = ap.parse_args()
    if args.private_postgres:
        return private_run(args)
    target = make_url(args.database_url)
    relay_port = c.free_ports(1, args.first_port + 12, args.first_port + 18)[0]
    relay = c.Relay((target.host or "127.0.0.1", target.port or 5432), relay_port)
    relay.start()

    def outage(note: Any) -> None:
        if args.restart_command:
            note(f"restarting PostgreSQL: {args.restart_command}")
            subprocess.run(args.restart_command, shell=True, check=True)
            note("PostgreSQL restarted")
            return
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

    try:
        return soak.soak(args, schedule(args, outage), cluster_url=relay.url(args.database_url))
    finally:
        relay.cut()


def schedule(args: Any, outage: Any) -> Any:
    """The faults of a run: app host 0 at a quarter of the time, worker 0 at half, ``outage`` (what
    takes the database away and brings it back, noting what it did) at three quarters."""

    def faults(cluster: c.Cluster, until: float) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        start = time.monotonic()

        def at(fraction: float) -> None:
            time.sleep(max(0.0, start + fraction * (until - start) - time.monotonic()))

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
        outage(note)
        return events

    return faults


def private_run(args: Any) -> int:
    """The soak on a PostgreSQL server of the script's own, restarted for real at three quarters."""
    server = PrivatePostgres(args.private_port)
    server.init()
    server.start()
    args.database_url = server.url("reglament_faults")
    print(f"private PostgreSQL in {server.dir} on 127.0.0.1:{server.port}", flush=True)

    def restart(note: Any) -> None:
        t0 = time.monotonic()
        server.stop()
        note(f"PostgreSQL stopped (pg_ctl stop -m fast: every backend ended) in {time.monotonic() - t0:.1f} s")
        time.sleep(args.outage_seconds)
        t0 = time.monotonic()
        server.start()
        note(f"PostgreSQL started again (pg_ctl start) in {time.monotonic() - t0:.1f} s")

    try:
        return soak.soak(args, schedule(args, restart))
    finally:
        server.remove()


if __name__ == "__main__":
    sys.exit(main())
