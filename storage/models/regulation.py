"""Regulations, versions, cycles, open tasks, history, timer jobs, work types."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
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


class Regulation(Base):
    """A regulation of sales work: one BPMN process, keyed by its process id."""

    __tablename__ = "regulations"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    executable: Mapped[bool] = mapped_column(Boolean, default=True)  # of the latest version
    created_at: Mapped[datetime] = mapped_column(default=utcnow)



class RegulationVersion(Base):
    """An immutable deployed version: the XML and the parsed spec, stored once."""

    __tablename__ = "regulation_versions"
    __table_args__ = (UniqueConstraint("regulation_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    regulation_id: Mapped[int] = mapped_column(ForeignKey("regulations.id"))
    number: Mapped[int] = mapped_column(Integer)
    # Large columns load only when asked for: cycles reach specs through the spec cache.
    xml: Mapped[str] = mapped_column(Text, deferred=True)
    xml_sha256: Mapped[str] = mapped_column(String(64))
    dmn: Mapped[list[Any]] = mapped_column(default=list, deferred=True)  # DMN documents deployed with it
    spec: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)  # serialized SpiffWorkflow specs
    stages: Mapped[list[Any]] = mapped_column(default=list)
    # A diagram that cannot run here (made by another tool, or for another engine) is kept,
    # viewable and exportable, with the problems that stop it from running.
    executable: Mapped[bool] = mapped_column(Boolean, default=True)
    problems: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    #: the label or comment the deploy gave (what changed and why)
    comment: Mapped[str | None] = mapped_column(String(500))
    regulation: Mapped[Regulation] = relationship(lazy="joined")



class Cycle(Base):
    """A cycle of work with one client: one process instance."""

    __tablename__ = "cycles"
    __table_args__ = (Index("ix_cycles_client_status", "client_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("regulation_versions.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    loss_reason: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(100))
    # SpiffWorkflow instance state without the spec; loaded only by commands that advance the cycle
    state: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    incident: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[str | None] = mapped_column(String(64))
    # the outside world's name for the cycle (an order or invoice number): messages correlate by it
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    ended_at: Mapped[datetime | None] = mapped_column()
    # whose sale it was: the client's owner when the cycle was decided (commission, clawback)
    credited_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", name="fk_cycles_credited_to"), index=True)
    version: Mapped[RegulationVersion] = relationship(lazy="joined")
    client: Mapped[Client] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock_version}



class OpenTask(Base):
    """Projection of a cycle's open human tasks: the inbox reads only this table."""

    __tablename__ = "open_tasks"
    __table_args__ = (
        Index("ix_open_tasks_assignee", "assignee"),
        Index("ix_open_tasks_cycle", "cycle_id"),
        Index("ix_open_tasks_due", "due_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("regulation_versions.id"), index=True)  # its form's spec
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    stage: Mapped[str | None] = mapped_column(String(100))
    work_type: Mapped[str | None] = mapped_column(String(50))
    lane: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(64))
    claimed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column()
    planned_at: Mapped[datetime | None] = mapped_column()  # when the responsible person plans to do it
    # notifications already sent about its due time: 0 none, 1 due soon, 2 overdue
    reminded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    client: Mapped[Client] = relationship(lazy="joined")
    # rows go with their task through ON DELETE CASCADE, without one DELETE each
    group_rows: Mapped[list[TaskCandidateGroup]] = relationship(
        cascade="save-update, merge", lazy="selectin", passive_deletes="all"
    )

    @property
    def candidate_groups(self) -> list[str]:
        return sorted(row.group_name for row in self.group_rows)



class TaskCandidateGroup(Base):
    """One row per (open task, candidate group): lets the inbox find group work by index."""

    __tablename__ = "task_candidate_groups"
    task_id: Mapped[str] = mapped_column(
        ForeignKey("open_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    group_name: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)



class HistoryEvent(Base):
    """Append-only history of a cycle: who did what and when."""

    __tablename__ = "history_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    element_id: Mapped[str | None] = mapped_column(String(200))
    task_name: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)



class Job(Base):
    """A due time to act on (a waiting timer): a projection of each cycle's waiting timers.

    Workers acquire due jobs with a lease (owner + expiry); a job's effect and its removal
    commit in one transaction on its cycle, so it takes effect exactly once.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "failed", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="timer")
    task_id: Mapped[str] = mapped_column(String(36))  # the waiting timer event's task
    element_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)



class WorkType(Base):
    """The catalogue of work types (call, meeting, demo...) the head maintains."""

    __tablename__ = "work_types"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    default_due: Mapped[str | None] = mapped_column(String(30))  # ISO-8601 duration, e.g. P1D

