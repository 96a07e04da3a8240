"""Notifications and their e-mail outbox state."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class Notification(Base):
    """An in-app notification for one user; ``key`` makes each one happen once."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("login", "key"),
                      Index("ix_notifications_login_unread", "login", "read_at", "created_at"),
                      Index("ix_notifications_email", "email_status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # assigned, group, due_soon, overdue, escalation...
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))  # English; rendered with data per locale
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
    email_status: Mapped[str | None] = mapped_column(String(8))  # pending, sent, failed; empty: none
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_claimed_at: Mapped[datetime | None] = mapped_column()  # when a worker took it to send

