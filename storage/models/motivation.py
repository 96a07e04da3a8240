"""Sales plans, motivation schemes, statements and their lines and comments, reversals."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, Money, utcnow


class SalesPlan(Base):
    """A sales plan of one manager (login) or one team for a period (a month "2026-11" or a
    quarter "2026-Q4"): revenue, won cycles, activity targets per work type. ``scenario`` is
    "actual" for the plan in force, any other name for a draft the head tries in what-if."""

    __tablename__ = "sales_plans"
    __table_args__ = (UniqueConstraint("scenario", "period", "login", "team_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario: Mapped[str] = mapped_column(String(32), default="actual")
    period: Mapped[str] = mapped_column(String(7), index=True)
    login: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    revenue_target: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    won_target: Mapped[int] = mapped_column(Integer, default=0)
    activity_targets: Mapped[dict[str, Any]] = mapped_column(default=dict)  # work type -> count
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column()



class MotivationScheme(Base):
    """One immutable version of a motivation scheme, effective from a date, for a role or a
    team: commission basis, piece rates, and DMN decision tables (rate tiers, multipliers)."""

    __tablename__ = "motivation_schemes"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, active, retired
    effective_from: Mapped[date] = mapped_column(Date)
    role: Mapped[str | None] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    basis: Mapped[str] = mapped_column(String(16), default="won_amount")  # or paid_amount
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    rounding: Mapped[str] = mapped_column(String(16), default="ROUND_HALF_UP")  # to 0.01
    piece_rates: Mapped[dict[str, Any]] = mapped_column(default=dict)  # work type -> "150.00"
    # name -> DMN XML: "commission_rate" (by attainment), multipliers ("quality", "intensity"...)
    tables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # norms, which multipliers apply
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)



class Statement(Base):
    """A manager's payout statement for a period: draft -> approved (head) -> locked."""

    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("login", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("motivation_schemes.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, approved, locked
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    indicators: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the figures behind it
    computed_at: Mapped[datetime | None] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column()
    locked_at: Mapped[datetime | None] = mapped_column()
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    lines: Mapped[list[StatementLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StatementLine.position")

    __mapper_args__ = {"version_id_col": lock_version}



class StatementLine(Base):
    """One explainable line: what it pays for, the rate or table row, the amount."""

    __tablename__ = "statement_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))  # commission, piece, multiplier, clawback, correction
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    rate: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)  # cycles, tasks, table row, indicators



class StatementComment(Base):
    """A manager disputes (or anyone comments on) a statement line."""

    __tablename__ = "statement_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("statement_lines.id", ondelete="SET NULL"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)



class Reversal(Base):
    """A won cycle cancelled or refunded later: its commission is reversed in the period of ``at``."""

    __tablename__ = "reversals"
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))  # cancelled, refunded
    amount: Mapped[Decimal | None] = mapped_column(Money)  # refunded amount; empty: all of it
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(64))

