"""Typed SQLAlchemy 2.0 models. Timestamps are timezone-aware UTC."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back an aware datetime (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


user_groups = Table(
    "user_groups",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
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
    locale: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")  # IANA name
    email: Mapped[str | None] = mapped_column(String(254))
    # rotating it revokes the private calendar feed URL (the URL is an HMAC over it, not stored)
    calendar_salt: Mapped[str] = mapped_column(String(32), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    groups: Mapped[list[Group]] = relationship(secondary=user_groups, lazy="select")

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)

    @property
    def group_names(self) -> frozenset[str]:
        return frozenset(g.name for g in self.groups)


class Segment(Base):
    """A market segment: defined by rules over client fields (or by hand), served by a team."""

    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # [{"field": "industry", "op": "in", "value": ["retail", "food"]}, ...]: all must hold
    rules: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # rules apply in order
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
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
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
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


def _trigram(name: str, column: str) -> Index:
    """An index for substring search: trigram GIN on PostgreSQL, a plain index elsewhere."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


class Client(Base):
    """A company or a person the department sells to."""

    __tablename__ = "clients"
    # equality (duplicates, imports) by b-tree; substring search by trigrams on PostgreSQL
    __table_args__ = (Index("ix_clients_name_key_eq", "name_key"), _trigram("ix_clients_name_key", "name_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    # the name normalised (case, quotes, legal forms, spaces): search and duplicate detection
    name_key: Mapped[str] = mapped_column(String(300), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(8), default="company", server_default="company")  # or person
    tax_id: Mapped[str | None] = mapped_column(String(20), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(20))  # micro, small, medium, large
    source: Mapped[str | None] = mapped_column(String(100))
    # lead, prospect, customer, inactive; merged: folded into merged_into_id
    status: Mapped[str] = mapped_column(String(16), default="lead", server_default="lead", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column()
    # the latest done work with the client (a task of a work type, an ad-hoc contact): contact norms
    last_contact_at: Mapped[datetime | None] = mapped_column()
    segment: Mapped[Segment | None] = relationship()
    owner: Mapped[User | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by="Contact.id")


class Contact(Base):
    """A person at a client: name, position, phone, e-mail."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_phone_key_eq", "phone_key"), Index("ix_contacts_email_key_eq", "email_key"),
                      _trigram("ix_contacts_phone_key", "phone_key"), _trigram("ix_contacts_email_key", "email_key"),
                      _trigram("ix_contacts_name", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    phone_key: Mapped[str | None] = mapped_column(String(20))  # digits only, national prefix normalised
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254))  # lower-case
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClientEvent(Base):
    """The client's own history beside its cycles': notes, edits, ownership changes,
    distribution decisions (with their reason), merges, imports."""

    __tablename__ = "client_events"
    __table_args__ = (Index("ix_client_events_client_at", "client_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(32))  # note, created, edited, owner, distributed, merged, imported
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Handover(Base):
    """The head moved clients (one, or a whole portfolio) from one manager to another, for
    good or for a period: at ``returns_at`` the clients still with ``to_user`` go back."""

    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_return", "status", "returns_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_ids: Mapped[list[Any]] = mapped_column(default=list)
    returns_at: Mapped[datetime | None] = mapped_column()  # empty: for good
    status: Mapped[str] = mapped_column(String(16), default="done")  # done, temporary, returned
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportRun(Base):
    """One import of a client file: progress, and a report of every rejected row."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)  # file column -> client field
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list[Any]] = mapped_column(default=list)  # [{"row": n, "reason": "..."}]
    error: Mapped[str | None] = mapped_column(Text)


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
    regulation: Mapped[Regulation] = relationship(lazy="joined")


class Cycle(Base):
    """A cycle of work with one client: one process instance."""

    __tablename__ = "cycles"
    __table_args__ = (Index("ix_cycles_client_status", "client_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("regulation_versions.id"))
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
    ended_at: Mapped[datetime | None] = mapped_column()
    # whose sale it was: the client's owner when the cycle was decided (commission, clawback)
    credited_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", name="fk_cycles_credited_to"))
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
    version_id: Mapped[int] = mapped_column(ForeignKey("regulation_versions.id"))  # its form's spec
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
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


class Activity(Base):
    """An ad-hoc contact with a client (call, meeting...) planned by a manager outside any task."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_assignee_status", "assignee", "status", "planned_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))  # the client's active cycle, if any
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
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
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
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    max_days: Mapped[int] = mapped_column(Integer)
    segment: Mapped[Segment | None] = relationship(lazy="joined")


class Notification(Base):
    """An in-app notification for one user; ``key`` makes each one happen once."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("login", "key"),
                      Index("ix_notifications_login_unread", "login", "read_at", "created_at"),
                      Index("ix_notifications_email", "email_status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # assigned, group, due_soon, overdue, escalation...
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))  # English; rendered with data per locale
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
    email_status: Mapped[str | None] = mapped_column(String(8))  # pending, sent, failed; empty: none
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_claimed_at: Mapped[datetime | None] = mapped_column()  # when a worker took it to send


# ---------------------------------------------------------------- motivation (issue 6)

Money = Numeric(18, 2)


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
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
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
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
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
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("motivation_schemes.id"))
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
    line_id: Mapped[int | None] = mapped_column(ForeignKey("statement_lines.id", ondelete="SET NULL"))
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
