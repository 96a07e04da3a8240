"""Signals: broadcasts waiting to reach every cycle that waits for them (an outbox)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class SignalBroadcast(Base):
    """A thrown signal on its way: recorded with the step that threw it (or by the API), then
    delivered cycle by cycle, each delivery committed with the broadcast's progress.

    ``watermark``: the highest subscription id when it was thrown; subscriptions made later (a
    cycle that started waiting afterwards) do not catch it, as in Camunda. ``cursor``: the last
    cycle id handled, in id order. ``starters``: the regulations it starts (fixed when the first
    start is made), ``started`` how many of them are done."""

    __tablename__ = "signal_broadcasts"
    __table_args__ = (Index("ix_signal_broadcasts_state", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: the client of the cycles a signal start event starts (the throwing cycle's, or the sender's choice)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), index=True)
    source_cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="SET NULL"), index=True)
    #: a cycle that already caught the signal in the step that threw it
    skip_cycle_id: Mapped[int | None] = mapped_column(Integer)
    sender: Mapped[str | None] = mapped_column(String(64))
    watermark: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    starters: Mapped[list[Any] | None] = mapped_column()
    started: Mapped[int] = mapped_column(Integer, default=0)
    woken: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
