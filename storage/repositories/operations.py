"""Operations: idempotency keys, and the counts the metrics read. Repositories never commit."""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Cycle, IdempotencyKey, Job
from storage.repositories._common import _is_postgresql


def _rows(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def insert_key(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a key unless the user already has it; its id when this call inserted it."""
    dialect = postgresql if _is_postgresql(session) else sqlite
    stmt = (dialect.insert(cast(Table, IdempotencyKey.__table__)).values(**values)
            .on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(IdempotencyKey.id))
    return session.execute(stmt).scalar_one_or_none()


def find_key(session: Session, user_id: int, key: str) -> IdempotencyKey | None:
    return session.scalars(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                        IdempotencyKey.key == key)).one_or_none()


def restart_key(session: Session, key_id: int, seen_owner: str, seen_created: datetime,
                values: dict[str, Any]) -> bool:
    """Compare-and-set: take a key over (an expired one, or a pending one whose lease ran out) only
    if nobody changed it since it was read; True when this call took it."""
    stmt = (update(IdempotencyKey)
            .where(IdempotencyKey.id == key_id, IdempotencyKey.owner == seen_owner,
                   IdempotencyKey.created_at == seen_created,
                   IdempotencyKey.state.in_(("pending", "done", "committed")))
            .values(**values))
    return _rows(session.execute(stmt, execution_options={"synchronize_session": False})) == 1


def mark_committed(session: Session, key_id: int, owner: str) -> bool:
    """Mark the key's work committed in the work's own transaction; False when the key is no
    longer this request's (another host took it over after its lease ran out)."""
    return _rows(session.execute(update(IdempotencyKey).where(
        IdempotencyKey.id == key_id, IdempotencyKey.owner == owner,
        IdempotencyKey.state == "pending").values(state="committed"),
        execution_options={"synchronize_session": False})) == 1


def store_answer(session: Session, key_id: int, owner: str, status: int, content_type: str,
                 body: bytes | None) -> None:
    session.execute(update(IdempotencyKey).where(IdempotencyKey.id == key_id, IdempotencyKey.owner == owner)
                    .values(state="done", status=status, content_type=content_type, body=body),
                    execution_options={"synchronize_session": False})


def release_key(session: Session, key_id: int, owner: str) -> None:
    """Forget a key whose request did nothing (failed before any work committed)."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == key_id, IdempotencyKey.owner == owner,
                                                 IdempotencyKey.state == "pending"),
                    execution_options={"synchronize_session": False})


def delete_keys_before(session: Session, before: datetime) -> int:
    return _rows(session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before),
                                 execution_options={"synchronize_session": False}))


def job_backlog(session: Session, now: datetime, late_before: datetime) -> tuple[int, int, int]:
    """Timer jobs (due now, due before ``late_before`` and still waiting, failed every attempt)."""
    due = func.count().filter(Job.due_at <= now, Job.failed.is_(False))
    late = func.count().filter(Job.due_at <= late_before, Job.failed.is_(False))
    failed = func.count().filter(Job.failed.is_(True))
    row = session.execute(select(due, late, failed).select_from(Job)).one()
    return int(row[0]), int(row[1]), int(row[2])


def open_incidents(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Cycle).where(Cycle.status == "incident")) or 0)


def schema_revision(connection: Connection) -> str | None:
    """The migration the database's schema is at (None before the first one): a round trip that
    also proves the database answers."""
    connection.execute(text("SELECT 1"))
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
