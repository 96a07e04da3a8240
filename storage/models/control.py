"""Control: the loss-reason catalogue the head maintains, the reason given to each lost cycle,
and the index the analytics read decided cycles by."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow
from storage.models.regulation import Cycle


class LossReason(Base):
    """A reason a cycle was lost: a code (what a regulation's form or end event may write as
    ``loss_reason``) and its name in English and Russian. Never deleted: retired instead."""

    __tablename__ = "loss_reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CycleLossReason(Base):
    """The catalogue reason of one lost cycle, chosen by a person (the free text the cycle ended
    with stays on the cycle as the comment)."""

    __tablename__ = "cycle_loss_reasons"
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True)
    reason_id: Mapped[int] = mapped_column(ForeignKey("loss_reasons.id"), index=True)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


# the dashboard and the loss report read the cycles decided in a period
Index("ix_cycles_status_ended_at", Cycle.status, Cycle.ended_at)
