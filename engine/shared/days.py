"""Days and weeks in a user's time zone.

Storage is UTC. A user's day runs from midnight to midnight in the user's time zone
(an IANA name such as Europe/Moscow); these helpers turn such days into UTC instants.
An unknown zone name counts as UTC rather than failing a page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ONE_DAY = timedelta(days=1)
_LAST_MICROSECOND = timedelta(microseconds=1)


@lru_cache(maxsize=512)
def zone(name: str | None) -> tzinfo:
    """The time zone of that IANA name; UTC when empty or unknown."""
    if not name or name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def to_date(value: Any) -> date:
    """A day given as a date, a datetime (its date) or ISO text ("2026-11-30", spaces around
    allowed); ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value or "").strip())


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar day a UTC instant falls on in ``tz``."""
    return moment.astimezone(tz).date()


def start_of(day: date, tz: tzinfo) -> datetime:
    """Midnight at the start of ``day`` in ``tz``, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def start_of_day(moment: datetime, tz: tzinfo) -> datetime:
    return start_of(local_date(moment, tz), tz)


def end_of_day(moment: datetime, tz: tzinfo) -> datetime:
    """The last microsecond of the day ``moment`` falls on in ``tz`` (23:59:59.999999 local).

    Work planned for a day is due by then; the instant still lies inside that day, so a
    deadline is counted in the period holding its day."""
    return start_of(local_date(moment, tz) + ONE_DAY, tz) - _LAST_MICROSECOND


@dataclass(frozen=True)
class Week:
    """Monday to Sunday in one time zone."""

    dates: tuple[date, ...]
    tz: tzinfo

    @classmethod
    def of(cls, now: datetime, tz: tzinfo = UTC) -> Week:
        return cls.containing(local_date(now, tz), tz)

    @classmethod
    def containing(cls, day: date, tz: tzinfo = UTC) -> Week:
        monday = day - timedelta(days=day.weekday())
        return cls(tuple(monday + timedelta(days=i) for i in range(7)), tz)

    @property
    def start(self) -> datetime:
        return start_of(self.dates[0], self.tz)

    @property
    def end(self) -> datetime:
        return start_of(self.dates[-1] + ONE_DAY, self.tz)

    def day_index(self, moment: datetime) -> int | None:
        """0 (Monday) to 6 (Sunday) when ``moment`` falls in this week, else None."""
        index = (local_date(moment, self.tz) - self.dates[0]).days
        return index if 0 <= index < 7 else None
