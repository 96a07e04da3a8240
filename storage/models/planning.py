"""Ad-hoc contacts, the done-work log, contact norms."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow

if TYPE_CHECKING:
    from storage.models.clients import Client
    from storage.models.organization import Segment


class Activity(Base):
    """An ad-hoc contact with a client (call, meeting...) planned by a manager outside any task."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_assignee_status", "assignee", "status", "planned_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), index=True)  # the client's active cycle, if any
    assignee: Mapped[str] = mapped_column(String(64))
    work_type: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    planned_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned, done, cancelled
    done_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(Text)
    reminded: Mapped[int] = mapped_column(Integer, default=0)  # as OpenTask.reminded
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    client: Mapped[Client] = relationship(lazy="joined")



class WorkDone(Base):
    """The log of done work: every completed task and done ad-hoc contact, with its type and
    due time. Plan fulfilment, contact norms, the client's history and piece rates read it."""

    __tablename__ = "work_done"
    __table_args__ = (Index("ix_work_done_login_due", "login", "due_at"),
                      Index("ix_work_done_login_done", "login", "done_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    work_type: Mapped[str | None] = mapped_column(String(50))
    due_at: Mapped[datetime | None] = mapped_column()  # the deadline it had (due, else planned)
    done_at: Mapped[datetime] = mapped_column()
    result: Mapped[str | None] = mapped_column(Text)



class ContactNorm(Base):
    """The most days allowed between contacts with a client in an active cycle at a stage
    (for one segment, or for any segment when segment_id is empty)."""

    __tablename__ = "contact_norms"
    __table_args__ = (UniqueConstraint("stage", "segment_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(100))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    max_days: Mapped[int] = mapped_column(Integer)
    segment: Mapped[Segment | None] = relationship(lazy="joined")

