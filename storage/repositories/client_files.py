"""Client import and export: bulk inserts, import runs, rows for the export. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from storage.models import (
    Client,
    Contact,
    ImportRun,
    Segment,
    StoredUpload,
    UploadChunk,
    User,
)
from storage.repositories._common import _is_postgresql
from storage.repositories.clients import _client_search


def insert_clients(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert (one executemany); the new ids, in the order of ``rows``.

    The ids are taken first, so no RETURNING is needed (psycopg sends an executemany far
    faster): from the id sequence on PostgreSQL (safe beside other writers), above the highest
    id on SQLite (its writing transaction excludes other writers)."""
    if not rows:
        return []
    if _is_postgresql(session):
        ids = list(session.scalars(text("SELECT nextval(pg_get_serial_sequence('clients', 'id')) "
                                        "FROM generate_series(1, :n)"), {"n": len(rows)}))
    else:
        top = session.scalar(select(func.max(Client.id))) or 0
        ids = list(range(top + 1, top + 1 + len(rows)))
    session.execute(insert(cast(Table, Client.__table__)), [{**row, "id": client_id} for row, client_id in zip(rows, ids)])
    return ids


def insert_contacts(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(cast(Table, Contact.__table__)), rows)


def client_labels(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str | None, int | None]]:
    """id -> (name, tax id, owner id) of these clients, in chunks within parameter limits."""
    unique = sorted(set(ids))
    out: dict[int, tuple[str, str | None, int | None]] = {}
    for i in range(0, len(unique), 500):
        for client_id, name, tax_id, owner_id in session.execute(
                select(Client.id, Client.name, Client.tax_id, Client.owner_id).where(Client.id.in_(unique[i:i + 500]))):
            out[client_id] = (name, tax_id, owner_id)
    return out


def import_run(session: Session, run_id: int) -> ImportRun | None:
    return session.get(ImportRun, run_id)


def import_runs(session: Session, created_by: str | None = None, limit: int = 100) -> Sequence[ImportRun]:
    """Import runs, newest first (those of one login when given)."""
    query = select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)
    if created_by is not None:
        query = query.where(ImportRun.created_by == created_by)
    return session.scalars(query).all()


def update_import_run(session: Session, run_id: int, **values: Any) -> None:
    session.execute(update(ImportRun).where(ImportRun.id == run_id).values(**values),
                    execution_options={"synchronize_session": False})


def avoid_trigram_lookups(session: Session) -> None:
    """For the rest of this transaction, no bitmap scans (PostgreSQL; nothing elsewhere). Trigram
    GIN indexes can be read only through bitmap scans, and the planner was seen to pick them for
    lookups by equal key, estimating milliseconds for what took seconds (keys of digits share
    their trigrams), over b-tree indexes or a plain scan."""
    if _is_postgresql(session):
        session.execute(text("SET LOCAL enable_bitmapscan = off"))


def refresh_client_statistics(session: Session) -> None:
    """Fresh planner statistics for clients and contacts after a bulk load (PostgreSQL's ANALYZE;
    nothing elsewhere): with the statistics of a much smaller table, key lookups turn into scans."""
    if _is_postgresql(session):
        session.execute(text("ANALYZE clients, contacts"))


def clients_for_export(session: Session, *, after_id: int = 0, limit: int = 1000, **criteria: Any) -> Sequence[Any]:
    """The clients search_clients finds (the same terms and filters), a page in id order after
    ``after_id`` rather than by name (an export reads them all), as plain rows:
    (id, name, kind, tax_id, industry, region, size, source, status, segment, owner login)."""
    query = (select(Client.id, Client.name, Client.kind, Client.tax_id, Client.industry, Client.region,
                    Client.size, Client.source, Client.status, Segment.name.label("segment"),
                    User.login.label("owner"))
             .outerjoin(Segment, Segment.id == Client.segment_id)
             .outerjoin(User, User.id == Client.owner_id)
             .where(Client.id > after_id))
    query = _client_search(session, query, **criteria)
    return session.execute(query.order_by(Client.id).limit(limit)).all()


def contact_rows_of_clients(session: Session, client_ids: Sequence[int]) -> Sequence[Any]:
    """(client_id, name, position, phone, email) of these clients' contacts, by client and id."""
    return session.execute(select(Contact.client_id, Contact.name, Contact.position, Contact.phone, Contact.email)
                           .where(Contact.client_id.in_(list(client_ids)))
                           .order_by(Contact.client_id, Contact.id)).all()


# ---------------------------------------------------------------- stored uploads and import claims

def add_upload(session: Session, upload: StoredUpload) -> None:
    session.add(upload)
    session.flush()


def add_upload_chunk(session: Session, upload_id: str, seq: int, data: bytes) -> None:
    session.execute(insert(UploadChunk).values(upload_id=upload_id, seq=seq, data=data))


def set_upload_size(session: Session, upload_id: str, size: int) -> None:
    session.execute(update(StoredUpload).where(StoredUpload.id == upload_id).values(size=size))


def stored_upload(session: Session, upload_id: str) -> StoredUpload | None:
    return session.get(StoredUpload, upload_id)


def upload_chunk_seqs(session: Session, upload_id: str) -> list[int]:
    return list(session.scalars(select(UploadChunk.seq).where(UploadChunk.upload_id == upload_id)
                                .order_by(UploadChunk.seq)))


def upload_chunk(session: Session, upload_id: str, seq: int) -> bytes:
    return cast(bytes, session.scalar(select(UploadChunk.data).where(UploadChunk.upload_id == upload_id,
                                                                      UploadChunk.seq == seq)))


def delete_uploads(session: Session, upload_ids: Sequence[str]) -> None:
    if upload_ids:
        session.execute(delete(UploadChunk).where(UploadChunk.upload_id.in_(upload_ids)))
        session.execute(delete(StoredUpload).where(StoredUpload.id.in_(upload_ids)))


def uploads_older_than(session: Session, cutoff: datetime, keep: Iterable[str] = ()) -> list[str]:
    """Uploads older than ``cutoff`` that no queued or running import still needs."""
    needed = select(ImportRun.upload_id).where(ImportRun.status.in_(("queued", "running")),
                                              ImportRun.upload_id.is_not(None))
    return list(session.scalars(select(StoredUpload.id).where(StoredUpload.created_at < cutoff,
                                                              StoredUpload.id.not_in(needed),
                                                              StoredUpload.id.not_in(list(keep)))))


def queued_import(session: Session) -> ImportRun | None:
    """The oldest import waiting for a worker."""
    return session.scalars(select(ImportRun).where(ImportRun.status == "queued").order_by(ImportRun.id).limit(1)).first()


def claim_import(session: Session, run_id: int, owner: str, until: datetime) -> bool:
    """Take a queued run for ``owner``; False when another worker took it first."""
    taken = session.execute(update(ImportRun).where(ImportRun.id == run_id, ImportRun.status == "queued")
                            .values(status="running", lease_owner=owner, lease_until=until),
                            execution_options={"synchronize_session": False})
    return cast(int, getattr(taken, "rowcount", 0)) == 1


def renew_import_lease(session: Session, run_id: int, owner: str, until: datetime) -> bool:
    """Extend the claim; False when the run is no longer this worker's."""
    renewed = session.execute(update(ImportRun).where(ImportRun.id == run_id, ImportRun.lease_owner == owner,
                                                      ImportRun.status == "running")
                              .values(lease_until=until), execution_options={"synchronize_session": False})
    return cast(int, getattr(renewed, "rowcount", 0)) == 1


def abandoned_imports(session: Session, now: datetime) -> Sequence[ImportRun]:
    """Runs a worker claimed and stopped renewing (it was killed): their claim has run out."""
    return session.scalars(select(ImportRun).where(ImportRun.status == "running", ImportRun.lease_until.is_not(None),
                                                   ImportRun.lease_until < now).with_for_update(skip_locked=True)).all()


def import_waiting(session: Session, now: datetime) -> bool:
    """Is an import queued, or one whose worker's claim has run out?"""
    return session.scalar(select(ImportRun.id).where(
        (ImportRun.status == "queued")
        | ((ImportRun.status == "running") & ImportRun.lease_until.is_not(None) & (ImportRun.lease_until < now)))
        .limit(1)) is not None
