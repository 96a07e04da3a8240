"""Control: the loss-reason catalogue the head maintains, the reason given to each lost cycle,
the stage entries of every cycle (the funnel's aggregate) and the index the analytics read
decided cycles by."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
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


class StageEntry(Base):
    """A cycle coming to a stage: a task of that stage opened while the cycle was at another one
    (engine.control.funnel states the definition). Written with the step that opened the task
    (engine.regulation.context.Recorder), backfilled from the history by migration 0014.

    ``left_at`` and ``next_stage`` are the next entry's; ``outcome`` is set when the entry is
    left: advanced (the next stage is later in the cycle's regulation version) or moved_back, or
    when the cycle ends in it: advanced (won), lost or cancelled. None: the cycle is still there.

    ``manager_id`` and ``segment_id`` are copies the filters read without joining the cycles and
    the clients: the cycle's manager (whom it was credited to when decided, else its client's
    owner now) and its client's segment now, kept by storage.repositories.stage_entries when an
    entry is written and whenever a client's owner or segment, or a cycle's client or crediting,
    changes (migration 0017 filled them)."""

    __tablename__ = "stage_entries"
    __table_args__ = (Index("ix_stage_entries_cycle", "cycle_id", "left_at"),
                      Index("ix_stage_entries_entered", "entered_at"),
                      Index("ix_stage_entries_stage", "stage", "entered_at", "cycle_id"),
                      Index("ix_stage_entries_manager", "manager_id", "entered_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column()
    left_at: Mapped[datetime | None] = mapped_column()
    next_stage: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(16))
    manager_id: Mapped[int | None] = mapped_column(Integer)
    segment_id: Mapped[int | None] = mapped_column(Integer)


# the dashboard and the loss report read the cycles decided in a period
Index("ix_cycles_status_ended_at", Cycle.status, Cycle.ended_at)


class TaskRun(Base):
    """One user task's run in a cycle, as the durations and the heat map read it: the task's
    element, name, stage, work type and due time (ISO text, as the history gives it) from its
    ``created`` event, when it was created, first claimed and (last) completed. The history's
    reading (storage.repositories.task_runs.from_history) is the definition; the step rebuilds the
    rows of the tasks its events touched (engine.regulation.context.Recorder), migration 0018
    filled them from the history."""

    __tablename__ = "task_runs"
    __table_args__ = (Index("ix_task_runs_cycle", "cycle_id"),
                      Index("ix_task_runs_element", "element_id"))
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    element_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    stage: Mapped[str | None] = mapped_column(String(200))
    work_type: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()


class CyclePath(Base):
    """The completed tasks of a cycle in the order they were first completed (a task done again
    adds nothing), names joined by ``storage.repositories.cycle_paths.SEPARATOR``: the variant
    without its end (engine.control.variants). Rebuilt by the step that completes a task
    (engine.regulation.context.Recorder); a cycle with no task completed has none. Migration
    0019 filled them from the history."""

    __tablename__ = "cycle_paths"
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
