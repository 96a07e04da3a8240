"""E-mail: notifications go out through the configured SMTP server, in the recipient's language,
outside any transaction; failures are retried, then given up. No server configured, no mail."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import Clock
from sqlalchemy import select

from engine.notify import mail
from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.shared.settings import Settings
from storage.db import Database
from storage.models import Notification


class Inbox:
    """An aiosmtpd handler that keeps what it receives; refuses recipients starting with 'bad'."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.startswith("bad"):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _mailing(database: Database, clock: Clock, smtp_url: str) -> Reglament:
    settings = Settings(database_url=database.url, secret_key="test-secret", smtp_url=smtp_url,
                        mail_from="Reglament <reglament@example.com>", base_url="https://crm.example.com")
    return Reglament(database, "test-secret", clock=clock, settings=settings)


def _email_states(platform: Reglament) -> list[tuple[str, str | None, int]]:
    with platform.query() as s:
        return [(n.login, n.email_status, n.email_attempts)
                for n in s.scalars(select(Notification).order_by(Notification.id))]


def _sale_for(p: Reglament, actors: dict, owner: str, name: str) -> dict:
    client = p.clients.create_client(actors["head"], name, owner=owner)
    return p.regulation.start_cycle(actors["head"], client.id, "new_client_sale")


def test_a_new_task_is_mailed_to_its_assignee_in_their_language_and_zone(
        platform: Reglament, database: Database, clock: Clock, actors, smtp_server, profiles) -> None:
    inbox, port = smtp_server
    p = _mailing(database, clock, f"smtp://127.0.0.1:{port}")
    p.regulation.save_work_type(actors["head"], "call", "Call", "P1D")  # due 2026-11-27 09:00 UTC
    p.accounts.update_profile(actors["boris"], "boris@example.com", "Europe/Moscow", "ru")
    p.accounts.update_profile(actors["anna"], "anna@example.com", "UTC", "en")
    _sale_for(p, actors, "boris", "Ромашка")
    _sale_for(p, actors, "anna", "Alpha Ltd")
    assert inbox.messages == []  # nothing is sent by the command itself
    Worker(p).run_once()
    [ru] = inbox.to("boris@example.com")
    assert ru["Subject"] == "Новая задача: Qualification call — Ромашка"
    assert ru["From"] == "Reglament <reglament@example.com>" and ru["To"] == "boris@example.com"
    body = ru.get_content()
    assert "Клиент: Ромашка" in body and "Срок: 27.11.2026 12:00 (Europe/Moscow)" in body
    assert "https://crm.example.com/tasks/" in body
    [en] = inbox.to("anna@example.com")
    assert en["Subject"] == "New task: Qualification call — Alpha Ltd"
    assert "Client: Alpha Ltd" in en.get_content() and "Due: 27.11.2026 09:00 (UTC)" in en.get_content()
    assert [state for login, state, _ in _email_states(p)] == ["sent", "sent"]
    Worker(p).run_once()
    assert len(inbox.messages) == 2  # sent once


def test_someone_without_an_address_gets_no_mail(platform: Reglament, database: Database, clock: Clock,
                                                  actors, smtp_server, profiles) -> None:
    inbox, port = smtp_server
    p = _mailing(database, clock, f"smtp://127.0.0.1:{port}")
    _sale_for(p, actors, "anna", "Silent Ltd")
    Worker(p).run_once()
    assert inbox.messages == []
    assert _email_states(p) == [("anna", None, 0)]


def test_without_an_smtp_url_nothing_is_queued_or_sent(platform: Reglament, actors, smtp_server,
                                                       profiles) -> None:
    inbox, _ = smtp_server
    assert Settings.from_env({"REGLAMENT_SECRET_KEY": "x"}).smtp_url is None
    platform.accounts.update_profile(actors["anna"], "anna@example.com", "UTC", "en")
    _sale_for(platform, actors, "anna", "Quiet Ltd")
    Worker(platform).run_once()
    assert platform.notify.send_mail() == 0
    assert inbox.messages == []
    assert _email_states(platform) == [("anna", None, 0)]


def test_a_server_that_cannot_be_reached_is_tried_five_times_then_given_up(
        platform: Reglament, database: Database, clock: Clock, actors, profiles) -> None:
    p = _mailing(database, clock, f"smtp://127.0.0.1:{_free_port()}")  # nobody listens there
    p.accounts.update_profile(actors["anna"], "anna@example.com", "UTC", "en")
    _sale_for(p, actors, "anna", "Unreachable Ltd")
    for attempt in range(1, 5):
        assert p.notify.send_mail() == 0
        assert _email_states(p) == [("anna", "pending", attempt)]
    p.notify.send_mail()
    assert _email_states(p) == [("anna", "failed", 5)]
    p.notify.send_mail()
    assert _email_states(p) == [("anna", "failed", 5)]


def test_a_refused_recipient_counts_an_attempt_for_that_mail_only(
        platform: Reglament, database: Database, clock: Clock, actors, smtp_server, profiles) -> None:
    inbox, port = smtp_server
    p = _mailing(database, clock, f"smtp://127.0.0.1:{port}")
    p.accounts.update_profile(actors["anna"], "bad-anna@example.com", "UTC", "en")
    p.accounts.update_profile(actors["boris"], "boris@example.com", "UTC", "ru")
    _sale_for(p, actors, "anna", "Refused Ltd")
    _sale_for(p, actors, "boris", "Accepted Ltd")
    assert p.notify.send_mail() == 1
    assert _email_states(p) == [("anna", "pending", 1), ("boris", "sent", 0)]
    assert [rcpt for rcpt, _ in inbox.messages] == [["boris@example.com"]]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_server_login_from_the_url_is_used(platform: Reglament, database: Database, clock: Clock,
                                               actors, profiles) -> None:
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        seen.append((data.login, data.password))
        return AuthResult(success=(data.login, data.password) == (b"mailer", b"s@cret"))

    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        p = _mailing(database, clock, f"smtp://mailer:s%40cret@127.0.0.1:{port}")
        p.accounts.update_profile(actors["anna"], "anna@example.com", "UTC", "en")
        _sale_for(p, actors, "anna", "Login Ltd")
        assert p.notify.send_mail() == 1
    finally:
        controller.stop()
    assert seen == [(b"mailer", b"s@cret")] and len(inbox.to("anna@example.com")) == 1


@pytest.mark.parametrize("url, expected", [
    ("smtp://mail.example.com", mail.SmtpConfig("mail.example.com", 25)),
    ("smtp://u:p%2Fw@mail.example.com:2525?starttls=1",
     mail.SmtpConfig("mail.example.com", 2525, "u", "p/w", tls=False, starttls=True)),
    ("smtps://robot@mail.example.com", mail.SmtpConfig("mail.example.com", 465, "robot", None, tls=True)),
])
def test_smtp_urls(url: str, expected: mail.SmtpConfig) -> None:
    assert mail.SmtpConfig.from_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://host:port"])
def test_a_malformed_smtp_url_stops_the_start(url: str, database: Database) -> None:
    with pytest.raises(ValueError):
        Reglament(database, "s", settings=Settings(database_url=database.url, secret_key="s", smtp_url=url))


def test_mail_left_claimed_by_a_stopped_worker_is_sent_later_and_mail_in_flight_is_not_doubled(
        platform: Reglament, database: Database, clock: Clock, actors, smtp_server, profiles) -> None:
    """A worker killed between claiming and sending leaves e-mails 'sending': after
    mail.STUCK_AFTER another worker sends them; before that they are someone's send in flight."""
    inbox, port = smtp_server
    p = _mailing(database, clock, f"smtp://127.0.0.1:{port}")
    p.accounts.update_profile(actors["anna"], "anna@example.com", "UTC", "en")
    _sale_for(p, actors, "anna", "Alpha Ltd")
    with p.command() as s:  # a worker claims the batch, then dies before sending
        assert len(mail.claim(s, "https://crm.example.com", clock.now)) == 1
    clock.advance(minutes=2)
    Worker(p).run_once()
    assert inbox.messages == [], "a claim two minutes old may still be in flight: not sent twice"
    clock.advance(minutes=9)
    Worker(p).run_once()
    assert len(inbox.to("anna@example.com")) == 1, "the stopped worker's mail goes out once"
    assert [state for _, state, _ in _email_states(p)] == ["sent"]
