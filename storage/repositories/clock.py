"""The database's clock: the one time every host sharing the database agrees on."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.repositories._common import _is_postgresql


def database_now(session: Session) -> datetime:
    """The database's time (UTC), read now (not the transaction's start on PostgreSQL)."""
    if _is_postgresql(session):
        value = session.scalar(text("SELECT clock_timestamp()"))
        assert isinstance(value, datetime)
        return value.astimezone(UTC)
    raw = session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    return datetime.fromisoformat(str(raw)).replace(tzinfo=UTC)
