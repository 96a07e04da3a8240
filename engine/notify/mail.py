"""E-mail: the outbox of notifications, sent with smtplib outside any transaction.

``REGLAMENT_SMTP_URL`` configures it: ``smtp://user:pass@host:port`` (plain, or
``?starttls=1`` to upgrade), ``smtps://...`` (TLS from the start). Without it nothing is
queued and nothing is sent. A notification to a user with an e-mail address is stored with
``email_status = 'pending'``; the worker claims a batch (``sending``), sends it, then marks
each ``sent``, or counts the attempt and puts it back (``pending``) until ``MAX_ATTEMPTS``
failures make it ``failed``. Subjects and bodies are in the recipient's language.
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from engine.shared import notices, organization_defaults
from storage.models import Notification, User
from storage.repositories import notify as notify_repo

MAX_ATTEMPTS = 5
BATCH = 50
#: a claimed e-mail still not sent after this went with a worker that stopped: it is sent again
STUCK_AFTER = timedelta(minutes=10)
TIMEOUT = 10.0  # seconds; the worker runs timers in the same loop


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    tls: bool = False  # smtps: TLS from the start
    starttls: bool = False

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse ``smtp[s]://[user[:password]@]host[:port][?starttls=1]``; ValueError if malformed."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"REGLAMENT_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("REGLAMENT_SMTP_URL names no host")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("REGLAMENT_SMTP_URL has a port that is not a number") from None
        tls = parts.scheme == "smtps"
        flag = (parse_qs(parts.query).get("starttls") or ["0"])[-1].lower()
        return cls(host=parts.hostname, port=port or (465 if tls else 25),
                   user=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password is not None else None,
                   tls=tls, starttls=flag in ("1", "true", "yes", "on"))


@dataclass(frozen=True)
class Outgoing:
    """One e-mail ready to send."""

    notification_id: int
    to: str
    subject: str
    body: str


# ---------------------------------------------------------------- texts

_SUBJECTS: dict[str, dict[str, str]] = {
    "en": {
        "assigned": "New task: {task} — {client}",
        "group": "New task for your group: {task} — {client}",
        "escalation": "Escalation: {task} — {client}",
        "reminder": "Reminder: {task} — {client}",
        "due_soon": "Due soon: {task} — {client}",
        "due_soon_contact": "Planned contact soon: {work_type} — {client}",
        "overdue": "Overdue: {task} — {client}",
        "contact_due": "Planned contact is due: {work_type} — {client}",
        "forgotten_client": "No contact for {days} days: {client}",
        "client_assigned": "New client: {client}",
        "client_assigned_many": "New clients: {count}",
        "client_passed": "Clients passed to you from {from_name}: {count}",
        "incident": "Incident: {element} — {client} (cycle {cycle_id})",
    },
    "ru": {
        "assigned": "Новая задача: {task} — {client}",
        "group": "Новая задача для вашей группы: {task} — {client}",
        "escalation": "Эскалация: {task} — {client}",
        "reminder": "Напоминание: {task} — {client}",
        "due_soon": "Скоро срок: {task} — {client}",
        "due_soon_contact": "Скоро запланированный контакт: {work_type} — {client}",
        "overdue": "Просрочено: {task} — {client}",
        "contact_due": "Пора выполнить запланированный контакт: {work_type} — {client}",
        "forgotten_client": "Нет контакта {days} дн.: {client}",
        "client_assigned": "Новый клиент: {client}",
        "client_assigned_many": "Новые клиенты: {count}",
        "client_passed": "Вам переданы клиенты от {from_name}: {count}",
        "incident": "Инцидент: {element} — {client} (цикл {cycle_id})",
    },
}
_LABELS = {
    "en": {"client": "Client", "stage": "Stage", "work_type": "Work type", "due_at": "Due",
           "planned_at": "Planned", "note": "Note", "open": "Open in Reglament",
           "footer": "You get this e-mail because your Reglament profile has this address. "
                     "Change it or remove it in your profile:"},
    "ru": {"client": "Клиент", "stage": "Этап", "work_type": "Вид работы", "due_at": "Срок",
           "planned_at": "Запланировано", "note": "Заметка", "open": "Открыть в Reglament",
           "footer": "Это письмо пришло, потому что этот адрес указан в вашем профиле Reglament. "
                     "Изменить или удалить его можно в профиле:"},
}


def _local(value: Any, zone: ZoneInfo) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{moment.astimezone(zone):%d.%m.%Y %H:%M} ({zone.key})"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "—"


def _subject_key(kind: str, data: dict[str, Any]) -> str:
    if kind == "due_soon" and data.get("activity_id"):
        return "due_soon_contact"
    if kind == "client_assigned":
        if data.get("from_name"):
            return "client_passed"
        return "client_assigned" if data.get("client") else "client_assigned_many"
    return kind


def untranslated(language: str) -> Callable[[str], str]:
    """The catalogue of no language: texts stay in English."""
    return str


def compose(note: Notification, locale: str, timezone: str | None, base_url: str,
            translate: Callable[[str], str] = str) -> tuple[str, str]:
    """Subject and plain-text body of a notification, in the recipient's language and zone
    (``translate``: the language's catalogue, for what the engine wrote as a notice)."""
    lang = locale if locale in _SUBJECTS else "en"
    data = note.data or {}
    key = _subject_key(note.kind, data)
    template = _SUBJECTS[lang].get(key)
    values = _Blank({k: str(v) for k, v in data.items() if v is not None})
    if "client" not in values and data.get("client_name"):
        values["client"] = str(data["client_name"])  # as engine.norms names it
    subject = template.format_map(values) if template else note.title
    subject = " ".join(subject.split())[:250]  # one line, whatever a diagram put in names
    labels = _LABELS[lang]
    zone = _zone(timezone)
    lines = [subject, ""]
    for field in ("client", "stage", "work_type", "due_at", "planned_at", "note"):
        value = values.get(field) if field == "client" else data.get(field)
        if field in ("due_at", "planned_at"):
            value = _local(value, zone)
        elif field == "note" and data.get("code"):  # an incident's message, in the recipient's language
            value = notices.render(str(data["code"]), data.get("params") or {}, translate=translate,
                                   fallback=str(value or ""))
        if value:
            lines.append(f"{labels[field]}: {value}")
    if note.link:
        lines += ["", f"{labels['open']}: {base_url}{note.link}"]
    lines += ["", "-- ", f"{labels['footer']} {base_url}/profile"]
    return subject, "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the outbox

def claim(session: Session, base_url: str, now: datetime, limit: int = BATCH,
          catalogue: Callable[[str], Callable[[str], str]] = untranslated) -> list[Outgoing]:
    """Take up to ``limit`` pending e-mails (marked ``sending``) and compose them, each in its
    recipient's language (``catalogue``: a language's gettext)."""
    pending: Sequence[tuple[Notification, User]] = notify_repo.pending_emails(session, limit)
    held = notify_repo.claim_emails(session, [n.id for n, _ in pending], now)
    out: list[Outgoing] = []
    for note, user in pending:
        if note.id not in held:
            continue
        time_zone, language = organization_defaults.of_user(user)
        subject, body = compose(note, language, time_zone, base_url, catalogue(language))
        out.append(Outgoing(note.id, user.email or "", subject, body))
    return out


def record(session: Session, results: dict[int, str | None]) -> None:
    """Write what sending did: None is sent; an error counts an attempt (failed after the last)."""
    for notification_id, error in results.items():
        note = session.get(Notification, notification_id)
        if note is None:
            continue
        if error is None:
            note.email_status = "sent"
            continue
        note.email_attempts += 1
        note.email_status = "failed" if note.email_attempts >= MAX_ATTEMPTS else "pending"


def deliver(config: SmtpConfig, sender: str, messages: Sequence[Outgoing]) -> dict[int, str | None]:
    """Send over one SMTP connection; per message None (sent) or the error. Never inside a
    transaction: this waits on the network."""
    if not messages:
        return {}
    results: dict[int, str | None] = {}
    try:
        with _connect(config) as smtp:
            for item in messages:
                if not item.to:
                    results[item.notification_id] = "the user has no e-mail address"
                    continue
                try:
                    smtp.send_message(_message(sender, item))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                        smtplib.SMTPSenderRefused, ValueError) as exc:
                    results[item.notification_id] = f"{type(exc).__name__}: {exc}"
                else:
                    results[item.notification_id] = None
    except (OSError, smtplib.SMTPException) as exc:  # connection, TLS, login: the rest failed too
        error = f"{type(exc).__name__}: {exc}"
        for item in messages:
            results.setdefault(item.notification_id, error)
    return results


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.tls:
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT)
    try:
        if config.starttls and not config.tls:
            smtp.starttls(context=context)
        if config.user:
            smtp.login(config.user, config.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _message(sender: str, item: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = item.to
    message["Subject"] = item.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "reglament")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(item.body)
    return message
