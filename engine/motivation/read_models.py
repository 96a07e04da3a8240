"""What the motivation service gives the pages and the API: frozen, typed read models (never
ORM objects or loose dicts). Amounts are Decimal; the API writes them as strings.

The figures a statement stores (``summary``, a line's ``explanation``) stay mappings: they are
the JSON kept with the statement, shown as they were computed."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from engine.shared.periods import Period

# ---------------------------------------------------------------- schemes


@dataclass(frozen=True)
class SchemeVersion:
    """One version of a motivation scheme: its terms and the names of its decision tables."""

    id: int
    name: str
    version: int
    status: str  # draft, active, retired
    effective_from: date
    role: str | None
    team_id: int | None
    team: str | None
    basis: str
    currency: str
    rounding: str
    piece_rates: Mapping[str, str]
    tables: tuple[str, ...]
    settings: Mapping[str, Any]
    created_by: str | None
    created_at: datetime
    editable: bool
    #: in a listing: the version of this scheme in force (active), if any
    active_version: int | None = None


@dataclass(frozen=True)
class SchemeDetail(SchemeVersion):
    """A version with its decision tables loaded (engine.regulation.decisions.dmn.DecisionTable)."""

    loaded: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class SchemeChoice:
    """A scheme version to try in what-if."""

    id: int
    label: str
    status: str
    effective_from: date


# ---------------------------------------------------------------- plans


@dataclass(frozen=True)
class PlanRow:
    key: str  # "user:anna" or "team:3": the grid's field names start with it
    label: str
    login: str | None
    team_id: int | None
    values: Mapping[str, str]  # column -> value as shown
    saved: bool


@dataclass(frozen=True)
class PlanGrid:
    """A period's sales plans of one scenario as the actor may see them."""

    period: Period
    scenario: str
    scenarios: tuple[str, ...]
    rows: tuple[PlanRow, ...]
    columns: tuple[str, ...]
    work_types: tuple[str, ...]
    editable: bool
    labels: Mapping[str, str]
    copied_from_actual: bool
    currency: str


# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class StatementBrief:
    """A stored statement in a list: its state and total."""

    id: int
    status: str
    total: Decimal
    currency: str
    computed_at: datetime | None
    approved_by: str | None = None
    locked_at: datetime | None = None
    #: the figures it pays on (attainment, rate, ...), as stored with it
    summary: Mapping[str, Any] = field(default_factory=dict)
    #: in "earned so far": whether it equals the period computed now
    agrees: bool | None = None


@dataclass(frozen=True)
class StatementRow:
    login: str
    name: str
    statement: StatementBrief | None
    open_comments: int


@dataclass(frozen=True)
class StatementListing:
    period: Period
    rows: tuple[StatementRow, ...]
    totals: Mapping[str, Decimal]  # per currency
    counts: Mapping[str, int]  # per status


@dataclass(frozen=True)
class Comment:
    id: int
    line_id: int | None
    author: str
    text: str
    created_at: datetime
    resolved: bool


@dataclass(frozen=True)
class Line:
    """A line of a statement (``id`` None in a computation stored nowhere)."""

    id: int | None
    kind: str  # commission, multiplier, piece, clawback, correction
    key: str | None
    description: str
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal
    explanation: Mapping[str, Any]
    comments: tuple[Comment, ...] = ()


@dataclass(frozen=True)
class LateItem:
    """Something that happened in a period after it was locked early: paid in ``lands_in``."""

    kind: str  # won, payment, reversal
    cycle_id: int
    client: str
    amount: Decimal | None
    at: datetime
    lands_in: str


@dataclass(frozen=True)
class StatementPage:
    """One statement with its lines and comments, whether its period is over (it can be locked
    from ``locks_from``, or early), and what landed in the next open period after its lock."""

    id: int
    login: str
    name: str
    period: str
    status: str
    currency: str
    total: Decimal
    summary: Mapping[str, Any]
    lines: tuple[Line, ...]
    comments: tuple[Comment, ...]
    open_comments: int
    computed_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    locked_at: datetime | None
    fingerprint: str
    may_comment: bool = False
    period_over: bool = False
    locks_from: date | None = None
    later: tuple[LateItem, ...] = ()


@dataclass(frozen=True)
class Earned:
    """Earned so far: the period computed now (``source`` "live"), or the locked statement's
    figures (``source`` "statement"), beside the period's stored statement."""

    login: str
    name: str
    period: str
    problem: str | None
    summary: Mapping[str, Any]
    total: Decimal | None
    currency: str | None
    lines: tuple[Line, ...]
    source: str
    statement: StatementBrief | None


@dataclass(frozen=True)
class DraftsComputed:
    """What computing a period's drafts did: the statements (re)computed, those kept as they were
    (login -> status) and why a manager has none (login -> problem)."""

    statement_ids: tuple[int, ...]
    kept: Mapping[str, str]
    problems: Mapping[str, str]


@dataclass(frozen=True)
class CycleReversal:
    """A cancellation or refund of a won cycle."""

    id: int
    at: datetime
    kind: str
    amount: Decimal | None
    reason: str
    created_by: str


# ---------------------------------------------------------------- what-if


@dataclass(frozen=True)
class WhatIfProblem:
    side: str  # whatif, real
    message: str
    logins: tuple[str, ...]
