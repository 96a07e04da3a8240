"""Reaching cycles from outside: external tasks, message subscriptions and received messages."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class ExternalTask(Base):
    """A work item an outside worker fetches, locks and completes: a projection of a cycle's
    waiting external tasks (``camunda:type="external"``), rebuilt with every step of its cycle.

    Lock times are the database's clock, so that workers and app hosts never compare clocks.
    """

    __tablename__ = "external_tasks"
    __table_args__ = (Index("ix_external_tasks_topic", "topic", "lock_expires_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int | None] = mapped_column(Integer)  # None until a worker reports a failure
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    worker_id: Mapped[str | None] = mapped_column(String(255))
    lock_expires_at: Mapped[datetime | None] = mapped_column()
    #: after a failure with a retry timeout, not fetchable before this (database time)
    available_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageSubscription(Base):
    """A cycle waiting for a message or a signal: a projection of its waiting catch events."""

    __tablename__ = "message_subscriptions"
    __table_args__ = (Index("ix_message_subscriptions_name", "kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # message | signal
    name: Mapped[str] = mapped_column(String(200))


class ReceivedMessage(Base):
    """A message sent to Reglament from outside: kept until delivered, expired or triaged."""

    __tablename__ = "received_messages"
    __table_args__ = (Index("ix_received_messages_waiting", "state", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(200), unique=True)  # the sender's, for idempotency
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # delivered | waiting | triage
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="SET NULL"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200))
    correlation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), index=True)
    sender: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    delivered_to_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="SET NULL"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
