"""Segments, teams and their members, absences, hand-overs."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow

if TYPE_CHECKING:
    from storage.models.accounts import User


class Segment(Base):
    """A market segment: defined by rules over client fields (or by hand), served by a team."""

    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # [{"field": "industry", "op": "in", "value": ["retail", "food"]}, ...]: all must hold
    rules: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # rules apply in order
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    team: Mapped[Team | None] = relationship(lazy="joined")



class Team(Base):
    """A set of managers that new clients of its segments are distributed among."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # round_robin, weighted (by share), least_loaded, manual
    strategy: Mapped[str] = mapped_column(String(16), default="round_robin")
    members: Mapped[list[TeamMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TeamMember.position")



class TeamMember(Base):
    __tablename__ = "team_members"
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    share: Mapped[int] = mapped_column(Integer, default=1)  # weight in weighted distribution
    cap: Mapped[int | None] = mapped_column(Integer)  # most active clients; empty: no cap
    # smooth weighted round robin: the member's running credit (absent members do not earn it)
    credit: Mapped[int] = mapped_column(Integer, default=0)
    user: Mapped[User] = relationship(lazy="joined")



class Absence(Base):
    """A period a user is away (vacation, sick leave...): days inclusive, in the user's zone."""

    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # vacation, sick, other
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    user: Mapped[User] = relationship(lazy="joined")



class Handover(Base):
    """The head moved clients (one, or a whole portfolio) from one manager to another, for
    good or for a period: at ``returns_at`` the clients still with ``to_user`` go back."""

    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_return", "status", "returns_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    client_ids: Mapped[list[Any]] = mapped_column(default=list)
    returns_at: Mapped[datetime | None] = mapped_column()  # empty: for good
    status: Mapped[str] = mapped_column(String(16), default="done")  # done, temporary, returned
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

