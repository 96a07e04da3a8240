"""Files attached to a client's work: uploads of ``file`` form fields, kept in the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class Attachment(Base):
    """A file of a client, sent with a task's form (``cycle_id``, ``field``) or on its own."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_client_at", "client_id", "uploaded_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    task_name: Mapped[str | None] = mapped_column(String(300))
    field: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
