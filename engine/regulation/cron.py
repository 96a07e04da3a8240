"""Cron timer cycles as Camunda 7 writes them (the Quartz syntax), read by a small bounded parser.

Six or seven fields: seconds, minutes, hours, day of month, month, day of week, and an optional
year; ``*``, ``?`` (no specific value, in a day field), lists ``a,b``, ranges ``a-b``, steps
``a/n``, ``*/n`` and ``a-b/n``, month names ``JAN``-``DEC`` and day names ``SUN``-``SAT``. The days
of the week count as Quartz counts them: 1 is Sunday, 7 is Saturday. ``L``, ``W`` and ``#`` (last
day, nearest weekday, n-th weekday) are refused with a message. Fire times are in UTC; the next
one is searched day by day over at most ``MAX_YEARS``, so the work is bounded whatever the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MAX_YEARS = 100
MAX_LENGTH = 200
_MONTHS = {name: i + 1 for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))}
_DAYS = {name: i + 1 for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
#: field name, smallest and largest value, names
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("seconds", 0, 59, {}), ("minutes", 0, 59, {}), ("hours", 0, 23, {}),
    ("day of month", 1, 31, {}), ("month", 1, 12, _MONTHS), ("day of week", 1, 7, _DAYS),
    ("year", 1970, 2199, {}),
)
_CRON_FIELD = re.compile(r"^(?:[0-9*?/,#LW-]|" + "|".join((*_MONTHS, *_DAYS)) + r")+$", re.IGNORECASE)


class CronError(ValueError):
    """A cron expression that cannot be read; the message says which field and why."""


def is_cron(text: str) -> bool:
    """Looks like a Quartz cron expression: six or seven fields of cron characters, with ``?`` in
    the day-of-month or the day-of-week field (as Quartz and Camunda require)."""
    fields = text.split()
    return (len(fields) in (6, 7) and all(_CRON_FIELD.match(f) for f in fields)
            and "?" in (fields[3], fields[5]))


@dataclass(frozen=True)
class Schedule:
    text: str
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int] | None  # None: any day of the month
    months: frozenset[int]
    weekdays: frozenset[int] | None  # Quartz numbering, 1 = Sunday; None: any
    years: frozenset[int] | None

    def _day_ok(self, day: date) -> bool:
        return (day.month in self.months
                and (self.years is None or day.year in self.years)
                and (self.days is None or day.day in self.days)
                and (self.weekdays is None or day.isoweekday() % 7 + 1 in self.weekdays))

    def next_after(self, after: datetime) -> datetime | None:
        """The first fire time strictly after ``after`` (UTC), or None within MAX_YEARS."""
        moment = after.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        day = moment.date()
        floor = (moment.hour, moment.minute, moment.second)
        for _ in range(366 * MAX_YEARS):
            if self._day_ok(day):
                found = self._first_time(floor)
                if found is not None:
                    return datetime(day.year, day.month, day.day, *found, tzinfo=UTC)
            day += timedelta(days=1)
            floor = (0, 0, 0)
            if self.years is not None and day.year > max(self.years):
                return None
        return None

    def _first_time(self, floor: tuple[int, int, int]) -> tuple[int, int, int] | None:
        for hour in self.hours:
            if hour < floor[0]:
                continue
            for minute in self.minutes:
                if (hour, minute) < floor[:2]:
                    continue
                for second in self.seconds:
                    if (hour, minute, second) >= floor:
                        return hour, minute, second
        return None

    def shortest_gap(self) -> timedelta | None:
        """The shortest time between two fires (None: it never fires); conservative across midnight."""
        if self.next_after(datetime(2000, 1, 1, tzinfo=UTC)) is None and \
                self.next_after(datetime.now(UTC)) is None:
            return None
        times = sorted(h * 3600 + m * 60 + s for h in self.hours for m in self.minutes for s in self.seconds)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        gaps.append(86400 - times[-1] + times[0])
        return timedelta(seconds=min(gaps))


def parse(text: str) -> Schedule:
    """Read a Quartz cron expression; CronError naming the field that is wrong."""
    if len(text) > MAX_LENGTH:
        raise CronError(f"is {len(text)} characters long; the limit is {MAX_LENGTH}")
    fields = text.upper().split()
    if len(fields) not in (6, 7):
        raise CronError(f"has {len(fields)} fields; Camunda's cron has 6 or 7 (seconds minutes hours "
                        "day-of-month month day-of-week [year])")
    values = [_field(raw, *_FIELDS[i]) for i, raw in enumerate(fields)]
    if len(fields) == 6:
        values.append(None)
    seconds, minutes, hours, days, months, weekdays, years = values
    if seconds is None or minutes is None or hours is None:
        raise CronError("'?' is only allowed in the day-of-month and day-of-week fields")
    return Schedule(text, tuple(sorted(seconds)), tuple(sorted(minutes)), tuple(sorted(hours)),
                    None if days is None or len(days) == 31 else frozenset(days),
                    frozenset(months) if months is not None else frozenset(range(1, 13)),
                    None if weekdays is None or len(weekdays) == 7 else frozenset(weekdays),
                    None if years is None else frozenset(years))


def _field(raw: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int] | None:
    """The values of one field; None for ``?``."""
    if raw == "?":
        return None
    bare = raw
    for known in names:
        bare = bare.replace(known, "")
    if any(mark in bare for mark in ("L", "W", "#")):
        raise CronError(f"the {name} field {raw!r} uses L, W or #, which Reglament does not support; "
                        "list the days instead")
    out: set[int] = set()
    for part in raw.split(","):
        out |= _part(part, name, low, high, names)
    return out


def _part(part: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    span, _, step_text = part.partition("/")
    step = _number(step_text, name, 1, high - low + 1) if step_text else 1
    if span == "*":
        first, last = low, high
    elif "-" in span:
        left, _, right = span.partition("-")
        first, last = _value(left, name, low, high, names), _value(right, name, low, high, names)
        if last < first:
            raise CronError(f"the {name} range {span!r} ends before it starts")
    else:
        first = _value(span, name, low, high, names)
        last = high if step_text else first
    return set(range(first, last + 1, step))


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    if text in names:
        return names[text]
    return _number(text, name, low, high)


def _number(text: str, name: str, low: int, high: int) -> int:
    if not text.isdigit() or len(text) > 4:
        raise CronError(f"the {name} field has {text!r}, which is not a number from {low} to {high}")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"the {name} field has {value}, outside {low}-{high}")
    return value
