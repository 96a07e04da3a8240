"""Importing clients and their contacts from a CSV or XLSX file (issue 5).

What a user sees:

- **One row = one client**, with at most one contact (contact name, position, phone, e-mail)
  and optionally a note, kept as a note in the client's history.
- **Several contacts of one client**: a later row for a client that an earlier row *of the same
  file* created — the same tax id, or the same name when one of the two has no tax id — adds its
  contact to that client, provided it repeats the client's columns or leaves them empty. That is
  how an export (one row per contact) reads back. Anything else is "duplicate of row N".
- **Duplicates** of existing clients are rejected, naming the client: the same tax id, a
  contact's phone or e-mail, or the same normalised name (unless both have tax ids and they
  differ): "duplicate of client #12 Alfa Retail: same tax id 7701234567".
- Every other rejected row has its reasons: name missing, too long values, bad kind, status or
  size, a tax id the client form would refuse (engine.tax_ids: length for the kind, check
  digits), unknown segment, unknown owner login, bad e-mail, a phone without digits.
- **Who**: managers, heads and admins import; others (analysts) may not. A manager imports only
  clients of his own: an empty owner column makes him the owner, another login rejects the row.
  Heads and admins give any owner; clients left without one go through distribution, which the
  caller passes in (``execute(..., distribute=...)``: the organization level distributes, the
  client base does not call up into it).
- **Transactions**: rows go in batches of ``BATCH_SIZE``, each batch one transaction with bulk
  inserts (clients, contacts, an ``imported`` event per row in the client's history) and the
  run's counters (processed, imported, rejected rows with their reasons). An error stops the
  run: it is marked ``failed`` with the error, and its counters say exactly what was imported
  (the batches before) — never a silent half import. A worker killed mid-file stops renewing
  its claim on the run; when the claim runs out (``LEASE``) the next worker marks the run
  ``failed`` with the same exact counters.

The web only stores the upload (engine.clients.uploads: in the database) and queues the run;
a worker of any host claims it (``claim_next``) and runs it, renewing its claim after every
batch. The command line runs a file in the foreground with a progress callback.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from engine.clients import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    limits,
)
from engine.clients.files import FIELDS, Table, escape_formula, guess_mapping, kind_of, open_table
from engine.clients.import_rows import Distribute, Importer, References, rejection
from engine.clients.uploads import UPLOAD_DIR as UPLOAD_DIR
from engine.clients.uploads import Uploads as Uploads
from engine.clients.views import ImportPreview, ImportRunView, PreviewRow, RowOutcome
from engine.shared.access import SELLERS, Actor, require
from engine.shared.errors import Forbidden, InputInvalid, NotFound
from engine.shared.notices import coded
from storage.models import ImportRun
from storage.repositories import client_files as client_files_repo

Units = Callable[[], AbstractContextManager[Session]]
Progress = Callable[[int, int], None]

BATCH_SIZE = 1000
#: how long a worker's claim on an import holds without a finished batch
LEASE = timedelta(minutes=5)


class ImportStatus(StrEnum):
    """An import waits for a worker (queued), runs, and ends done or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

PREVIEW_ROWS = 20
#: the rows a preview reads at most, blank ones counted: it never reads the whole file
PREVIEW_SCAN = 200


# ---------------------------------------------------------------- mapping

def check_mapping(headers: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """The mapping to use: the guess when none is given; columns mapped to nothing are dropped."""
    if mapping is None:
        mapping = guess_mapping(headers)
    if not isinstance(mapping, dict):
        raise coded(InputInvalid, "import_mapping_shape", {})
    clean: dict[str, str] = {}
    errors: list[str] = []
    twice: set[str] = set()
    for column, target in mapping.items():
        if not target:
            continue
        if column not in headers:
            errors.append(f"the file has no column {column!r}")
        elif target not in FIELDS:
            errors.append(f"{target!r} is not a field (fields: {', '.join(FIELDS)})")
        elif target in clean.values():
            other = next(k for k, v in clean.items() if v == target)
            errors.append(f"two columns are mapped to {target}: {other!r} and {column!r}")
            twice.add(target)
        else:
            clean[column] = target
    name_missing = not errors and "name" not in clean.values()
    if name_missing:
        errors.append("no column is mapped to name")
    if errors:
        # "twice" and "name_missing" say what is wrong for the UI to tell in the user's language
        raise InputInvalid("the column mapping cannot be used: " + "; ".join(errors),
                           {"mapping": errors, "twice": sorted(twice), "name_missing": name_missing})
    return clean


def mapped_rows(table: Table, mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, str]]]:
    positions = [(table.headers.index(column), target) for column, target in mapping.items()]
    for number, cells in table.rows():
        yield number, {target: cells[i] if i < len(cells) else "" for i, target in positions}


def _batches(rows: Iterable[tuple[int, dict[str, str]]], size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------- commands

def upload(uploads: Uploads, query: Units, actor: Actor, filename: str, stream: IO[bytes]) -> ImportPreview:
    """Keep a file for import: its upload id, headers, the guessed mapping and a preview."""
    require(actor, SELLERS, "import clients")
    filename = Path(filename or "").name
    if not filename:
        raise coded(InputInvalid, "import_choose_file", {})
    kind_of(filename)
    upload_id = uploads.save(actor, filename, stream)
    try:
        return preview(uploads, query, actor, upload_id, None)
    except InputInvalid:  # not a table we can read
        uploads.discard(upload_id)
        raise


def preview(uploads: Uploads, query: Units, actor: Actor, upload_id: str,
            mapping: dict[str, str] | None) -> ImportPreview:
    """The file's headers and first PREVIEW_ROWS rows as they are, the mapping (guessed when none
    is given) and what importing each row would do; "error" says why the mapping cannot be used."""
    require(actor, SELLERS, "import clients")
    path, filename = uploads.get(actor, upload_id)
    with open_table(path, filename) as table:
        headers = list(table.headers)
        raw: list[tuple[int, list[str]]] = []
        for number, cells in table.rows(scan=PREVIEW_SCAN):
            raw.append((number, cells + [""] * (len(headers) - len(cells))))
            if len(raw) >= PREVIEW_ROWS:
                break
    wanted = guess_mapping(headers) if mapping is None else mapping
    error, outcomes = None, None
    problems: dict[str, Any] = {}
    try:
        wanted = check_mapping(headers, wanted)
    except InputInvalid as exc:
        error = exc.message
        problems = {k: exc.details[k] for k in ("twice", "name_missing") if k in exc.details}
        wanted = {k: v for k, v in wanted.items() if v in FIELDS and k in headers}
    else:
        positions = [(headers.index(column), target) for column, target in wanted.items()]
        with query() as s:
            importer = Importer(actor, References.load(s))
            outcomes = importer.classify(s, [(n, {t: cells[i] for i, t in positions}) for n, cells in raw])
    rows = []
    for index, (number, cells) in enumerate(raw):
        o = outcomes[index] if outcomes else None
        rows.append(PreviewRow(row=number, cells=tuple(cells[:len(headers)]), result=None if o is None else RowOutcome(
            accepted=o.accepted, new_client=o.accepted and o.new_client,
            adds_to_row=o.entry.row if o.accepted and not o.new_client and o.entry else None,
            rejected=rejection(o.row, o.problems) if o.problems else None)))
    return ImportPreview(upload=upload_id, filename=filename, headers=tuple(headers), mapping=wanted, error=error,
                         mapping_problems=problems, rows=tuple(rows))


def create_run(command: Units, actor: Actor, filename: str, mapping: dict[str, str], now: datetime,
               upload_id: str | None = None) -> int:
    """A new run: ``queued`` for a worker when it names a stored upload, else ``running`` here."""
    require(actor, SELLERS, "import clients")
    with command() as s:
        run = ImportRun(filename=filename[:300], created_by=actor.login, created_at=now,
                        status=ImportStatus.QUEUED if upload_id else ImportStatus.RUNNING, upload_id=upload_id,
                        mapping=mapping, total=0, processed=0, imported=0, rejected=[])
        s.add(run)
        s.flush()
        return run.id


@dataclass(frozen=True)
class Claimed:
    """A queued import a worker took: what it needs to run it."""

    run_id: int
    created_by: str
    upload_id: str
    filename: str
    mapping: dict[str, str]


def claim_next(command: Units, owner: str, now: datetime, lease: timedelta = LEASE) -> tuple[Claimed | None, list[str]]:
    """Take the oldest queued import for worker ``owner``. Runs whose worker stopped renewing its
    claim (killed) are marked failed first, with the exact counts of the batches they committed.
    Returns the claimed run (or None) and the uploads of the abandoned runs, to discard."""
    with command() as s:
        abandoned: list[str] = []
        for run in client_files_repo.abandoned_imports(s, now):
            client_files_repo.update_import_run(
                s, run.id, status=ImportStatus.FAILED, finished_at=now, lease_owner=None, lease_until=None,
                error=f"stopped: the worker running this import ended after {run.processed} rows; "
                      f"{run.imported} clients were imported (the batches before)")
            if run.upload_id:
                abandoned.append(run.upload_id)
        queued = client_files_repo.queued_import(s)
        if queued is None or not queued.upload_id or not client_files_repo.claim_import(s, queued.id, owner, now + lease):
            return None, abandoned
        return Claimed(queued.id, queued.created_by, queued.upload_id, queued.filename, dict(queued.mapping)), abandoned


def renew(command: Units, run_id: int, owner: str, now: datetime, lease: timedelta = LEASE) -> None:
    """Keep the claim on a run alive (after each batch); stops the import when it is no longer ours."""
    with command() as s:
        if not client_files_repo.renew_import_lease(s, run_id, owner, now + lease):
            raise InputInvalid(f"import {run_id} was taken from this worker (its claim ran out)")


def fail(command: Units, run_id: int, message: str, now: datetime) -> None:
    """Mark a run failed before any row was read (its file or its user is gone)."""
    with command() as s:
        client_files_repo.update_import_run(s, run_id, status=ImportStatus.FAILED, finished_at=now,
                                            lease_owner=None, lease_until=None, error=message[:4000])


def execute(command: Units, run_id: int, actor: Actor, path: Path, filename: str, mapping: dict[str, str],
            now: Callable[[], datetime], progress: Progress | None = None,
            distribute: Distribute | None = None) -> None:
    """Import the file for run ``run_id`` batch by batch; on an error the run is marked failed
    (with what the committed batches imported) and the error raised again. Each batch's new
    clients without an owner go to ``distribute`` in the batch's transaction."""
    first_row = 0
    try:
        with open_table(path, filename) as table:
            total = table.count()
            if total > limits.MAX_ROWS:
                raise limits.FileTooBig("rows", limits.MAX_ROWS, detail=f" (the file has {total})")
            with command() as s:
                client_files_repo.update_import_run(s, run_id, total=total)
                importer = Importer(actor, References.load(s), distribute)
            if progress:
                progress(0, total)
            for batch in _batches(mapped_rows(table, mapping), BATCH_SIZE):
                first_row = batch[0][0]
                with command() as s:
                    importer.write(s, importer.classify(s, batch), run_id, filename, now())
                if progress:
                    progress(importer.processed, max(total, importer.processed))
            first_row = 0
            with command() as s:  # XLSX totals are estimates: the real count now
                client_files_repo.update_import_run(s, run_id, status=ImportStatus.DONE, total=importer.processed,
                                                    finished_at=now(), lease_owner=None, lease_until=None)
    except BaseException as exc:
        where = f" at the batch starting at row {first_row}" if first_row else ""
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        if isinstance(exc, KeyboardInterrupt):
            message = "interrupted"
        with command() as s:
            client_files_repo.update_import_run(s, run_id, status=ImportStatus.FAILED, finished_at=now(),
                                                lease_owner=None, lease_until=None,
                                                error=f"stopped{where}: {message}"[:4000])
        raise


def run_view(run: ImportRun, with_rejected: bool = True) -> ImportRunView:
    return ImportRunView.of(run, _percent(run), with_rejected)


def _percent(run: ImportRun) -> int:
    if run.total:
        return min(100, 100 * run.processed // run.total)
    return 0 if run.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) else 100


def get_run(session: Session, actor: Actor, run_id: int) -> ImportRun:
    run = client_files_repo.import_run(session, run_id)
    if run is None:
        raise coded(NotFound, "import_unknown", {"run_id": str(run_id)})
    if run.created_by != actor.login and not actor.reads_all:
        raise coded(Forbidden, "import_someone_elses", {"run_id": str(run_id)})
    return run


def list_runs(session: Session, actor: Actor) -> list[ImportRun]:
    return list(client_files_repo.import_runs(session, None if actor.reads_all else actor.login))


def write_rejected(source: Path, rejected: list[dict[str, Any]], target: Path) -> None:
    """The rejected rows of ``source`` with their reasons in front: CSV (UTF-8 with a byte-order
    mark) with the columns Row, Reason and the file's own, to fix and import again (the two
    extra columns are not imported)."""
    reasons = {item["row"]: item["reason"] for item in rejected}
    with open_table(source) as table, target.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["Row", "Reason", *table.headers])
        for number, cells in table.rows():
            if number in reasons:
                writer.writerow([number, escape_formula(reasons[number]), *(escape_formula(c) for c in cells)])
