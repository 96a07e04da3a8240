"""A private calendar feed (iCalendar, RFC 5545) per user: their open assigned tasks that
have a planned or due time, and their planned ad-hoc contacts.

The URL carries no login, so its token is the secret: HMAC-SHA256 of ``"<user id>:<salt>"``
under the application's secret key. The token is not stored; rotating the user's
``calendar_salt`` revokes every URL given out before.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.shared import days, organization_defaults
from engine.shared.errors import NotFound
from storage.models import Activity, OpenTask, User
from storage.repositories import accounts as accounts_repo
from storage.repositories import notify as notify_repo
from storage.repositories import regulation as regulation_repo

#: how long an event lasts when nothing says otherwise
EVENT_LENGTH = timedelta(minutes=30)
#: octets per content line before folding (RFC 5545 §3.1)
LINE_OCTETS = 75

_LABELS = {
    "en": {"stage": "Stage", "work_type": "Work type", "due": "Due", "planned": "Planned", "note": "Note",
           "calendar": "Reglament"},
    "ru": {"stage": "Этап", "work_type": "Вид работы", "due": "Срок", "planned": "Запланировано",
           "note": "Заметка", "calendar": "Reglament"},
}


def token(secret: str, user_id: int, salt: str) -> str:
    digest = hmac.new(secret.encode(), f"{user_id}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def owner(session: Session, secret: str, user_id: int, given: str) -> User:
    """The feed's user when ``given`` is their current token; NotFound otherwise (also for
    unknown or disabled users, so a wrong URL tells nothing)."""
    user = accounts_repo.user_by_id(session, user_id)
    expected = token(secret, user_id, user.calendar_salt if user is not None else "")
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")) \
            or user is None or not user.active:
        raise NotFound("no such calendar")
    return user


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str
    url: str


def events(session: Session, user: User, base_url: str) -> list[Event]:
    time_zone, language = organization_defaults.of_user(user)
    labels = _LABELS.get(language, _LABELS["en"])
    zone = _zone_name(time_zone)
    out = [_task_event(t, labels, zone, base_url) for t in regulation_repo.assigned_open_tasks(session, [user.login])
           if t.planned_at or t.due_at]
    out += [_activity_event(a, labels, zone, base_url) for a in notify_repo.planned_activities(session, user.login)]
    return sorted(out, key=lambda e: (e.start, e.uid))


def _task_event(task: OpenTask, labels: dict[str, str], zone: str, base_url: str) -> Event:
    start = task.planned_at or task.due_at
    assert start is not None
    end = start + EVENT_LENGTH
    if task.due_at is not None and start < task.due_at < end:
        end = task.due_at  # planned shortly before it is due: the event ends when it is due
    url = f"{base_url}/tasks/{task.id}"
    lines = [f"{labels['stage']}: {task.stage}" if task.stage else None,
             f"{labels['work_type']}: {task.work_type}" if task.work_type else None,
             f"{labels['planned']}: {_local(task.planned_at, zone)}" if task.planned_at else None,
             f"{labels['due']}: {_local(task.due_at, zone)}" if task.due_at else None, url]
    return Event(f"task-{task.id}@reglament", start, end, f"{task.name} — {task.client.name}",
                 "\n".join(x for x in lines if x), url)


def _activity_event(activity: Activity, labels: dict[str, str], zone: str, base_url: str) -> Event:
    url = f"{base_url}/clients/{activity.client_id}"
    lines = [f"{labels['work_type']}: {activity.work_type}",
             f"{labels['note']}: {activity.note}" if activity.note else None, url]
    return Event(f"activity-{activity.id}@reglament", activity.planned_at, activity.planned_at + EVENT_LENGTH,
                 f"{activity.work_type} — {activity.client.name}", "\n".join(x for x in lines if x), url)


def _zone_name(name: str | None) -> str:
    """The user's zone name when it is a known one (engine.days reads unknown ones as UTC)."""
    return name if name and days.zone(name) is not UTC else "UTC"


def _local(moment: datetime | None, zone: str) -> str:
    assert moment is not None
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


# ---------------------------------------------------------------- iCalendar text

def render(calendar_name: str, zone: str, items: Iterable[Event], stamp: datetime) -> str:
    """The VCALENDAR: CRLF line ends, lines folded at 75 octets, text values escaped."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Reglament//Sales work calendar//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(calendar_name)}",
             f"X-WR-TIMEZONE:{escape(zone)}", "REFRESH-INTERVAL;VALUE=DURATION:PT15M",
             "X-PUBLISHED-TTL:PT15M"]
    for item in items:
        lines += ["BEGIN:VEVENT", f"UID:{escape(item.uid)}", f"DTSTAMP:{utc(stamp)}",
                  f"DTSTART:{utc(item.start)}", f"DTEND:{utc(item.end)}",
                  f"SUMMARY:{escape(item.summary)}", f"DESCRIPTION:{escape(item.description)}",
                  f"URL:{item.url}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets (continuations start with a space),
    never inside a UTF-8 character."""
    if len(line.encode("utf-8")) <= LINE_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space takes one octet
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def feed(session: Session, secret: str, user_id: int, given: str, base_url: str, now: datetime) -> str:
    user = owner(session, secret, user_id, given)
    time_zone, language = organization_defaults.of_user(user)
    zone = _zone_name(time_zone)
    name = f"{_LABELS.get(language, _LABELS['en'])['calendar']} — {user.name}"
    return render(name, zone, events(session, user, base_url), now)
