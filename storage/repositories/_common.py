"""Helpers the repositories share. Repositories read and add; they never commit."""
from __future__ import annotations

from sqlalchemy.orm import Session


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
