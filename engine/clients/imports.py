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
  Heads and admins give any owner; clients left without one go through distribution.
- **Transactions**: rows go in batches of ``BATCH_SIZE``, each batch one transaction with bulk
  inserts (clients, contacts, an ``imported`` event per row in the client's history) and the
  run's counters (processed, imported, rejected rows with their reasons). An error stops the
  run: it is marked ``failed`` with the error, and its counters say exactly what was imported
  (the batches before) — never a silent half import. A process killed mid-file leaves the run
  ``running`` with the same exact counters.

The web starts an import in a background thread of the server process (``start_background``);
the command line runs it in the foreground with a progress callback.
"""
from __future__ import annotations

import csv
import json
import logging
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from engine.clients import limits, tax_ids
from engine.clients.duplicates import KnownKeys
from engine.clients.files import (
    BY_FIELD,
    FIELDS,
    Table,
    escape_formula,
    guess_mapping,
    kind_of,
    open_table,
)
from engine.clients.records import KINDS, SIZES, STATUSES
from engine.organization import distribution
from engine.shared.access import HEADS, SELLERS, Actor, require
from engine.shared.errors import Forbidden, InputInvalid, NotFound
from engine.shared.settings import VAR
from storage import keys
from storage.models import ImportRun
from storage.repositories import accounts as accounts_repo
from storage.repositories import clients as clients_repo
from storage.repositories import organization as organization_repo

log = logging.getLogger(__name__)

Units = Callable[[], AbstractContextManager[Session]]
Progress = Callable[[int, int], None]

BATCH_SIZE = 1000
PREVIEW_ROWS = 20
#: the rows a preview reads at most, blank ones counted: it never reads the whole file
PREVIEW_SCAN = 200
_TEXT_FIELDS = ("name", "tax_id", "industry", "region", "source", "contact", "position", "phone", "email", "note")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WHAT = {"tax_id": "tax id", "phone": "phone", "email": "e-mail", "name": "name"}


# ---------------------------------------------------------------- one row

@dataclass(frozen=True)
class Problem:
    """Why a row is rejected: a code and arguments (for the UI's language) and English text."""

    code: str
    args: dict[str, Any]
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "args": self.args}


def _duplicate_of_client(client_id: int, name: str, what: str, value: str) -> Problem:
    value = value if what != "name" else ""  # the name is the client's, shown already
    shown = f" {value}" if value else ""
    return Problem("duplicate_client", {"id": client_id, "name": name, "what": what, "value": value},
                   f"duplicate of client #{client_id} {name}: same {_WHAT[what]}{shown}")


def _duplicate_of_row(row: int, what: str, value: str) -> Problem:
    value = value if what != "name" else ""
    shown = f" {value}" if value else ""
    return Problem("duplicate_row", {"row": row, "what": what, "value": value},
                   f"duplicate of row {row}: same {_WHAT[what]}{shown}")


@dataclass(frozen=True)
class References:
    """What rows name: segments (by lower-case name) and users (by login)."""

    segments: dict[str, tuple[int, str]]
    users: dict[str, tuple[int, bool]]  # login -> (id, may own clients: active and selling)

    @classmethod
    def load(cls, session: Session) -> References:
        return cls(
            {s.name.lower(): (s.id, s.name) for s in clients_repo.segments(session)},
            {u.login.lower(): (u.id, u.active and bool(u.role_set & SELLERS)) for u in accounts_repo.users(session)},
        )


@dataclass
class Candidate:
    """A valid row: what it would insert."""

    row: int
    client: dict[str, Any]  # clients-table values
    # the client columns the row filled, normalised (None: left empty): rows of one client agree
    signature: tuple[str | int | None, ...]
    contact: dict[str, Any] | None
    note: str | None


def parse_row(row: int, values: dict[str, str], refs: References, actor: Actor) -> Candidate | list[Problem]:
    """One mapped row checked on its own (no duplicates yet): a candidate, or its problems."""
    problems: list[Problem] = []
    text: dict[str, str | None] = {}
    for name in _TEXT_FIELDS:
        value = values.get(name, "")
        limit = BY_FIELD[name].max_length
        if len(value) > limit:
            problems.append(Problem("too_long", {"field": name, "limit": limit},
                                    f"{BY_FIELD[name].header} is too long (at most {limit} characters)"))
        text[name] = value or None

    def choice(name: str, allowed: tuple[str, ...]) -> str | None:
        value = values.get(name, "").lower()
        if value and value not in allowed:
            problems.append(Problem("bad_choice", {"field": name, "value": values[name], "allowed": ", ".join(allowed)},
                                    f"{BY_FIELD[name].header} {values[name]!r} is not one of: {', '.join(allowed)}"))
        return value or None

    if not text["name"]:
        problems.append(Problem("name_missing", {}, "name is missing"))
    kind, status, size = choice("kind", KINDS), choice("status", STATUSES), choice("size", SIZES)
    segment_id = None
    if segment := values.get("segment", ""):
        found = refs.segments.get(segment.lower())
        if found is None:
            known = ", ".join(sorted(name for _, name in refs.segments.values())) or "none"
            problems.append(Problem("unknown_segment", {"value": segment, "known": known},
                                    f"unknown segment {segment!r} (known: {known})"))
        else:
            segment_id = found[0]
    owner = values.get("owner", "").lower() or None
    owner_id = None
    if not actor.has_any(HEADS):  # a manager imports only his own clients
        owner_id = actor.id
        if owner and owner != actor.login.lower():
            problems.append(Problem("owner_not_self", {"value": owner},
                                    f"a manager imports only clients of his own, not of {owner!r}"))
    elif owner:
        user = refs.users.get(owner)
        if user is None:
            problems.append(Problem("unknown_owner", {"value": owner}, f"no user with login {owner!r}"))
        elif not user[1]:
            problems.append(Problem("owner_cannot_own", {"value": owner},
                                    f"{owner!r} cannot own clients (not an active manager, head or admin)"))
        else:
            owner_id = user[0]
    phone, email = text["phone"], text["email"]
    phone_key = keys.phone_key(phone)
    if phone and not phone_key:
        problems.append(Problem("phone_no_digits", {"value": phone}, f"phone {phone!r} has no digits"))
    if email and not _EMAIL.match(email):
        problems.append(Problem("bad_email", {"value": email}, f"bad e-mail {email!r}"))
    tax_id = tax_ids.normalise(text["tax_id"]) or None
    if tax_id and len(tax_id) <= BY_FIELD["tax_id"].max_length and kind in (None, *KINDS):
        wrong = tax_ids.problem(tax_id, kind or "company")  # as the client form checks it
        if wrong is not None:
            problems.append(Problem("bad_tax_id", {"value": tax_id, "why": wrong.code},
                                    f"Tax ID {tax_id}: {wrong.text}"))
    if problems:
        return problems
    assert text["name"] is not None
    name_key = keys.name_key(text["name"])
    client = {"name": text["name"], "name_key": name_key, "kind": kind or "company", "tax_id": tax_id,
              "industry": text["industry"], "region": text["region"], "size": size, "source": text["source"],
              "status": status or "lead", "segment_id": segment_id, "owner_id": owner_id}
    signature = (name_key, kind, tax_id, text["industry"], text["region"], size, text["source"], status,
                 segment_id, owner)
    contact = None
    if text["contact"] or text["position"] or phone or email:
        contact = {"name": text["contact"] or "", "position": text["position"], "phone": phone,
                   "phone_key": phone_key, "email": email, "email_key": keys.email_key(email)}
    return Candidate(row, client, signature, contact, text["note"])


# ---------------------------------------------------------------- a batch

@dataclass(slots=True, eq=False)
class Entry:
    """A client an accepted row of this file creates (its id once inserted)."""

    row: int
    signature: tuple[str | int | None, ...]
    tax_id: str | None
    client_id: int | None

    def accepts(self, signature: tuple[str | int | None, ...]) -> bool:
        return all(v is None or v == mine for v, mine in zip(signature, self.signature))


@dataclass
class Outcome:
    row: int
    problems: list[Problem] = field(default_factory=list)  # empty: accepted
    candidate: Candidate | None = None
    entry: Entry | None = None
    new_client: bool = False  # else the row adds a contact to the client of entry.row

    @property
    def accepted(self) -> bool:
        return not self.problems


class Importer:
    """One file's import across its batches: the file's own clients and the counters."""

    def __init__(self, actor: Actor, refs: References) -> None:
        self.actor, self.refs = actor, refs
        self.by_tax: dict[str, Entry] = {}
        self.by_name: dict[str, Entry] = {}
        self.phones: dict[str, int] = {}  # contact keys of accepted rows -> row
        self.emails: dict[str, int] = {}
        self.processed = self.imported = self.batches = 0
        self.rejected: list[dict[str, Any]] = []

    def classify(self, session: Session, rows: list[tuple[int, dict[str, str]]]) -> list[Outcome]:
        """Decide each row of a batch, in file order (reads the database, writes nothing)."""
        clients_repo.avoid_trigram_lookups(session)
        parsed = [parse_row(number, values, self.refs, self.actor) for number, values in rows]
        candidates = [p for p in parsed if isinstance(p, Candidate)]
        contacts = [c.contact for c in candidates if c.contact]
        known = KnownKeys.load(session, [c.client["tax_id"] for c in candidates if c.client["tax_id"]],
                               [c["phone_key"] for c in contacts if c["phone_key"]],
                               [c["email_key"] for c in contacts if c["email_key"]],
                               [c.client["name_key"] for c in candidates])
        labels = clients_repo.client_names_and_tax_ids(session, [*known.tax_ids.values(), *known.phones.values(),
                                                         *known.emails.values(), *known.names.values()])
        outcomes = []
        for (number, _), item in zip(rows, parsed):
            if isinstance(item, Candidate):
                outcomes.append(self._place(item, known, labels))
            else:
                outcomes.append(Outcome(number, item))
        return outcomes

    def _place(self, c: Candidate, known: KnownKeys, labels: dict[int, tuple[str, str | None]]) -> Outcome:
        tax, name_key = c.client["tax_id"], c.client["name_key"]
        earlier, how = (self.by_tax.get(tax), "tax_id") if tax else (None, "")
        if earlier is None:
            same_name = self.by_name.get(name_key) if name_key else None
            if same_name is not None and not (tax and same_name.tax_id and same_name.tax_id != tax):
                earlier, how = same_name, "name"
        if earlier is not None and (c.contact is None or not earlier.accepts(c.signature)):
            return Outcome(c.row, [_duplicate_of_row(earlier.row, how, tax or "")])
        problem = self._contact_seen(c) or self._existing(c, known, labels, earlier is None)
        if problem:
            return Outcome(c.row, [problem])
        if c.contact:
            if c.contact["phone_key"]:
                self.phones.setdefault(c.contact["phone_key"], c.row)
            if c.contact["email_key"]:
                self.emails.setdefault(c.contact["email_key"], c.row)
        if earlier is not None:
            return Outcome(c.row, candidate=c, entry=earlier, new_client=False)
        entry = Entry(c.row, c.signature, tax, None)
        if tax:
            self.by_tax.setdefault(tax, entry)
        if name_key:
            self.by_name.setdefault(name_key, entry)
        return Outcome(c.row, candidate=c, entry=entry, new_client=True)

    def _contact_seen(self, c: Candidate) -> Problem | None:
        """The row's phone or e-mail already came in an earlier row of the file."""
        if c.contact is None:
            return None
        if c.contact["phone_key"] in self.phones:
            return _duplicate_of_row(self.phones[c.contact["phone_key"]], "phone", c.contact["phone"])
        if c.contact["email_key"] in self.emails:
            return _duplicate_of_row(self.emails[c.contact["email_key"]], "email", c.contact["email"])
        return None

    @staticmethod
    def _existing(c: Candidate, known: KnownKeys, labels: dict[int, tuple[str, str | None]],
                  new_client: bool) -> Problem | None:
        """The existing client this row duplicates (only its contact, when it adds a contact)."""
        contact = c.contact or {}
        tax = c.client["tax_id"]
        checks = [("phone", contact.get("phone_key"), contact.get("phone"), known.phones),
                  ("email", contact.get("email_key"), contact.get("email"), known.emails)]
        if new_client:
            checks = [("tax_id", tax, tax, known.tax_ids), *checks,
                      ("name", c.client["name_key"], c.client["name"], known.names)]
        for what, key, shown, index in checks:
            if key and key in index:
                client_id = index[key]
                name, existing_tax = labels.get(client_id, ("", None))
                if what == "name" and tax and existing_tax and existing_tax != tax:
                    continue  # the same name, but another legal entity
                return _duplicate_of_client(client_id, name, what, shown or "")
        return None

    def write(self, session: Session, outcomes: list[Outcome], run_id: int, filename: str, now: datetime) -> None:
        """Insert a classified batch in bulk, distribute its unowned clients, count it on the run."""
        new = [o for o in outcomes if o.accepted and o.new_client]
        ids = clients_repo.insert_clients(session, [{**o.candidate.client, "created_at": now}  # type: ignore[union-attr]
                                            for o in new])
        for outcome, client_id in zip(new, ids):
            outcome.entry.client_id = client_id  # type: ignore[union-attr]
        accepted = [o for o in outcomes if o.accepted]
        contacts, events = [], []
        for o in accepted:
            c, client_id = o.candidate, o.entry.client_id  # type: ignore[union-attr]
            assert c is not None and client_id is not None
            if c.contact:
                contacts.append({**c.contact, "client_id": client_id, "created_at": now})
            data: dict[str, Any] = {"run": run_id, "file": filename, "row": o.row}
            if not o.new_client:
                data["contact"] = (c.contact or {}).get("name") or ""
            events.append({"client_id": client_id, "at": now, "type": "imported", "actor": self.actor.login,
                           "data": data})
            if c.note:
                events.append({"client_id": client_id, "at": now, "type": "note", "actor": self.actor.login,
                               "data": {"text": c.note, "run": run_id, "row": o.row}})
        clients_repo.insert_contacts(session, contacts)
        clients_repo.add_client_events(session, events)
        unowned = [client_id for o, client_id in zip(new, ids)
                   if o.candidate is not None and o.candidate.client["owner_id"] is None]
        if unowned:
            distribution.distribute_new(session, now, self.actor.login, list(organization_repo.clients_by_ids(session, unowned)))
        self.processed += len(outcomes)
        self.imported += len(accepted)
        self.rejected.extend(rejection(o.row, o.problems) for o in outcomes if not o.accepted)
        clients_repo.update_import_run(session, run_id, processed=self.processed, imported=self.imported,
                               rejected=list(self.rejected))
        self.batches += 1
        if self.batches & (self.batches - 1) == 0:  # batches 1, 2, 4, 8...: the tables keep growing
            clients_repo.refresh_client_statistics(session)


def rejection(row: int, problems: list[Problem]) -> dict[str, Any]:
    return {"row": row, "reason": "; ".join(p.text for p in problems), "problems": [p.as_dict() for p in problems]}


# ---------------------------------------------------------------- mapping

def check_mapping(headers: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """The mapping to use: the guess when none is given; columns mapped to nothing are dropped."""
    if mapping is None:
        mapping = guess_mapping(headers)
    if not isinstance(mapping, dict):
        raise InputInvalid("the mapping must be an object of file column -> field")
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


# ---------------------------------------------------------------- uploads

_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_MAX_AGE = 24 * 3600.0
UPLOAD_DIR = VAR / "uploads"


class Uploads:
    """Files uploaded for import, kept on this server's disk until their import ends (a day at most)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, actor: Actor, filename: str, stream: IO[bytes]) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._forget_old()
        upload_id = secrets.token_urlsafe(24)
        suffix = Path(filename).suffix.lower()
        with (self.directory / f"{upload_id}{suffix}").open("wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        (self.directory / f"{upload_id}.json").write_text(json.dumps(
            {"filename": Path(filename).name[:300], "login": actor.login, "suffix": suffix}))
        return upload_id

    def get(self, actor: Actor, upload_id: str) -> tuple[Path, str]:
        """(path, original file name) of the actor's own upload."""
        meta_path = self.directory / f"{upload_id}.json"
        if not _UPLOAD_ID.match(upload_id or "") or not meta_path.exists():
            raise NotFound("no such uploaded file: upload it again")
        meta = json.loads(meta_path.read_text())
        if meta["login"] != actor.login:
            raise NotFound("no such uploaded file: upload it again")
        return self.directory / f"{upload_id}{meta['suffix']}", meta["filename"]

    def discard(self, upload_id: str) -> None:
        if _UPLOAD_ID.match(upload_id or ""):
            for path in self.directory.glob(f"{upload_id}*"):
                path.unlink(missing_ok=True)

    def _forget_old(self) -> None:
        cutoff = time.time() - UPLOAD_MAX_AGE
        for path in self.directory.glob("*.json"):
            if path.stat().st_mtime < cutoff:
                self.discard(path.stem)


# ---------------------------------------------------------------- commands

def upload(uploads: Uploads, query: Units, actor: Actor, filename: str, stream: IO[bytes]) -> dict[str, Any]:
    """Keep a file for import: its upload id, headers, the guessed mapping and a preview."""
    require(actor, SELLERS, "import clients")
    filename = Path(filename or "").name
    if not filename:
        raise InputInvalid("choose a file to import")
    kind_of(filename)
    upload_id = uploads.save(actor, filename, stream)
    try:
        return preview(uploads, query, actor, upload_id, None)
    except InputInvalid:  # not a table we can read
        uploads.discard(upload_id)
        raise


def preview(uploads: Uploads, query: Units, actor: Actor, upload_id: str,
            mapping: dict[str, str] | None) -> dict[str, Any]:
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
    error, outcomes, problems = None, None, {}
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
        rows.append({"row": number, "cells": cells[:len(headers)], "result": None if o is None else {
            "accepted": o.accepted, "new_client": o.accepted and o.new_client,
            "adds_to_row": o.entry.row if o.accepted and not o.new_client and o.entry else None,
            "rejected": rejection(o.row, o.problems) if o.problems else None}})
    return {"upload": upload_id, "filename": filename, "headers": headers, "mapping": wanted, "error": error,
            "mapping_problems": problems, "rows": rows}


def create_run(command: Units, actor: Actor, filename: str, mapping: dict[str, str], now: datetime) -> int:
    require(actor, SELLERS, "import clients")
    with command() as s:
        run = ImportRun(filename=filename[:300], created_by=actor.login, created_at=now, status="running",
                        mapping=mapping, total=0, processed=0, imported=0, rejected=[])
        s.add(run)
        s.flush()
        return run.id


def execute(command: Units, run_id: int, actor: Actor, path: Path, filename: str, mapping: dict[str, str],
            now: Callable[[], datetime], progress: Progress | None = None) -> None:
    """Import the file for run ``run_id`` batch by batch; on an error the run is marked failed
    (with what the committed batches imported) and the error raised again."""
    first_row = 0
    try:
        with open_table(path, filename) as table:
            total = table.count()
            if total > limits.MAX_ROWS:
                raise limits.FileTooBig("rows", limits.MAX_ROWS, detail=f" (the file has {total})")
            with command() as s:
                clients_repo.update_import_run(s, run_id, total=total)
                importer = Importer(actor, References.load(s))
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
                clients_repo.update_import_run(s, run_id, status="done", total=importer.processed, finished_at=now())
    except BaseException as exc:
        where = f" at the batch starting at row {first_row}" if first_row else ""
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        if isinstance(exc, KeyboardInterrupt):
            message = "interrupted"
        with command() as s:
            clients_repo.update_import_run(s, run_id, status="failed", finished_at=now(),
                                   error=f"stopped{where}: {message}"[:4000])
        raise


def run_dict(run: ImportRun, with_rejected: bool = True) -> dict[str, Any]:
    out = {"id": run.id, "filename": run.filename, "created_by": run.created_by,
           "created_at": run.created_at.isoformat(),
           "finished_at": run.finished_at.isoformat() if run.finished_at else None,
           "status": run.status, "mapping": run.mapping, "total": run.total, "processed": run.processed,
           "imported": run.imported, "rejected_count": len(run.rejected or []), "error": run.error,
           "percent": _percent(run)}
    if with_rejected:
        out["rejected"] = run.rejected or []
    return out


def _percent(run: ImportRun) -> int:
    if run.total:
        return min(100, 100 * run.processed // run.total)
    return 0 if run.status == "running" else 100


def get_run(session: Session, actor: Actor, run_id: int) -> ImportRun:
    run = clients_repo.import_run(session, run_id)
    if run is None:
        raise NotFound(f"no import {run_id}")
    if run.created_by != actor.login and not actor.reads_all:
        raise Forbidden(f"import {run_id} is someone else's")
    return run


def list_runs(session: Session, actor: Actor) -> list[ImportRun]:
    return list(clients_repo.import_runs(session, None if actor.reads_all else actor.login))


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


# ---------------------------------------------------------------- background runs

#: import threads of this process still running, by run id (tests join them)
BACKGROUND: dict[int, threading.Thread] = {}


def start_background(run_id: int, job: Callable[[], None]) -> threading.Thread:
    def target() -> None:
        try:
            job()
        except BaseException:  # already recorded on the run as "failed"
            log.exception("import %s failed", run_id)
        finally:
            BACKGROUND.pop(run_id, None)

    thread = threading.Thread(target=target, name=f"import-{run_id}", daemon=True)
    BACKGROUND[run_id] = thread
    thread.start()
    return thread


def wait(run_id: int, timeout: float | None = None) -> None:
    thread = BACKGROUND.get(run_id)
    if thread is not None:
        thread.join(timeout)
