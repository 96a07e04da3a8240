"""Pay periods: a calendar month ("2026-11") or quarter ("2026-Q4").

Boundaries are in UTC, the same instant for every manager: a statement is a payroll
document of the company and must not depend on the zone of whoever opens it. (Plan
fulfilment in engine.planning counts each manager's own days; pay does not.) A period
runs from midnight UTC of its first day (included) to midnight UTC after its last day
(excluded).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from engine.shared import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Period:
    first: date  # the first day
    end: date  # the day after the last one
    key: str  # "2026-11" or "2026-Q4"
    kind: str  # month or quarter

    @property
    def last(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(0), tzinfo=UTC)

    def contains(self, moment: datetime) -> bool:
        return self.start_at <= moment < self.end_at

    def next(self) -> Period:
        return _make(self.end, self.kind)

    def previous(self) -> Period:
        return of(datetime.combine(date.fromordinal(self.first.toordinal() - 1), time(0),
                                   tzinfo=UTC), self.kind)

    def as_kind(self, kind: str) -> Period:
        """The month or quarter starting with this period's first day's month."""
        return _make(self.first, kind)

    def months(self) -> list[Period]:
        """The months of a quarter (a month is its own only month)."""
        if self.kind == "month":
            return [self]
        months, month = [], _make(self.first, "month")
        while month.first < self.end:
            months.append(month)
            month = month.next()
        return months

    def __str__(self) -> str:
        return self.key


def _make(first: date, kind: str) -> Period:
    if kind == "month":
        end = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return Period(first, end, f"{first.year}-{first.month:02d}", "month")
    quarter = (first.month - 1) // 3 + 1
    start = date(first.year, 3 * quarter - 2, 1)
    end = date(first.year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return Period(start, end, f"{first.year}-Q{quarter}", "quarter")


def parse(text: str | None) -> Period:
    """A period from "2026-11" or "2026-Q4"; InputInvalid otherwise."""
    raw = (text or "").strip().upper()
    month = _MONTH.match(raw)
    if month:
        return _make(date(int(month.group(1)), int(month.group(2)), 1), "month")
    quarter = _QUARTER.match(raw)
    if quarter:
        return _make(date(int(quarter.group(1)), 3 * int(quarter.group(2)) - 2, 1), "quarter")
    raise coded(InputInvalid, "period_invalid", {"text": repr(text)},
                {"fields": {"period": "is not a month (2026-11) or a quarter (2026-Q4)"}})


def of(moment: datetime, kind: str = "month") -> Period:
    """The period of that kind holding the instant (in UTC)."""
    return containing(moment.astimezone(UTC).date(), kind)


def containing(day: date, kind: str = "month") -> Period:
    """The month or quarter holding that calendar day."""
    return _make(date(day.year, day.month, 1), kind)
