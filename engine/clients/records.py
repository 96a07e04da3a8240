"""The client base: clients (companies and people), their contact persons and notes, search.

Who sees and changes what (checked here, whatever door the request came through):

- **Seeing.** Heads, analysts and admins (READ_ALL) see every client. A manager sees his own
  clients and the unowned ones: the queue of leads waiting for distribution, which is his
  group's queue, so that he can take one (set himself as its owner). Other managers' clients
  are Forbidden.
- **Changing** (edit, contact persons, notes): heads and admins change any client; a manager
  his own clients and unowned ones. Analysts change nothing. A manager may take an unowned
  client (owner: himself) but not give one away; moving a client from one manager to another
  is the head's hand-over (engine.handover), which editing the owner as a head runs.
- **Creating**: managers, heads, admins. A client a manager creates is his (the default; he
  may not name another owner). A head or admin names an owner, or leaves it empty: then the
  client goes through distribution (engine.distribution.distribute_new) and its decision is
  recorded as a "distributed" client event.
- **Duplicates**: creating through the UI or the API first looks for clients it would
  duplicate (engine.duplicates: the same tax id, a contact's phone or e-mail, a very similar
  name) and is refused with them and the reasons (DuplicateClient) unless the user confirms
  "create anyway". The facade's create for scripts and tests checks only when asked.

Every create and edit is a client event: "created" with the values, "edited" with the changed
fields (old -> new); contact persons added, changed or removed are "edited" events naming the
contact. Tax ids (ИНН) are checked by engine.tax_ids: 10 digits for a company, 12 for a person,
with their check digits. Names, phones and e-mails keep their normalised keys (storage.keys),
which search and duplicate detection compare.

Errors are per field: ``InputInvalid`` with ``details["fields"]`` (English) and
``details["codes"]`` ({field: {"code", ...parameters}}) for the UI to say in the user's language.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.clients import duplicates, tax_ids
from engine.shared.access import HEADS, SELLERS, Actor, require
from engine.shared.errors import (
    ClientMerged,
    DuplicateClient,
    Forbidden,
    InputInvalid,
    NotFound,
)
from storage import keys
from storage.models import Client, ClientEvent, Contact, Segment, User, utcnow
from storage.repositories import accounts as accounts_repo
from storage.repositories import clients as clients_repo

KINDS = ("company", "person")
SIZES = ("micro", "small", "medium", "large")
STATUSES = ("lead", "prospect", "customer", "inactive")
MERGED = "merged"
PAGE_SIZE = 50
NOTE_MAX = 4000
#: the editable fields of a client, in form order
CLIENT_FIELDS = ("name", "kind", "tax_id", "industry", "region", "size", "segment", "source", "status", "owner")
CONTACT_FIELDS = ("name", "position", "phone", "email")
_LIMITS = {"name": 300, "tax_id": 20, "industry": 100, "region": 100, "source": 100}
_CONTACT_LIMITS = {"name": 200, "position": 200, "phone": 50, "email": 254}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+[^@\s]*$")
_PHONE_CHARS = re.compile(r"^[\d\s+()./-]+$")
_MIN_PHONE_DIGITS = 5


# ---------------------------------------------------------------- per-field problems

@dataclass
class Problems:
    """Problems by field: English text for the API, a code and parameters for the UI."""

    text: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, code: str, text: str, **params: Any) -> None:
        if name not in self.text:
            self.text[name] = text
            self.codes[name] = {"code": code, **params}

    def raise_if_any(self, what: str) -> None:
        if self.text:
            raise InputInvalid(f"{what}: " + "; ".join(f"{k} {v}" for k, v in self.text.items()),
                               {"fields": dict(self.text), "codes": dict(self.codes)})


def _strings(values: Mapping[str, Any], allowed: tuple[str, ...], problems: Problems,
             prefix: str = "") -> dict[str, str | None]:
    """The given values stripped, empty ones as None; anything not text is a problem."""
    out: dict[str, str | None] = {}
    for key, value in values.items():
        name = prefix + key
        if key not in allowed:
            problems.add(name, "unknown", "is not a field (known: " + ", ".join(allowed) + ")")
            continue
        if isinstance(value, int) and not isinstance(value, bool) and key in ("tax_id", "phone"):
            value = str(value)
        if value is not None and not isinstance(value, str):
            problems.add(name, "text", "must be text")
            continue
        out[key] = (value or "").strip() or None
    return out


# ---------------------------------------------------------------- reading

def client_dict(client: Client, with_contacts: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": client.id,
        "name": client.name,
        "kind": client.kind,
        "tax_id": client.tax_id,
        "industry": client.industry,
        "region": client.region,
        "size": client.size,
        "segment": client.segment.name if client.segment else None,
        "source": client.source,
        "status": client.status,
        "owner": client.owner.login if client.owner else None,
        "merged_into_id": client.merged_into_id,
        "created_at": client.created_at.isoformat(),
        "updated_at": client.updated_at.isoformat() if client.updated_at else None,
        "last_contact_at": client.last_contact_at.isoformat() if client.last_contact_at else None,
    }
    if with_contacts:
        out["contacts"] = [contact_dict(c) for c in client.contacts]
    return out


def contact_dict(contact: Contact) -> dict[str, Any]:
    return {"id": contact.id, "client_id": contact.client_id, "name": contact.name, "position": contact.position,
            "phone": contact.phone, "email": contact.email}


def possible_owners(session: Session) -> list[dict[str, str]]:
    """Who may own clients: active managers, heads and admins (login, name), by login."""
    return [{"login": u.login, "name": u.name} for u in accounts_repo.users(session) if u.active and u.role_set & SELLERS]


def ensure_segment(session: Session, name: str) -> Segment:
    segment = clients_repo.segment_by_name(session, name)
    if segment is None:
        segment = Segment(name=name)
        session.add(segment)
        session.flush()
    return segment


def may_see_client(actor: Actor, client: Client) -> bool:
    """Everyone's for heads and analysts; a manager's own and the unowned queue."""
    return actor.reads_all or client.owner_id in (None, actor.id)


def may_change_client(actor: Actor, client: Client) -> bool:
    """Heads and admins any client; a manager (any seller) his own and unowned ones."""
    if client.merged_into_id is not None:
        return False
    return actor.has_any(HEADS) or (actor.has_any(SELLERS) and client.owner_id in (None, actor.id))


def get_client(session: Session, actor: Actor, client_id: int) -> Client:
    """A client the actor may see; a merged one raises ClientMerged naming the survivor."""
    client = clients_repo.client_by_id(session, client_id)
    if client is None:
        raise NotFound(f"no client {client_id}")
    if not may_see_client(actor, client):
        raise Forbidden(f"client {client_id} belongs to another manager")
    if client.merged_into_id is not None:
        raise ClientMerged(f"client {client_id} was merged into client {client.merged_into_id}",
                           {"merged_into_id": client.merged_into_id})
    return client


def client_for_change(session: Session, actor: Actor, client_id: int, action: str) -> Client:
    client = get_client(session, actor, client_id)
    if not may_change_client(actor, client):
        if not actor.has_any(SELLERS):
            raise Forbidden(f"{actor.login} may not {action}: reading clients is all an analyst may do")
        raise Forbidden(f"{actor.login} may not {action} of client {client_id}: it belongs to another manager")
    return client


def client_with_contacts(session: Session, actor: Actor, client_id: int) -> Client:
    get_client(session, actor, client_id)
    client = clients_repo.client_with_contacts(session, client_id)
    assert client is not None
    return client


# ---------------------------------------------------------------- search and lists

@dataclass(frozen=True)
class Filters:
    text: str | None = None
    segment: str | None = None
    owner: str | None = None  # a login, "none" (unowned) or empty
    status: str | None = None
    page: int = 1


@dataclass
class ClientPage:
    clients: list[Client]
    page: int
    has_next: bool
    filters: Filters


def search_terms(text: str | None) -> dict[str, str]:
    """One search box: digits (a phone written any way, or a tax id) search contacts' phone
    keys and tax ids; text with "@" contacts' e-mails; anything else client names (on the
    normalised name key) and contact persons' names."""
    text = (text or "").strip()[:200]
    if not text:
        return {}
    if "@" in text:
        return {"email_key": keys.email_key(text) or ""}
    digits = re.sub(r"\D", "", text)
    if digits and _PHONE_CHARS.match(text):
        terms = {"phone_key": keys.phone_key(text) or digits}
        if len(digits) in (10, 12) and digits == text:
            terms["tax_id"] = digits
        return terms
    key = keys.name_key(text)
    terms = {"contact_name": text}
    if key:
        terms["name_key"] = key
    return terms


def search_criteria(session: Session, actor: Actor, filters: Filters,
                    what: str = "the clients cannot be listed") -> dict[str, Any]:
    """The arguments of repositories.search_clients for the actor's search box and filters: his
    visibility, the search terms, the filters checked (an unknown segment, owner or status is a
    field problem). Exports use the same, so they hold what the list shows."""
    problems = Problems()
    segment_id = None
    if filters.segment:
        found = {s.name.lower(): s for s in clients_repo.segments(session)}.get(filters.segment.strip().lower())
        if found is None:
            problems.add("segment", "unknown_segment", f"unknown segment {filters.segment!r}", value=filters.segment)
        else:
            segment_id = found.id
    owner_id = None
    if filters.owner and filters.owner != "none":
        user = accounts_repo.user_by_login(session, filters.owner.strip().lower())
        if user is None:
            problems.add("owner", "unknown_user", f"no user {filters.owner!r}", value=filters.owner)
        else:
            owner_id = user.id
    if filters.status and filters.status not in STATUSES:
        problems.add("status", "choice", "must be one of: " + ", ".join(STATUSES), allowed=", ".join(STATUSES))
    if filters.page < 1:
        problems.add("page", "page", "must be 1 or more")
    problems.raise_if_any(what)
    return {**search_terms(filters.text), "visible_to": None if actor.reads_all else actor.id,
            "owner_id": owner_id, "unowned": filters.owner == "none", "segment_id": segment_id,
            "status": filters.status or None}


def search(session: Session, actor: Actor, filters: Filters, page_size: int = PAGE_SIZE) -> ClientPage:
    """A page of the clients the actor may see, sorted by name, by the search box and filters."""
    criteria = search_criteria(session, actor, filters)
    rows = list(clients_repo.search_clients(session, **criteria, limit=page_size + 1,
                                    offset=(filters.page - 1) * page_size))
    return ClientPage(rows[:page_size], filters.page, len(rows) > page_size, filters)


def list_clients(session: Session, actor: Actor, search_text: str | None = None, limit: int = 200) -> list[Client]:
    """The first ``limit`` clients the actor may see matching the search box, by name."""
    return search(session, actor, Filters(text=search_text), page_size=limit).clients


# ---------------------------------------------------------------- checking values

def _segment(session: Session, name: str, problems: Problems) -> Segment | None:
    known = list(clients_repo.segments(session))
    found = next((s for s in known if s.name.lower() == name.lower()), None)
    if found is None:
        listed = ", ".join(s.name for s in known) or "none defined"
        problems.add("segment", "unknown_segment", f"unknown segment {name!r} (known: {listed})",
                     value=name, known=listed)
    return found


def _owner(session: Session, actor: Actor, login: str, current: int | None, problems: Problems) -> User | None:
    login = login.lower()
    user = accounts_repo.user_by_login(session, login)
    if user is not None and user.id == current:
        return user
    if login != actor.login and not actor.has_any(HEADS):
        raise Forbidden("only the head of sales may give a client to another manager")
    if user is None:
        problems.add("owner", "unknown_user", f"no user {login!r}", value=login)
    elif not user.active or not (user.role_set & SELLERS):
        problems.add("owner", "cannot_own", f"{login} cannot own clients (not an active manager)", value=login)
        return None
    return user


def _check_client(session: Session, actor: Actor, given: dict[str, str | None], problems: Problems,
                  current: Client | None) -> dict[str, Any]:
    """Model values for the given fields (those present); problems for bad ones."""
    out: dict[str, Any] = {}
    for name, limit in _LIMITS.items():
        value = given.get(name)
        if value is not None and len(value) > limit:
            problems.add(name, "maxlength", f"must be at most {limit} characters", limit=limit)
    if "name" in given:
        if not given["name"]:
            problems.add("name", "required", "is required")
        else:
            out["name"] = given["name"]
    for name, allowed in (("kind", KINDS), ("size", SIZES), ("status", STATUSES)):
        if name not in given:
            continue
        value = (given[name] or "").lower() or None
        if value is not None and value not in allowed:
            problems.add(name, "choice", "must be one of: " + ", ".join(allowed), allowed=", ".join(allowed))
        elif value is None and name != "size":
            problems.add(name, "required", "is required")
        else:
            out[name] = value
    for name in ("industry", "region", "source"):
        if name in given:
            out[name] = given[name]
    if "tax_id" in given:
        out["tax_id"] = tax_ids.normalise(given["tax_id"]) or None
    kind = out.get("kind", current.kind if current else "company")
    tax = out.get("tax_id", current.tax_id if current else None)
    changed = current is None or tax != current.tax_id or kind != current.kind
    if tax and changed and "tax_id" not in problems.text and "kind" not in problems.text:
        problem = tax_ids.problem(tax, kind)
        if problem is not None:
            problems.add("tax_id", "tax_" + problem.code, problem.text, digits=len(tax))
    if "segment" in given:
        out["segment"] = _segment(session, given["segment"], problems) if given["segment"] else None
    if "owner" in given and given["owner"]:
        out["owner"] = _owner(session, actor, given["owner"], current.owner_id if current else None, problems)
    elif "owner" in given:
        out["owner"] = None
    return out


def _check_contact(given: dict[str, str | None], problems: Problems, prefix: str = "",
                   current: Contact | None = None) -> dict[str, Any]:
    for name, limit in _CONTACT_LIMITS.items():
        value = given.get(name)
        if value is not None and len(value) > limit:
            problems.add(prefix + name, "maxlength", f"must be at most {limit} characters", limit=limit)
    out: dict[str, Any] = dict(given)
    phone = given.get("phone")
    if phone:
        key = keys.phone_key(phone)
        if not _PHONE_CHARS.match(phone):
            problems.add(prefix + "phone", "phone_chars", "may contain only digits, spaces and + ( ) - .")
        elif key is None or len(key) < _MIN_PHONE_DIGITS:
            problems.add(prefix + "phone", "phone_short",
                         f"is not a phone number: it needs at least {_MIN_PHONE_DIGITS} digits",
                         digits=_MIN_PHONE_DIGITS)
        out["phone_key"] = key
    elif "phone" in given:
        out["phone_key"] = None
    email = given.get("email")
    if email:
        if not _EMAIL.match(email):
            problems.add(prefix + "email", "email", "is not an e-mail address like name@example.com")
        out["email_key"] = keys.email_key(email)
    elif "email" in given:
        out["email_key"] = None
    merged = {k: (current and getattr(current, k)) for k in CONTACT_FIELDS} | {k: given.get(k) for k in given}
    if not any(merged.get(k) for k in ("name", "phone", "email")):
        problems.add(prefix + "name", "contact_empty", "give the contact's name, phone or e-mail")
    out["name"] = out.get("name") or (current.name if current and "name" not in given else "") or ""
    return out


def _shown(value: Any) -> Any:
    """A value as a client event records it: names of segments and logins of owners."""
    if isinstance(value, Segment):
        return value.name
    if isinstance(value, User):
        return value.login
    return value


def record_event(session: Session, client_id: int, type_: str, actor: Actor, now: datetime,
                 data: dict[str, Any]) -> ClientEvent:
    """One event of the client's own (note, created, edited, owner, merged...); bulk writers
    (imports, distribution, hand-overs) insert theirs through repositories.add_client_events."""
    event = ClientEvent(client_id=client_id, at=now, type=type_, actor=actor.login, data=data)
    session.add(event)
    return event


# ---------------------------------------------------------------- creating

@dataclass
class Created:
    client: Client
    #: the distribution decision when the client was created without an owner
    decision: Any = None


def _duplicates_found(found: list[duplicates.Duplicate]) -> DuplicateClient:
    listed = [{"id": d.client.id, "name": d.client.name, "status": d.client.status,
               "owner": d.client.owner.login if d.client.owner else None,
               "reasons": [reason_of(r) for r in d.reasons]} for d in found]
    text = "; ".join(r["text"] + f" as #{d['id']} {d['name']}" for d in listed for r in d["reasons"])
    return DuplicateClient(f"the client looks like one that exists: {text}. Check them; to create it all the "
                           "same, confirm “create anyway” (create_anyway: true)", {"duplicates": listed})


def reason_of(reason: str) -> dict[str, str]:
    """A duplicate reason of engine.duplicates ("tax id 77...", "phone ...", "e-mail ...",
    "name ...") as {what, value, text}."""
    for prefix, what in (("tax id ", "tax_id"), ("phone ", "phone"), ("e-mail ", "email"), ("name ", "name")):
        if reason.startswith(prefix):
            value = reason[len(prefix):]
            text = "a similar name" if what == "name" else f"the same {prefix.strip()} {value}"
            return {"what": what, "value": value, "text": text}
    return {"what": "other", "value": reason, "text": reason}


def possible_duplicates(session: Session, client: Client) -> list[dict[str, Any]]:
    """Live clients the given one may duplicate (its own tax id, contacts and name)."""
    found = duplicates.find(session, client.name, client.tax_id, [c.phone for c in client.contacts],
                            [c.email for c in client.contacts], exclude_id=client.id)
    return [{"id": d.client.id, "name": d.client.name, "owner": d.client.owner.login if d.client.owner else None,
             "reasons": [reason_of(r) for r in d.reasons]} for d in found]


def create_client(session: Session, actor: Actor, values: Mapping[str, Any], now: datetime | None = None,
                  contact: Mapping[str, Any] | None = None, check_duplicates: bool = False) -> Created:
    """A new client (and its first contact person). ``values``: the CLIENT_FIELDS given.
    With ``check_duplicates`` a client that looks like an existing one is refused
    (DuplicateClient, listing them); without an owner it is distributed by the rules."""
    require(actor, SELLERS, "create clients")
    now = now or utcnow()
    problems = Problems()
    given = _strings(values, CLIENT_FIELDS, problems)
    given.setdefault("name", None)
    out = _check_client(session, actor, given, problems, None)
    person: dict[str, Any] | None = None
    if contact:
        contact_given = _strings(contact, CONTACT_FIELDS, problems, "contact_")
        if any(contact_given.values()):
            person = _check_contact(contact_given, problems, "contact_")
    if out.get("owner") is None and "owner" not in problems.text and "manager" in actor.roles:
        out["owner"] = _owner(session, actor, actor.login, None, problems)
    problems.raise_if_any("the client cannot be created")
    if check_duplicates:
        found = duplicates.find(session, out["name"], out.get("tax_id"), [person and person.get("phone")],
                                [person and person.get("email")])
        if found:
            raise _duplicates_found(found)
    client = Client(name=out["name"], name_key=keys.name_key(out["name"]), kind=out.get("kind") or "company",
                    tax_id=out.get("tax_id"), industry=out.get("industry"), region=out.get("region"),
                    size=out.get("size"), source=out.get("source"), status=out.get("status") or "lead",
                    segment=out.get("segment"), owner=out.get("owner"), created_at=now)
    session.add(client)
    session.flush()
    if person is not None:
        session.add(Contact(client_id=client.id, created_at=now, **person))
    data = {k: _shown(v) for k, v in out.items() if v is not None}
    if person is not None:
        data["contact"] = person.get("name") or person.get("phone") or person.get("email")
    record_event(session, client.id, "created", actor, now, data)
    session.flush()
    decision = None
    if client.owner_id is None:
        from engine.organization import distribution

        decided = distribution.distribute_new(session, now, actor.login, [client])
        decision = decided[0] if decided else None
    return Created(client, decision)


# ---------------------------------------------------------------- editing

def update_client(session: Session, specs: Any, actor: Actor, client_id: int, values: Mapping[str, Any],
                  now: datetime) -> Client:
    """Change the given fields; an "edited" event lists what changed (old -> new). A new owner:
    a head's change of an owned client is a hand-over (its tasks and contacts move too, an
    "owner" event); taking an unowned client, or a head putting one back in the queue, an
    "owner" event."""
    client = client_for_change(session, actor, client_id, "edit clients")
    problems = Problems()
    given = _strings(values, CLIENT_FIELDS, problems)
    out = _check_client(session, actor, given, problems, client)
    if "owner" in out and out["owner"] is None and client.owner_id is not None and not actor.has_any(HEADS):
        raise Forbidden("only the head of sales may put a client back in the queue")
    problems.raise_if_any("the client cannot be changed")
    changes: dict[str, list[Any]] = {}
    for name, value in out.items():
        if name == "owner":
            continue
        old = getattr(client, name)
        if _shown(old) != _shown(value):
            changes[name] = [_shown(old), _shown(value)]
            setattr(client, name, value)
    if "name" in changes:
        client.name_key = keys.name_key(client.name)
    new_owner = out.get("owner", client.owner) if "owner" in out else client.owner
    if changes:
        client.updated_at = now
        record_event(session, client.id, "edited", actor, now, {"changes": changes})
    if (new_owner.id if new_owner else None) != client.owner_id:
        _change_owner(session, specs, actor, client, new_owner, now)
    session.flush()
    return client


def _change_owner(session: Session, specs: Any, actor: Actor, client: Client, owner: User | None,
                  now: datetime) -> None:
    if client.owner is not None and owner is not None:
        from engine.organization import handover

        handover.hand_over(session, specs, actor, client.owner.login, owner.login, [client.id], None, None, now)
        return
    old = client.owner.login if client.owner else None
    client.owner_id, client.owner, client.updated_at = (owner.id if owner else None), owner, now
    # how: "taken" (a manager took it from the queue), "given" (a head gave it), "queued" (put back)
    how = "taken" if owner is not None and owner.id == actor.id else ("given" if owner is not None else "queued")
    record_event(session, client.id, "owner", actor, now,
                 {"from": old, "to": owner.login if owner else None, "how": how, "client": client.name})


# ---------------------------------------------------------------- contact persons and notes

def add_contact(session: Session, actor: Actor, client_id: int, values: Mapping[str, Any], now: datetime) -> Contact:
    client = client_for_change(session, actor, client_id, "change contact persons")
    problems = Problems()
    checked = _check_contact(_strings(values, CONTACT_FIELDS, problems), problems)
    problems.raise_if_any("the contact cannot be added")
    contact = Contact(client_id=client.id, created_at=now, **checked)
    session.add(contact)
    session.flush()
    record_event(session, client.id, "edited", actor, now,
                 {"contact": _contact_label(contact), "contact_id": contact.id, "action": "added"})
    client.updated_at = now
    return contact


def _contact_for_change(session: Session, actor: Actor, contact_id: int) -> tuple[Contact, Client]:
    contact = clients_repo.contact_by_id(session, contact_id)
    if contact is None:
        raise NotFound(f"no contact person {contact_id}")
    return contact, client_for_change(session, actor, contact.client_id, "change contact persons")


def _contact_label(contact: Contact) -> str:
    return contact.name or contact.phone or contact.email or f"#{contact.id}"


def update_contact(session: Session, actor: Actor, contact_id: int, values: Mapping[str, Any],
                   now: datetime) -> Contact:
    contact, client = _contact_for_change(session, actor, contact_id)
    problems = Problems()
    checked = _check_contact(_strings(values, CONTACT_FIELDS, problems), problems, current=contact)
    problems.raise_if_any("the contact cannot be changed")
    changes: dict[str, list[Any]] = {}
    for name, value in checked.items():
        if getattr(contact, name) != value:
            if name in CONTACT_FIELDS:
                changes[name] = [getattr(contact, name), value]
            setattr(contact, name, value)
    if changes:
        client.updated_at = now
        record_event(session, client.id, "edited", actor, now, {"contact": _contact_label(contact),
                                                                "contact_id": contact.id, "action": "changed",
                                                                "changes": changes})
    session.flush()
    return contact


def delete_contact(session: Session, actor: Actor, contact_id: int, now: datetime) -> int:
    """Remove a contact person; the client's id."""
    contact, client = _contact_for_change(session, actor, contact_id)
    record_event(session, client.id, "edited", actor, now,
                 {"contact": _contact_label(contact), "contact_id": contact.id, "action": "removed"})
    client.updated_at = now
    session.delete(contact)
    session.flush()
    return client.id


def add_note(session: Session, actor: Actor, client_id: int, text: Any, now: datetime) -> ClientEvent:
    client = client_for_change(session, actor, client_id, "add notes")
    problems = Problems()
    if text is not None and not isinstance(text, str):
        problems.add("text", "text", "must be text")
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text and "text" not in problems.text:
        problems.add("text", "required", "is required")
    elif len(text) > NOTE_MAX:
        problems.add("text", "maxlength", f"must be at most {NOTE_MAX} characters", limit=NOTE_MAX)
    problems.raise_if_any("the note cannot be added")
    event = record_event(session, client.id, "note", actor, now, {"text": text})
    session.flush()
    return event


def note_dict(event: ClientEvent) -> dict[str, Any]:
    return {"id": event.id, "client_id": event.client_id, "at": event.at.isoformat(), "actor": event.actor,
            "text": event.data.get("text")}
