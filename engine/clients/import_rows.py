"""One file's rows on their way in: each row checked on its own (parse_row), then against the
file's earlier rows and the existing clients (Importer.classify), and a batch written in bulk
(Importer.write). engine.clients.imports drives it over a whole file, batch by batch.

A duplicate of a client the importing user may not see (another manager's) is named only as
"a client of another manager", with the value of the row that matched.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.clients import tax_ids
from engine.clients.checks import KINDS, SIZES, STATUSES
from engine.clients.duplicates import KnownKeys
from engine.clients.files import BY_FIELD
from engine.shared.access import HEADS, SELLERS, Actor
from storage import keys
from storage.repositories import accounts as accounts_repo
from storage.repositories import client_files as client_files_repo
from storage.repositories import clients as clients_repo

#: gives the new clients of a batch that have no owner to distribution (the organization level
#: passes it in: session, now, the importing user's login, client ids)
Distribute = Callable[[Session, datetime, str, list[int]], None]

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


def _duplicate_of_hidden(what: str, value: str) -> Problem:
    """A duplicate of a client the importing user may not see: no id, no name."""
    value = value if what != "name" else ""
    shown = f" {value}" if value else ""
    return Problem("duplicate_hidden", {"what": what, "value": value},
                   f"duplicate of a client of another manager: same {_WHAT[what]}{shown}")


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

    def __init__(self, actor: Actor, refs: References, distribute: Distribute | None = None) -> None:
        self.actor, self.refs, self.distribute = actor, refs, distribute
        self.by_tax: dict[str, Entry] = {}
        self.by_name: dict[str, Entry] = {}
        self.phones: dict[str, int] = {}  # contact keys of accepted rows -> row
        self.emails: dict[str, int] = {}
        self.processed = self.imported = self.batches = 0
        self.rejected: list[dict[str, Any]] = []

    def classify(self, session: Session, rows: list[tuple[int, dict[str, str]]]) -> list[Outcome]:
        """Decide each row of a batch, in file order (reads the database, writes nothing)."""
        client_files_repo.avoid_trigram_lookups(session)
        parsed = [parse_row(number, values, self.refs, self.actor) for number, values in rows]
        candidates = [p for p in parsed if isinstance(p, Candidate)]
        contacts = [c.contact for c in candidates if c.contact]
        known = KnownKeys.load(session, [c.client["tax_id"] for c in candidates if c.client["tax_id"]],
                               [c["phone_key"] for c in contacts if c["phone_key"]],
                               [c["email_key"] for c in contacts if c["email_key"]],
                               [c.client["name_key"] for c in candidates])
        labels = client_files_repo.client_labels(session, [*known.tax_ids.values(), *known.phones.values(),
                                                         *known.emails.values(), *known.names.values()])
        outcomes = []
        for (number, _), item in zip(rows, parsed):
            if isinstance(item, Candidate):
                outcomes.append(self._place(item, known, labels))
            else:
                outcomes.append(Outcome(number, item))
        return outcomes

    def _place(self, c: Candidate, known: KnownKeys, labels: dict[int, tuple[str, str | None, int | None]]) -> Outcome:
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

    def _existing(self, c: Candidate, known: KnownKeys, labels: dict[int, tuple[str, str | None, int | None]],
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
                name, existing_tax, owner_id = labels.get(client_id, ("", None, None))
                if what == "name" and tax and existing_tax and existing_tax != tax:
                    continue  # the same name, but another legal entity
                if not (self.actor.reads_all or owner_id in (None, self.actor.id)):
                    return _duplicate_of_hidden(what, shown or "")
                return _duplicate_of_client(client_id, name, what, shown or "")
        return None

    def write(self, session: Session, outcomes: list[Outcome], run_id: int, filename: str, now: datetime) -> None:
        """Insert a classified batch in bulk, have its unowned clients distributed (``distribute``),
        count it on the run."""
        new = [o for o in outcomes if o.accepted and o.new_client]
        ids = client_files_repo.insert_clients(session, [{**o.candidate.client, "created_at": now}  # type: ignore[union-attr]
                                            for o in new])
        for outcome, client_id in zip(new, ids):
            outcome.entry.client_id = client_id  # type: ignore[union-attr]
        accepted = [o for o in outcomes if o.accepted]
        contacts, events = [], []
        for o in accepted:
            assert o.entry is not None
            c, row_client = o.candidate, o.entry.client_id
            assert c is not None and row_client is not None
            if c.contact:
                contacts.append({**c.contact, "client_id": row_client, "created_at": now})
            data: dict[str, Any] = {"run": run_id, "file": filename, "row": o.row}
            if not o.new_client:
                data["contact"] = (c.contact or {}).get("name") or ""
            events.append({"client_id": row_client, "at": now, "type": "imported", "actor": self.actor.login,
                           "data": data})
            if c.note:
                events.append({"client_id": row_client, "at": now, "type": "note", "actor": self.actor.login,
                               "data": {"text": c.note, "run": run_id, "row": o.row}})
        client_files_repo.insert_contacts(session, contacts)
        clients_repo.add_client_events(session, events)
        unowned = [client_id for o, client_id in zip(new, ids)
                   if o.candidate is not None and o.candidate.client["owner_id"] is None]
        if unowned and self.distribute is not None:
            self.distribute(session, now, self.actor.login, unowned)
        self.processed += len(outcomes)
        self.imported += len(accepted)
        self.rejected.extend(rejection(o.row, o.problems) for o in outcomes if not o.accepted)
        client_files_repo.update_import_run(session, run_id, processed=self.processed, imported=self.imported,
                               rejected=list(self.rejected))
        self.batches += 1
        if self.batches & (self.batches - 1) == 0:  # batches 1, 2, 4, 8...: the tables keep growing
            client_files_repo.refresh_client_statistics(session)


def rejection(row: int, problems: list[Problem]) -> dict[str, Any]:
    return {"row": row, "reason": "; ".join(p.text for p in problems), "problems": [p.as_dict() for p in problems]}

