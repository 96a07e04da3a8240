"""Users and groups (departments)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow

user_groups = Table(
    "user_groups",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True),
)



class Group(Base):
    """A department (Sales, Presales, Legal...): the candidate group of tasks."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)



class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[str] = mapped_column(String(200), default="manager")  # comma-separated
    #: the user's own language and time zone (IANA name); None: the organization's (OrganizationSettings)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    # rotating it revokes the private calendar feed URL (the URL is an HMAC over it, not stored)
    calendar_salt: Mapped[str] = mapped_column(String(32), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # API tokens carry it; raising it (new password, deactivation) revokes every token issued before
    token_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: raised by every change of what a signed-in user is (roles, departments, name, language, time
    #: zone, active): every host compares it with what it remembered of the user (no stale cache)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    groups: Mapped[list[Group]] = relationship(secondary=user_groups, lazy="select")

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)

    @property
    def group_names(self) -> frozenset[str]:
        return frozenset(g.name for g in self.groups)


class OrganizationSettings(Base):
    """One row: the time zone and language of everyone who has not chosen their own (None: the
    environment's default). ``version`` rises with every change, so remembered actors are renewed."""

    __tablename__ = "organization_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(64))


class UserSession(Base):
    """A signed-in browser. The cookie carries a random secret; only its SHA-256 is stored here,
    so a copy of the table opens no session. Logging out, a new password or deactivation ends it."""

    __tablename__ = "user_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's secret
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed log-in attempts of one account (``account:<login>``) or one address (``address:<ip>``),
    shared by every app host through the database."""

    __tablename__ = "login_throttles"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]
