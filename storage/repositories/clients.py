"""The client base: search, duplicates, timeline, merge, import and export. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    Table,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from storage.models import (
    Activity,
    Client,
    ClientEvent,
    Contact,
    Cycle,
    HistoryEvent,
    OpenTask,
    Segment,
    WorkDone,
)
from storage.repositories._common import _is_postgresql


def segment_by_name(session: Session, name: str) -> Segment | None:
    return session.scalar(select(Segment).where(Segment.name == name))


def segments(session: Session) -> Sequence[Segment]:
    return session.scalars(select(Segment).order_by(Segment.name)).all()


def client_by_id(session: Session, client_id: int) -> Client | None:
    return session.get(Client, client_id, options=[joinedload(Client.segment), joinedload(Client.owner)])


def clients(session: Session, owner_id: int | None = None, search: str | None = None,
            limit: int = 200, offset: int = 0) -> Sequence[Client]:
    query = (select(Client).order_by(Client.name, Client.id)
             .options(joinedload(Client.segment), joinedload(Client.owner)))
    if owner_id is not None:
        query = query.where(Client.owner_id == owner_id)
    if search:
        query = query.where(func.lower(Client.name).contains(search.lower()))
    return session.scalars(query.limit(limit).offset(offset)).unique().all()


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's own characters escaped by backslashes (PostgreSQL's default escape;
    SQLite needs ``escape="\\\\"``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _client_search(session: Session, query: Any, *, name_key: str | None = None, contact_name: str | None = None,
                   phone_key: str | None = None, email_key: str | None = None, tax_id: str | None = None,
                   visible_to: int | None = None, owner_id: int | None = None, unowned: bool = False,
                   segment_id: int | None = None, status: str | None = None) -> Any:
    """``query`` (over clients) narrowed to live clients by the search terms and filters of
    search_clients; the one place they are turned into conditions (the list and exports)."""
    query = query.where(Client.merged_into_id.is_(None))
    # backslash is PostgreSQL's own LIKE escape: no ESCAPE clause there, so the plain ~~ / ~~*
    # operators meet the trigram indexes; SQLite needs the clause
    esc = None if _is_postgresql(session) else "\\"
    parts: list[Any] = []
    if name_key:
        parts.append(select(Client.id).where(Client.name_key.like(like_pattern(name_key), escape=esc)))
    if contact_name:
        parts.append(select(Contact.client_id).where(Contact.name.ilike(like_pattern(contact_name), escape=esc)))
    if phone_key:
        parts.append(select(Contact.client_id).where(Contact.phone_key.like(like_pattern(phone_key), escape=esc)))
    if email_key:
        parts.append(select(Contact.client_id).where(Contact.email_key.like(like_pattern(email_key), escape=esc)))
    if tax_id:
        parts.append(select(Client.id).where(Client.tax_id == tax_id))
    if len(parts) == 1 and name_key:
        query = query.where(Client.name_key.like(like_pattern(name_key), escape=esc))
    elif parts:
        query = query.where(Client.id.in_(parts[0] if len(parts) == 1 else parts[0].union_all(*parts[1:])))
    if visible_to is not None:
        query = query.where(or_(Client.owner_id == visible_to, Client.owner_id.is_(None)))
    if owner_id is not None:
        query = query.where(Client.owner_id == owner_id)
    if unowned:
        query = query.where(Client.owner_id.is_(None))
    if segment_id is not None:
        query = query.where(Client.segment_id == segment_id)
    if status:
        query = query.where(Client.status == status)
    return query


def search_clients(session: Session, *, limit: int = 50, offset: int = 0, after: tuple[str, int] | None = None,
                   **criteria: Any) -> Sequence[Client]:
    """Live clients (not merged away) sorted by name, a page of them.

    The text terms are alternatives (a client matching any of them is found), each a substring
    match on an indexed key column, so PostgreSQL's trigram GIN indexes answer them:
    ``clients.name_key LIKE %name_key%``, ``contacts.phone_key LIKE %phone_key%``,
    ``contacts.email_key LIKE %email_key%``; ``tax_id`` is an equality on its b-tree index.
    ``contact_name`` (``contacts.name ILIKE``) has no index yet: a scan of contacts.
    Filters: ``visible_to`` (a manager: his clients and unowned ones), ``owner_id`` or
    ``unowned``, ``segment_id``, ``status``. Several terms become one ``id IN (... UNION ALL ...)``.
    ``after`` (name, id) of the last client of the page before: keyset paging, any depth at one cost."""
    query = _client_search(session, select(Client).options(joinedload(Client.segment), joinedload(Client.owner)),
                           **criteria)
    if after is not None:
        query = query.where(tuple_(Client.name, Client.id) > tuple_(literal(after[0]), literal(after[1])))
    return session.scalars(query.order_by(Client.name, Client.id).limit(limit).offset(offset)).unique().all()


def count_rows(session: Session, model: type[Any]) -> int:
    """How many rows a table has (the demo loads only into empty ones)."""
    return session.scalar(select(func.count()).select_from(model)) or 0


def client_by_name(session: Session, name: str) -> Client | None:
    """A client by its exact name (the first, should several share it)."""
    return session.scalars(select(Client).where(Client.name == name).order_by(Client.id).limit(1)).first()


def clients_by_names(session: Session, names: Sequence[str]) -> Sequence[Client]:
    """Clients with any of these exact names, with their contacts, in id order."""
    return session.scalars(select(Client).where(Client.name.in_(list(names))).order_by(Client.id)
                           .options(selectinload(Client.contacts))).all()


def cycle_statuses_of_client(session: Session, client_id: int) -> set[str]:
    return set(session.scalars(select(Cycle.status).where(Cycle.client_id == client_id)))


def client_with_contacts(session: Session, client_id: int) -> Client | None:
    return session.get(Client, client_id, options=[joinedload(Client.segment), joinedload(Client.owner),
                                                   selectinload(Client.contacts)])


def contact_by_id(session: Session, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


def clients_for_update(session: Session, client_ids: Sequence[int]) -> list[Client]:
    """These clients with their contacts, in id order; locked on PostgreSQL."""
    query = (select(Client).where(Client.id.in_(list(client_ids))).order_by(Client.id)
             .options(joinedload(Client.segment), joinedload(Client.owner), selectinload(Client.contacts)))
    if _is_postgresql(session):
        query = query.with_for_update(of=Client)
    return list(session.scalars(query).unique().all())


#: the tables whose rows belong to a client, by what a merge reports moving
CLIENT_ROWS: dict[str, Any] = {
    "cycles": Cycle.__table__, "open_tasks": OpenTask.__table__, "history": HistoryEvent.__table__,
    "activities": Activity.__table__, "work_done": WorkDone.__table__, "contacts": Contact.__table__,
    "events": ClientEvent.__table__,
}


def client_row_counts(session: Session, client_id: int) -> dict[str, int]:
    """How many rows of each kind belong to the client (one count per table)."""
    return {name: session.scalar(select(func.count()).select_from(table).where(table.c.client_id == client_id)) or 0
            for name, table in CLIENT_ROWS.items()}


def move_client_rows(session: Session, from_id: int, to_id: int) -> dict[str, int]:
    """Every row of client ``from_id`` to client ``to_id``: one UPDATE per table; how many moved.
    Moved cycles get a new lock version, so a command working on one of them at the same moment
    fails with a concurrent change instead of writing the old client back."""
    moved: dict[str, int] = {}
    for name, table in CLIENT_ROWS.items():
        values: dict[str, Any] = {"client_id": to_id}
        if table is Cycle.__table__:
            values["lock_version"] = table.c.lock_version + 1
        moved[name] = session.execute(update(table).where(table.c.client_id == from_id)  # type: ignore[attr-defined]
                                      .values(**values)).rowcount
    # clients merged earlier into the one going away now point at the survivor
    session.execute(update(Client).where(Client.merged_into_id == from_id)
                    .values(merged_into_id=to_id))
    return moved


def clients_by_tax_ids(session: Session, tax_ids: list[str]) -> Sequence[Client]:
    return session.scalars(select(Client).where(Client.tax_id.in_(tax_ids), Client.merged_into_id.is_(None))
                           .order_by(Client.id)).all()


def clients_by_contact_keys(session: Session, phone_keys: list[str], email_keys: list[str],
                            limit: int = 200) -> Sequence[tuple[Client, Contact]]:
    """Live clients with a contact of these exact phone or e-mail keys (a few per key at most in
    practice; ``limit`` bounds a pathological key shared by thousands)."""
    if not phone_keys and not email_keys:
        return []
    condition = or_(Contact.phone_key.in_(phone_keys), Contact.email_key.in_(email_keys))
    return [(client, contact) for client, contact in session.execute(
        select(Client, Contact).join(Contact, Contact.client_id == Client.id)
        .where(condition, Client.merged_into_id.is_(None)).order_by(Client.id, Contact.id).limit(limit))]


def clients_with_name_key(session: Session, key: str, limit: int = 200) -> Sequence[Client]:
    """Live clients whose normalised name is exactly ``key`` (an index lookup, apart from the
    similar names: however many names share their first letters, these are all found)."""
    if not key:
        return []
    return session.scalars(select(Client).where(Client.name_key == key, Client.merged_into_id.is_(None))
                           .order_by(Client.id).limit(limit)).all()


def clients_with_similar_name_keys(session: Session, key: str, limit: int = 50) -> Sequence[Client]:
    """Live clients whose normalised name starts like ``key`` but is not it (a cheap first filter,
    bounded; the caller compares the names). Exact names: clients_with_name_key."""
    if not key:
        return []
    prefix = key[: max(3, min(len(key) - 1, 6))]
    return session.scalars(select(Client).where(
        Client.name_key != key, Client.merged_into_id.is_(None),
        Client.name_key.like(prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
                             escape="\\"))
        .order_by(func.abs(func.length(Client.name_key) - len(key)), Client.id).limit(limit)).all()


def client_ids_by_keys(session: Session, tax_ids: list[str], phones: list[str], emails: list[str],
                       names: list[str]) -> tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]:
    """Existing clients (not merged away) by tax id, contact phone/e-mail key and name key,
    for the given keys; queried in chunks so a big import stays within parameter limits.
    Contacts are looked up by key alone (no join to clients, which planners were seen to turn
    into a scan of every client), and contacts of merged clients dropped after."""
    def chunked(values: list[str], build: Any) -> list[tuple[str, int]]:
        unique = sorted({v for v in values if v})
        return [(key, client_id) for i in range(0, len(unique), 500)
                for key, client_id in session.execute(build(unique[i:i + 500]))]

    def first(pairs: list[tuple[str, int]], merged: frozenset[int] | set[int] = frozenset()) -> dict[str, int]:
        out: dict[str, int] = {}
        for key, client_id in pairs:
            if client_id not in merged:
                out.setdefault(key, client_id)
        return out

    live = Client.merged_into_id.is_(None)
    phone_pairs = chunked(phones, lambda c: select(Contact.phone_key, Contact.client_id).where(Contact.phone_key.in_(c)))
    email_pairs = chunked(emails, lambda c: select(Contact.email_key, Contact.client_id).where(Contact.email_key.in_(c)))
    owners = sorted({client_id for _, client_id in phone_pairs + email_pairs})
    merged = {client_id for i in range(0, len(owners), 500) for client_id in session.scalars(
        select(Client.id).where(Client.id.in_(owners[i:i + 500]), Client.merged_into_id.is_not(None)))}
    return (
        first(chunked(tax_ids, lambda c: select(Client.tax_id, Client.id).where(Client.tax_id.in_(c), live))),
        first(phone_pairs, merged),
        first(email_pairs, merged),
        first(chunked(names, lambda c: select(Client.name_key, Client.id).where(Client.name_key.in_(c), live))),
    )


def add_client_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(cast(Table, ClientEvent.__table__)), rows)  # one executemany


def client_events(session: Session, client_id: int, type_: str | None = None) -> Sequence[ClientEvent]:
    """The client's own events, oldest first (of one type, when given)."""
    query = select(ClientEvent).where(ClientEvent.client_id == client_id)
    if type_ is not None:
        query = query.where(ClientEvent.type == type_)
    return session.scalars(query.order_by(ClientEvent.at, ClientEvent.id)).all()


def recent_client_events(session: Session, type_: str, limit: int = 50) -> Sequence[tuple[ClientEvent, str]]:
    """The latest client events of one type, newest first, with the client's name."""
    rows = session.execute(select(ClientEvent, Client.name).join(Client, Client.id == ClientEvent.client_id)
                           .where(ClientEvent.type == type_)
                           .order_by(ClientEvent.at.desc(), ClientEvent.id.desc()).limit(limit)).all()
    return [(event, name) for event, name in rows]


