"""The ``reglament`` command: init, demo, deploy, run, users."""
from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import click

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.access import ROLES, Actor
from engine.shared.errors import ReglamentError, RegulationInvalid
from engine.shared.settings import Settings
from web.i18n import catalogue

CLI_ACTOR = Actor(id=0, login="cli", name="Command line", roles=frozenset({"admin", "owner"}),
                  groups=frozenset())


def _platform() -> Reglament:
    settings = Settings.from_env()
    platform = Reglament.open(settings)
    platform.catalogue = catalogue  # the worker's e-mails in each recipient's language
    return platform


@click.group()
def main() -> None:
    """Reglament: run a sales department by its BPMN regulation."""


@main.command()
def init() -> None:
    """Create or upgrade the database schema."""
    p = _platform()
    p.init_schema()
    click.echo(f"database ready: {p.db.engine.url.render_as_string(hide_password=True)}")


@main.command()
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="ru: the Russian demo (Russian names, clients and regulation; users in Russian, Moscow time)")
def demo(language: str) -> None:
    """Load the demo organisation, regulation and clients (idempotent)."""
    from engine.demo.loader import load_demo

    p = _platform()
    p.init_schema()
    added = load_demo(p, language)
    click.echo("demo data: " + ", ".join(f"{v} {k} added" for k, v in added.items()) +
               " (password 'demo' for every demo user)")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def deploy(files: tuple[Path, ...]) -> None:
    """Deploy a regulation: one .bpmn file plus any .dmn files it uses."""
    p = _platform()
    try:
        result = p.regulation.deploy(CLI_ACTOR, [SourceFile(f.name, f.read_bytes()) for f in files])
    except RegulationInvalid as exc:
        click.echo("Not deployed. Problems:", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)
    except ReglamentError as exc:
        click.echo(f"Not deployed: {exc.message}", err=True)
        sys.exit(2)
    state = "deployed as" if result.created else "unchanged, still"
    click.echo(f"{result.key} ({result.name}): {state} version {result.version}")
    for warning in result.warnings:  # deployed, but a cycle will stop there (as in Camunda)
        click.echo(f"  warning: {warning}", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def run(host: str, port: int, threads: int) -> None:
    """Serve the web application and API."""
    from waitress import serve

    from engine.platform.worker import Worker
    from web.app import create_app

    app = create_app()
    Worker(app.extensions["reglament"]).start_thread()  # the embedded default: one in-process worker
    click.echo(f"Reglament on http://{host}:{port}/ with an in-process timer worker (Ctrl+C stops)")
    serve(app, host=host, port=port, threads=threads, ident="reglament")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="server processes (about one per CPU core)")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="requests each process serves at once")
@click.option("--no-worker", is_flag=True, help="serve only: run the timer jobs elsewhere (`reglament worker`)")
@click.option("--graceful-timeout", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="seconds a stopping process (SIGTERM) has to finish the requests in flight")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(5, 3600),
              help="a process silent this long is killed and replaced")
def serve(host: str, port: int, workers: int, threads: int, no_worker: bool, graceful_timeout: int,
          timeout: int) -> None:
    """Serve the web application and API in production: gunicorn, several processes with threads."""
    from web.serving import serve as run_gunicorn

    run_gunicorn(host=host, port=port, workers=workers, threads=threads, embedded_worker=not no_worker,
                 graceful_timeout=graceful_timeout, timeout=timeout)


@main.command()
@click.option("--batch", default=20, show_default=True, type=int, help="jobs taken per round")
@click.option("--lease-seconds", default=60, show_default=True, type=int,
              help="how long a taken job stays reserved before another worker may take it over")
@click.option("--exit-when-idle", is_flag=True, help="stop when no job is due (for scripts and tests)")
def worker(batch: int, lease_seconds: int, exit_when_idle: bool) -> None:
    """Run due timer jobs. Start as many as you like, on any host sharing the database."""
    from datetime import timedelta

    from engine.platform.worker import Worker
    from web.observability import configure_logging

    configure_logging()  # JSON lines with REGLAMENT_LOG_FORMAT=json; SpiffWorkflow's INFO chatter off
    w = Worker(_platform(), batch=batch, lease=timedelta(seconds=lease_seconds))
    # SIGTERM (systemd, docker) and Ctrl+C: finish the job in hand, take no other, exit
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: w.stop())
    click.echo(f"worker {w.owner} running (Ctrl+C stops)")
    w.run_forever(exit_when_idle=exit_when_idle)


@main.command("import-clients")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="map a file column to a field (name, kind, tax_id, industry, region, size, source, status, "
                   "segment, owner, contact, position, phone, email, note; empty to skip it); repeatable, "
                   "over the mapping guessed from the headers")
@click.option("--as", "as_login", default=None, metavar="LOGIN",
              help="import as this user (a manager imports clients of his own); default: an administrator")
def import_clients(file: Path, maps: tuple[str, ...], as_login: str | None) -> None:
    """Import clients and contacts from a CSV or XLSX file; rejected rows go to FILE.rejected.csv."""
    from engine.clients.files import guess_mapping, open_table
    from engine.clients.imports import write_rejected

    p = _platform()
    actor = CLI_ACTOR
    if as_login:
        found = [a for a in p.accounts.users() if a.login == as_login.lower()]
        if not found:
            click.echo(f"No user {as_login!r}.", err=True)
            sys.exit(2)
        actor = found[0]
    try:
        with open_table(file) as table:
            mapping = guess_mapping(table.headers)
            for item in maps:
                column, sep, field = item.partition("=")
                if not sep:
                    raise click.BadParameter(f"{item!r}: write COLUMN=FIELD", param_hint="--map")
                mapping[column.strip()] = field.strip()
            mapping = {h: mapping.pop(h) for h in table.headers if h in mapping} | mapping  # file order
        click.echo("columns: " + ", ".join(f"{c} -> {f}" for c, f in mapping.items() if f))
        bar: Any = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=max(total, 1), label="importing", show_pos=True)
                bar.__enter__()
            bar.length = max(total, done, 1)
            bar.update(done - bar.pos)

        try:
            run = p.clients.import_file(actor, file, mapping, progress)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
    except ReglamentError as exc:
        click.echo(f"Not imported: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"import #{run.id}: {run.status}; {run.processed} of {run.total} rows read, "
               f"{run.imported} imported, {run.rejected_count} rejected")
    if run.rejected:
        target = file.with_name(file.name + ".rejected.csv")
        write_rejected(file, [dict(r) for r in run.rejected], target)
        click.echo(f"rejected rows with their reasons: {target}")
    if run.status != "done":
        click.echo(f"The import stopped: {run.error}", err=True)
        sys.exit(1)


@main.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.argument("login")
@click.option("--name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), default=("manager",), show_default=True)
@click.option("--group", "groups", multiple=True, help="department, e.g. Sales (repeatable)")
@click.option("--locale", default=None, type=click.Choice(["en", "ru"]),
              help="the user's language (default: the organization's)")
def users_create(login: str, name: str, password: str, roles: tuple[str, ...], groups: tuple[str, ...],
                 locale: str | None) -> None:
    """Create a user (in the organization's language and time zone unless --locale says otherwise)."""
    try:
        actor = _platform().accounts.create_user(login, name, password, list(roles), list(groups), locale)
    except ReglamentError as exc:
        click.echo(f"Not created: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"created {actor.login} with roles {', '.join(sorted(actor.roles))}")


@users.command("list")
def users_list() -> None:
    """List users with their roles and groups."""
    for a in _platform().accounts.users():
        click.echo(f"{a.login:12} {a.name:24} roles={','.join(sorted(a.roles)):20} "
                   f"groups={','.join(sorted(a.groups))}")


if __name__ == "__main__":
    main()
