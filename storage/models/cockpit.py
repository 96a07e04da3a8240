"""The process owner's cockpit (issue 12): batch operations on cycles and the indexes the
cycles explorer filters by."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow
from storage.models.regulation import Cycle, Job, OpenTask


class CycleBatch(Base):
    """A batch operation (cancel, retry, migrate) on the cycles of an explorer filter, run by the
    worker one cycle per transaction; its counters are the page's progress bar."""

    __tablename__ = "cycle_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # queued, running, done
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # filter, reason, variables, plan
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column()


class CycleBatchItem(Base):
    """One cycle of a batch: pending, then done or failed with the reason."""

    __tablename__ = "cycle_batch_items"
    __table_args__ = (Index("ix_cycle_batch_items_batch_status", "batch_id", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("cycle_batches.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, done, failed
    message: Mapped[str | None] = mapped_column(Text)


# the explorer: cycles by start time (its default order), by the element they wait at
Index("ix_cycles_started_at", Cycle.started_at, Cycle.id)
Index("ix_cycles_version_status", Cycle.version_id, Cycle.status)
Index("ix_open_tasks_element", OpenTask.element_id, OpenTask.cycle_id)
Index("ix_jobs_element", Job.element_id, Job.cycle_id)
