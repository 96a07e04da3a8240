"""The cycles explorer: every cycle an operator may see, filtered, counted, paged by a keyset
cursor and exported.

Filters (each optional, all combined): regulation key and version number, status, stage,
element the cycle waits at (an open task, a waiting timer, or the element of its incident),
owner login, client id or part of the client's name, started and ended date ranges (days in
the user's time zone, ``to`` included), a variable's value (``variable`` and ``value``),
in incident or not. Order: ``-started`` (newest first, the default), ``started``, ``-id``,
``id``. A page reads one query for the rows (with the owner's login joined) and two for what
the page's cycles wait at; the counts by status are one grouped query.

Who: operators (process owner, head, admin) and those who read every cycle see all of them;
a manager sees the cycles of their own clients.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.regulation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.regulation.board import deal_amount
from engine.regulation.context import STATUSES
from engine.shared import cursors, days
from engine.shared.access import OPERATORS, Actor
from engine.shared.errors import FieldProblems, InputInvalid
from engine.shared.notices import coded
from engine.shared.numbers import parse_whole_number
from storage.repositories import cockpit as cockpit_repo

#: the most cycles one page holds, and the default
MAX_PAGE = 1000
PAGE = 50
SORTS = ("-started", "started", "-id", "id")
#: the most variables an export may add as columns, and the longest filter text
MAX_EXPORT_VARIABLES = 20
MAX_TEXT = 200
FILTER_KEYS = ("regulation", "version", "status", "stage", "element", "owner", "client_id", "client",
               "started_from", "started_to", "ended_from", "ended_to", "variable", "value", "incident", "sort")


@dataclass(frozen=True)
class Query:
    """A parsed explorer request: the criteria, the order, the page."""

    criteria: cockpit_repo.Criteria
    sort: str = "-started"
    limit: int = PAGE
    after: cockpit_repo.Key | None = None

    @property
    def newest_first(self) -> bool:
        return self.sort.startswith("-")

    @property
    def by_id(self) -> bool:
        return self.sort.endswith("id")


def sees_all(actor: Actor) -> bool:
    return actor.reads_all or actor.has_any(OPERATORS)


def parse(session: Session, actor: Actor, args: Mapping[str, Any], limit: Any = None,
          after: str | None = None) -> Query:
    """The filters of a request (strings, as from a query string); InputInvalid names each bad one."""
    problems = FieldProblems()
    text: dict[str, str | None] = {}
    for key in FILTER_KEYS:
        raw = args.get(key)
        value = str(raw).strip() if raw not in (None, "") else None
        if value is not None and len(value) > MAX_TEXT:
            problems.add(key, "maxlength", f"must be at most {MAX_TEXT} characters", limit=MAX_TEXT)
            value = None
        text[key] = value
    tz = days.zone(actor.timezone)

    def integer(key: str) -> int | None:
        value = text[key]
        if value is None:
            return None
        number = parse_whole_number(value, maximum_digits=9)
        if number is None:
            problems.add(key, "long", "must be a whole number")
        return number

    def day(key: str, end: bool) -> datetime | None:
        value = text[key]
        if value is None:
            return None
        try:
            moment = days.start_of(date.fromisoformat(value), tz)
        except ValueError:
            problems.add(key, "date", "must be a date (YYYY-MM-DD)")
            return None
        return moment + timedelta(days=1) if end else moment

    status = text["status"]
    if status is not None and status not in STATUSES:
        problems.add("status", "choice", "must be one of: " + ", ".join(STATUSES), allowed=", ".join(STATUSES))
    sort = text["sort"] or "-started"
    if sort not in SORTS:
        problems.add("sort", "choice", "must be one of: " + ", ".join(SORTS), allowed=", ".join(SORTS))
    incident = {None: None, "yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
    if text["incident"] not in incident:
        problems.add("incident", "choice", "must be yes or no", allowed="yes, no")
    variable = text["variable"]
    if variable is not None and (not variable.isidentifier() or variable.startswith("_")):
        problems.add("variable", "invalid_name", "is not a variable name")
    version = integer("version")
    if version is not None and text["regulation"] is None:
        problems.add("version", "required_with", "needs a regulation")
    owner_id = None
    if text["owner"] is not None:
        owner_id = cockpit_repo.user_id(session, text["owner"])
        if owner_id is None:
            problems.add("owner", "unknown_user", f"no user {text['owner']!r}", value=text["owner"])
    page_size = PAGE
    if limit not in (None, ""):
        wanted = parse_whole_number(str(limit), maximum_digits=9)
        if wanted is None or not 1 <= wanted <= MAX_PAGE:
            problems.add("limit", "range", f"must be from 1 to {MAX_PAGE}")
        else:
            page_size = wanted
    criteria = cockpit_repo.Criteria(
        regulation=text["regulation"], version=version, status=status, stage=text["stage"],
        element=text["element"], owner_id=owner_id, client_id=integer("client_id"), client=text["client"],
        started_from=day("started_from", False), started_to=day("started_to", True),
        ended_from=day("ended_from", False), ended_to=day("ended_to", True),
        variable=variable, value=text["value"] if variable else None,
        incident=incident.get(text["incident"]), visible_to_owner=None if sees_all(actor) else actor.id)
    keyset: cockpit_repo.Key | None = None
    if after:
        try:
            moment, last_id = cursors.decode(after, str, int)
            keyset = (datetime.fromisoformat(moment), last_id)
        except (InputInvalid, ValueError):
            problems.add("after", "cursor", "is not a cursor this list gave")
    problems.raise_if_any("the cycles cannot be listed")
    return Query(criteria, sort, page_size, keyset)


@dataclass(frozen=True)
class Waiting:
    """Where a cycle waits: an open task or a timer at an element."""

    element_id: str
    name: str
    kind: str  # task | timer


@dataclass(frozen=True)
class RowIncident:
    element_id: str | None
    message: str | None
    #: the message in any language (engine.shared.notices); None on incidents of older versions
    code: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExplorerRow:
    """One cycle of the explorer's list."""

    id: int
    status: str
    stage: str | None
    outcome: str | None
    regulation: str
    regulation_name: str
    version: int
    client_id: int
    client_name: str
    owner: str | None
    started_at: datetime
    ended_at: datetime | None
    waiting_at: tuple[Waiting, ...]
    incident: RowIncident | None
    #: the cycle's variables: user data, kept a mapping
    variables: Mapping[str, Any]

    @property
    def amount(self) -> Decimal | None:
        """The deal amount the cycle carries (its ``amount``), None until it has one."""
        return deal_amount(self.variables)

    def as_dict(self) -> dict[str, Any]:
        incident = self.incident
        return {
            "id": self.id, "status": self.status, "stage": self.stage, "outcome": self.outcome,
            "regulation": self.regulation, "regulation_name": self.regulation_name, "version": self.version,
            "client_id": self.client_id, "client_name": self.client_name, "owner": self.owner,
            "started_at": self.started_at.isoformat(), "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "waiting_at": [{"element_id": w.element_id, "name": w.name, "kind": w.kind} for w in self.waiting_at],
            "incident": {"element_id": incident.element_id, "message": incident.message, "code": incident.code,
                         "params": dict(incident.params)} if incident else None,
            "variables": dict(self.variables),
            "amount": str(self.amount) if self.amount is not None else None,
        }


@dataclass(frozen=True)
class Counts:
    """The filter's cycles: how many in all (of the chosen status) and by status."""

    total: int
    by_status: Mapping[str, int]


@dataclass(frozen=True)
class ExplorerPage:
    """A page of the explorer: its rows, the cursor of the next page (None on the last), the counts."""

    rows: tuple[ExplorerRow, ...]
    next: str | None
    counts: Counts

    def as_dict(self) -> dict[str, Any]:
        """The API's answer."""
        return {"cycles": [r.as_dict() for r in self.rows], "total": self.counts.total,
                "by_status": dict(self.counts.by_status), "next": self.next}


def cursor(row: ExplorerRow) -> str:
    return cursors.encode(row.started_at.isoformat(), row.id)


def _row(r: Any, waits: list[tuple[str, str, str]]) -> ExplorerRow:
    incident = r.incident or None
    return ExplorerRow(
        id=r.id, status=r.status, stage=r.stage, outcome=r.outcome, regulation=r.regulation,
        regulation_name=r.regulation_name, version=r.version, client_id=r.client_id, client_name=r.client_name,
        owner=r.owner, started_at=r.started_at, ended_at=r.ended_at,
        waiting_at=tuple(Waiting(e, n, k) for e, n, k in waits),
        incident=RowIncident(incident.get("element_id"), incident.get("message"), incident.get("code"),
                             incident.get("params") or {}) if incident else None,
        variables=dict(r.variables or {}))


def page(session: Session, query: Query) -> tuple[list[ExplorerRow], str | None]:
    """A page of the explorer and the cursor of the next page (None on the last)."""
    rows = cockpit_repo.page(session, query.criteria, query.newest_first, query.after, query.limit + 1, query.by_id)
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    waits = cockpit_repo.waiting(session, [r.id for r in rows])
    out = [_row(r, waits.get(r.id, [])) for r in rows]
    return out, (cursor(out[-1]) if more and out else None)


def counts(session: Session, query: Query) -> Counts:
    by_status = cockpit_repo.counts(session, query.criteria)
    status = query.criteria.status
    total = by_status.get(status, 0) if status else sum(by_status.values())
    return Counts(total=total, by_status={s: by_status.get(s, 0) for s in STATUSES})


def read_page(session: Session, query: Query) -> ExplorerPage:
    """The page and its counts, read in the caller's one transaction."""
    rows, following = page(session, query)
    return ExplorerPage(tuple(rows), following, counts(session, query))


def export_columns(variables: list[str]) -> list[str]:
    return ["cycle", "business_key", "client", "regulation", "version", "status", "stage", "owner",
            "started_at", "ended_at", "waiting_at", "incident_element", "incident_message", "amount", *variables]


def export_variables(raw: str | None) -> list[str]:
    names = [n.strip() for n in (raw or "").split(",") if n.strip()]
    if len(names) > MAX_EXPORT_VARIABLES:
        raise coded(InputInvalid, "export_variables_max", {"limit": str(MAX_EXPORT_VARIABLES)},
                    {"fields": {"vars": f"at most {MAX_EXPORT_VARIABLES} names"}})
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise coded(InputInvalid, "export_not_variable_names", {"names": ", ".join(bad)}, {"fields": {"vars": "are not variable names"}})
    return list(dict.fromkeys(names))


def export_rows(read: Any, query: Query, variables: list[str]) -> Iterator[list[str]]:
    """Every cycle of the query as text cells (export_columns order), a page of MAX_PAGE at a time,
    each page read in its own short transaction (``read`` opens one)."""
    current = replace(query, limit=MAX_PAGE)
    while True:
        with read() as s:
            rows, following = page(s, current)
        for r in rows:
            incident = r.incident
            yield [str(r.id), f"{r.regulation}-{r.id}", r.client_name, r.regulation, str(r.version),
                   r.status, r.stage or "", r.owner or "", r.started_at.isoformat(),
                   r.ended_at.isoformat() if r.ended_at else "",
                   ", ".join(w.element_id for w in r.waiting_at), (incident.element_id if incident else None) or "",
                   (incident.message if incident else None) or "",
                   str(r.amount) if r.amount is not None else "",  # the deal amount, a plain decimal
                   *(_cell(r.variables.get(v)) for v in variables)]
        if following is None:
            return
        current = replace(current, after=(rows[-1].started_at, rows[-1].id))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
