"""Notifications in the app and the e-mail outbox."""
from __future__ import annotations

import logging

from engine.control import norms
from engine.notify import mail, notifications
from engine.notify.notifications import NotificationView
from engine.platform.base import Service
from engine.shared.access import Actor
from storage.repositories import notify as notify_repo

log = logging.getLogger("reglament.notify")


class NotifyService(Service):
    def notifications(self, actor: Actor, unread_only: bool = False, limit: int = 200) -> list[NotificationView]:
        return self.notification_page(actor, unread_only, limit)[0]

    def notification_page(self, actor: Actor, unread_only: bool = False, limit: int = 200,
                          after: str | None = None) -> tuple[list[NotificationView], str | None]:
        """A page of the actor's notifications (newest first) and the next page's cursor."""
        with self.query() as s:
            rows, following = notifications.listing(s, actor, unread_only, limit, after)
            return [NotificationView.of(n) for n in rows], following

    def unread_notifications(self, actor: Actor) -> int:
        with self.query() as s:
            return notifications.unread_count(s, actor)

    def mark_notifications_read(self, actor: Actor, ids: list[int] | None = None) -> int:
        """Mark the actor's notifications read (all when ``ids`` is None); returns how many."""
        with self.command() as s:
            return notifications.mark_read(s, actor, ids, self.platform.ctx.now())

    def open_notification(self, actor: Actor, notification_id: int) -> str:
        """Mark one read; returns the path it leads to."""
        with self.command() as s:
            return notifications.open_one(s, actor, notification_id, self.platform.ctx.now())

    def sweep_notifications(self) -> int:
        """The worker's periodic sweep: due-soon and overdue reminders, then forgotten-client
        reminders, then temporary hand-overs whose time has come; each in its own transaction,
        so one failing does not hold back the others."""
        with self.command() as s:
            sent = notifications.sweep(s, self.platform.ctx.now())
        for step in (self._remind_forgotten, self.platform.organization.return_due_handovers):
            try:
                step()
            except Exception:
                log.exception("sweep step %s failed", step.__name__)
        return sent

    def _remind_forgotten(self) -> int:
        with self.command() as s:
            return norms.remind_forgotten(s, self.platform.ctx.now())

    def send_mail(self, limit: int = mail.BATCH) -> int:
        """Send a batch of the e-mail outbox: claimed in one transaction, sent with none open,
        results written in another. Returns how many were sent."""
        if self.platform.smtp is None:
            return 0
        with self.command() as s:
            batch = mail.claim(s, self.platform.settings.base_url, self.platform.ctx.now(), limit,
                               self.platform.catalogue)
        if not batch:
            return 0
        results: dict[int, str | None] = {}
        try:
            results = mail.deliver(self.platform.smtp, self.platform.settings.mail_from, batch)
        finally:
            with self.command() as s:  # whatever happened, nothing stays claimed
                mail.record(s, {item.notification_id: results.get(item.notification_id, "not sent")
                                for item in batch})
        return sum(1 for error in results.values() if error is None)

    def requeue_mail(self) -> int:
        """E-mails a stopped worker left claimed go back to the outbox: those claimed longer ago
        than any send takes (mail.STUCK_AFTER), so another worker's sends in flight stay its own."""
        with self.command() as s:
            return notify_repo.requeue_emails(s, self.platform.ctx.now() - mail.STUCK_AFTER)
