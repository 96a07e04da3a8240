"""The client base: clients (companies and people), their contact persons and notes, search.

Who sees and changes what (checked here, whatever door the request came through):

- **Seeing.** Heads, analysts and admins (READ_ALL) see every client. A manager sees his own clients and the
  unowned ones: the queue of leads waiting for distribution, which is his group's queue, so that he can take
  one (set himself as its owner). Other managers' clients are Forbidden.
- **Changing** (edit, contact persons, notes): heads and admins change any client; a manager his own clients
  and unowned ones. Analysts change nothing. A manager may take an unowned client (owner: himself) but not
  give one away; moving a client from one manager to another is the head's hand-over
  (engine.organization.handover), which editing the owner as a head runs through the ``hand_over`` the caller
  passes in (the client base does not call up into the organization).
- **Creating**: managers, heads, admins. A client a manager creates is his (the default; he may not name
  another owner). A head or admin names an owner, or leaves it empty: then the client goes through
  distribution (engine.organization.distribution.distribute_new, which the platform's clients service runs
  after creating it) and its decision is recorded as a "distributed" client event.
- **Duplicates**: creating through the UI or the API first looks for clients it would duplicate
  (engine.clients.duplicates: the same tax id, a contact's phone or e-mail, a very similar name) and is
  refused with them and the reasons (DuplicateClient) unless the user confirms "create anyway". A client the
  user may not see is named only "a client of another manager", with the values the user gave that matched.

Every create and edit is a client event ("created", "edited" with old -> new, contacts too). Tax ids (ИНН):
engine.clients.tax_ids. Errors are per field, as codes with parameters (engine.shared.errors.FieldProblems)."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.clients import duplicates, error_texts
from engine.clients.checks import (
    CLIENT_FIELDS,
    CONTACT_FIELDS,
    STATUSES,
    check_client,
    check_contact,
    owner_named,
    shown,
    strings,
)
from engine.clients.views import ClientView, DuplicateReason, DuplicateView, Owner
from engine.shared import cursors
from engine.shared.access import HEADS, SELLERS, Actor, require
from engine.shared.errors import ClientMerged, DuplicateClient, FieldProblems, Forbidden, NotFound
from engine.shared.notices import Notice, coded
from storage import keys
from storage.models import Client, ClientEvent, Contact, Segment, User, utcnow
from storage.repositories import accounts as accounts_repo
from storage.repositories import clients as clients_repo

MERGED = "merged"
PAGE_SIZE = 50
_PHONE_CHARS = re.compile(r"^[\d\s+()./-]+$")


# ---------------------------------------------------------------- reading

def possible_owners(session: Session) -> list[Owner]:
    """Who may own clients: active managers, heads and admins (login, name), by login."""
    return [Owner(u.login, u.name) for u in accounts_repo.users(session) if u.active and u.role_set & SELLERS]


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
        raise coded(NotFound, "client_unknown", {"client_id": str(client_id)})
    if not may_see_client(actor, client):
        raise coded(Forbidden, "client_of_another_manager", {"client_id": str(client_id)})
    if client.merged_into_id is not None:
        raise coded(ClientMerged, "client_merged_into",
                    {"client_id": str(client_id), "survivor_id": str(client.merged_into_id)},
                    {"merged_into_id": client.merged_into_id})
    return client


def client_for_change(session: Session, actor: Actor, client_id: int, action: str) -> Client:
    client = get_client(session, actor, client_id)
    if not may_change_client(actor, client):
        if not actor.has_any(SELLERS):
            raise coded(Forbidden, "client_change_analyst", {"login": actor.login, "action": action})
        raise coded(Forbidden, "client_change_not_owner",
                    {"login": actor.login, "action": action, "client_id": str(client_id)})
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
    #: the cursor of the page before (keyset paging; ``page`` is ignored when given)
    after: str | None = None


@dataclass(frozen=True)
class ClientPage:
    """A page of the client list, by name."""

    clients: tuple[ClientView, ...]
    page: int
    has_next: bool
    filters: Filters
    #: the cursor of the next page, None on the last
    next: str | None = None


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
    problems = FieldProblems()
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
    after = cursors.decode(filters.after, str, int) if filters.after else None
    rows = list(clients_repo.search_clients(session, **criteria, limit=page_size + 1, after=after,
                                            offset=0 if after else (filters.page - 1) * page_size))
    page, more = rows[:page_size], len(rows) > page_size
    return ClientPage(tuple(ClientView.of(c) for c in page), filters.page, more, filters,
                      cursors.encode(page[-1].name, page[-1].id) if more and page else None)


def list_clients(session: Session, actor: Actor, search_text: str | None = None, limit: int = 200) -> list[ClientView]:
    """The first ``limit`` clients the actor may see matching the search box, by name."""
    return list(search(session, actor, Filters(text=search_text), page_size=limit).clients)


def record_event(session: Session, client_id: int, type_: str, actor: Actor, now: datetime,
                 data: dict[str, Any]) -> ClientEvent:
    """One event of the client's own (note, created, edited, owner, merged...); bulk writers
    (imports, distribution, hand-overs) insert theirs through repositories.add_client_events."""
    event = ClientEvent(client_id=client_id, at=now, type=type_, actor=actor.login, data=data)
    session.add(event)
    return event



# ---------------------------------------------------------------- creating

#: hands a client over from its owner to another manager (engine.organization.handover, given by
#: the organization level: the client base does not call up into it)
HandOver = Callable[[Client, User], None]


@dataclass
class Created:
    client: Client
    #: the distribution decision when the client was created without an owner (set by the caller
    #: that distributes it: the platform's clients service)
    decision: Any = None


#: what a duplicate check tells about a client the actor may not see
ANOTHER_MANAGERS = "a client of another manager"


def duplicate_view(actor: Actor, found: duplicates.Duplicate) -> DuplicateView:
    """A duplicate as the actor may know it: a client he may not see is only "a client of another
    manager" with what made it a duplicate (the values the actor himself gave), no id, name,
    status or owner."""
    client = found.client
    reasons = tuple(reason_of(r) for r in found.reasons)
    if may_see_client(actor, client):
        return DuplicateView(id=client.id, name=client.name, status=client.status,
                             owner=client.owner.login if client.owner else None, hidden=False, reasons=reasons)
    return DuplicateView(id=None, name=ANOTHER_MANAGERS, status=None, owner=None, hidden=True,
                         reasons=tuple(hidden_reason(r.what, found.given.get(r.what)) for r in reasons))


def hidden_reason(what: str, given: str | None) -> DuplicateReason:
    if what == "name":
        return DuplicateReason(what, "", "a similar name")
    label = {"tax_id": "tax id", "phone": "phone", "email": "e-mail"}.get(what, what)
    value = given or ""
    return DuplicateReason(what, value, f"the same {label} {value}".strip())


def _duplicates_found(actor: Actor, found: list[duplicates.Duplicate]) -> DuplicateClient:
    listed = [duplicate_view(actor, d) for d in found]
    text = "; ".join(r.text + (f" as #{d.id} {d.name}" if d.id else f" as {d.name}")
                     for d in listed for r in d.reasons)
    english = (f"the client looks like one that exists: {text}. Check them; to create it all the same, "
               "confirm “create anyway” (create_anyway: true)")
    details = {"duplicates": [d.as_dict() for d in listed]}
    reasons = [_duplicate_reason(d, r) for d in listed for r in d.reasons]
    chained: Notice | str = reasons[-1] if reasons else ""
    for reason in reversed(reasons[:-1]):
        chained = Notice("client_duplicates_more", {"first": reason, "rest": chained})
    found_error = coded(DuplicateClient, "client_duplicates", {"reasons": chained}, details)
    return found_error if found_error.message == english else DuplicateClient(english, details)


def _duplicate_reason(found: DuplicateView, reason: DuplicateReason) -> Notice | str:
    """One reason of a duplicate, "the same phone +7 ... as #12 Acme", as a nested notice (its English
    text as written where it has no code)."""
    what: Notice | str = reason.text
    code = f"client_duplicate_{reason.what}"
    if code in error_texts.ERRORS:
        candidate = Notice(code, {} if reason.what == "name" else {"value": reason.value})
        if candidate.text == reason.text:
            what = candidate
    if found.id:
        return Notice("client_duplicate_as", {"reason": what, "id": str(found.id), "name": found.name})
    if found.name == ANOTHER_MANAGERS:
        return Notice("client_duplicate_hidden", {"reason": what})
    return f"{reason.text} as {found.name}"


def reason_of(reason: str) -> DuplicateReason:
    """A duplicate reason of engine.duplicates ("tax id 77...", "phone ...", "e-mail ...",
    "name ...") as (what, value, text)."""
    for prefix, what in (("tax id ", "tax_id"), ("phone ", "phone"), ("e-mail ", "email"), ("name ", "name")):
        if reason.startswith(prefix):
            value = reason[len(prefix):]
            text = "a similar name" if what == "name" else f"the same {prefix.strip()} {value}"
            return DuplicateReason(what, value, text)
    return DuplicateReason("other", reason, reason)


def possible_duplicates(session: Session, actor: Actor, client: Client) -> list[DuplicateView]:
    """Live clients the given one may duplicate (its own tax id, contacts and name), as the actor
    may know them."""
    found = duplicates.find(session, client.name, client.tax_id, [c.phone for c in client.contacts],
                            [c.email for c in client.contacts], exclude_id=client.id)
    return [duplicate_view(actor, d) for d in found]


def create_client(session: Session, actor: Actor, values: Mapping[str, Any], now: datetime | None = None,
                  contact: Mapping[str, Any] | None = None, check_duplicates: bool = False) -> Created:
    """A new client (and its first contact person). ``values``: the CLIENT_FIELDS given.
    With ``check_duplicates`` a client that looks like an existing one is refused
    (DuplicateClient, listing them). A client left without an owner is for the caller to
    distribute (the platform's clients service asks the organization)."""
    require(actor, SELLERS, "create clients")
    now = now or utcnow()
    problems = FieldProblems()
    given = strings(values, CLIENT_FIELDS, problems)
    given.setdefault("name", None)
    out = check_client(session, actor, given, problems, None)
    person: dict[str, Any] | None = None
    if contact:
        contact_given = strings(contact, CONTACT_FIELDS, problems, "contact_")
        if any(contact_given.values()):
            person = check_contact(contact_given, problems, "contact_")
    if out.get("owner") is None and "owner" not in problems.text and "manager" in actor.roles:
        out["owner"] = owner_named(session, actor, actor.login, None, problems)
    problems.raise_if_any("the client cannot be created")
    if check_duplicates:
        phone = person.get("phone") if person else None
        email = person.get("email") if person else None
        found = duplicates.find(session, out["name"], out.get("tax_id"), [phone], [email])
        if found:
            raise _duplicates_found(actor, found)
    client = Client(name=out["name"], name_key=keys.name_key(out["name"]), kind=out.get("kind") or "company",
                    tax_id=out.get("tax_id"), industry=out.get("industry"), region=out.get("region"),
                    size=out.get("size"), source=out.get("source"), status=out.get("status") or "lead",
                    segment=out.get("segment"), owner=out.get("owner"), created_at=now)
    session.add(client)
    session.flush()
    if person is not None:
        session.add(Contact(client_id=client.id, created_at=now, **person))
    data = {k: shown(v) for k, v in out.items() if v is not None}
    if person is not None:
        data["contact"] = person.get("name") or person.get("phone") or person.get("email")
    record_event(session, client.id, "created", actor, now, data)
    session.flush()
    return Created(client)


# ---------------------------------------------------------------- editing

def update_client(session: Session, hand_over: HandOver, actor: Actor, client_id: int, values: Mapping[str, Any],
                  now: datetime) -> Client:
    """Change the given fields; an "edited" event lists what changed (old -> new). A new owner:
    a head's change of an owned client is a hand-over (``hand_over``: its tasks and contacts
    move too, an "owner" event); taking an unowned client, or a head putting one back in the
    queue, an "owner" event."""
    client = client_for_change(session, actor, client_id, "edit clients")
    problems = FieldProblems()
    given = strings(values, CLIENT_FIELDS, problems)
    out = check_client(session, actor, given, problems, client)
    if "owner" in out and out["owner"] is None and client.owner_id is not None and not actor.has_any(HEADS):
        raise coded(Forbidden, "client_back_to_queue", {})
    problems.raise_if_any("the client cannot be changed")
    changes: dict[str, list[Any]] = {}
    for name, value in out.items():
        if name == "owner":
            continue
        old = getattr(client, name)
        if shown(old) != shown(value):
            changes[name] = [shown(old), shown(value)]
            setattr(client, name, value)
    if "name" in changes:
        client.name_key = keys.name_key(client.name)
    new_owner = out.get("owner", client.owner) if "owner" in out else client.owner
    if changes:
        client.updated_at = now
        record_event(session, client.id, "edited", actor, now, {"changes": changes})
    if (new_owner.id if new_owner else None) != client.owner_id:
        if client.owner is not None and new_owner is not None:
            hand_over(client, new_owner)
        else:
            _change_owner(session, actor, client, new_owner, now)
    session.flush()
    return client


def _change_owner(session: Session, actor: Actor, client: Client, owner: User | None, now: datetime) -> None:
    old = client.owner.login if client.owner else None
    client.owner_id, client.owner, client.updated_at = (owner.id if owner else None), owner, now
    # how: "taken" (a manager took it from the queue), "given" (a head gave it), "queued" (put back)
    how = "taken" if owner is not None and owner.id == actor.id else ("given" if owner is not None else "queued")
    record_event(session, client.id, "owner", actor, now,
                 {"from": old, "to": owner.login if owner else None, "how": how, "client": client.name})
