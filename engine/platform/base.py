"""The unit of work every area service runs its commands and reads in.

A command is one write transaction: a lost optimistic-lock race, a unique-key
conflict or a database lock conflict becomes the engine's ConcurrentChange.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.accounts import users as accounts
from engine.clients import imports
from engine.notify import mail, notifications
from engine.regulation import cycles, runtime
from engine.shared import clock
from engine.shared.access import Actor
from engine.shared.clock import DatabaseClock
from engine.shared.errors import ConcurrentChange
from engine.shared.settings import Settings
from storage import schema
from storage.db import Database
from storage.models import utcnow
from storage.repositories.clock import database_now

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from engine.platform.root import Reglament


#: the read transaction a page-shaped read opened: reads nested in it share its snapshot
_READING: ContextVar[Session | None] = ContextVar("reglament_reading", default=None)


class Base:
    """Owns the database, the settings, the compiled-spec cache and the unit of work."""

    def __init__(self, db: Database, secret_key: str, clock: Callable[[], datetime] | None = None,
                 settings: Settings | None = None) -> None:
        if clock is None:  # several hosts share PostgreSQL: its clock decides timers and leases
            clock = DatabaseClock(lambda: self._database_now()) if db.is_postgresql else utcnow
        self.db = db
        self.secret_key = secret_key
        self.settings = settings or Settings(database_url=db.url, secret_key=secret_key)
        # e-mail goes out only when an SMTP server is configured (a malformed URL fails here)
        self.smtp = mail.SmtpConfig.from_url(self.settings.smtp_url) if self.settings.smtp_url else None
        self.specs = runtime.SpecCache()
        self.ctx = cycles.Context(specs=self.specs, now=clock)
        # files uploaded for import wait in the database for a worker (this host's disk caches them)
        self.uploads = imports.Uploads(self.command, self.query, imports.UPLOAD_DIR, clock)
        self.tokens = accounts.TokenSigner(secret_key)
        self.token_cache: dict[str, tuple[tuple[bool, int, int], Actor]] = {}
        #: the message catalogue of a language (its gettext) for what the engine writes outside a
        #: page (e-mails); the web sets it, the engine alone writes English
        self.catalogue: Callable[[str], Callable[[str], str]] = mail.untranslated

    @contextmanager
    def command(self) -> Iterator[Session]:
        """One write transaction; commits when the block ends without an error."""
        try:
            with clock.using(self.ctx.now), self.db.unit_of_work(write=True) as session:
                session.info[notifications.EMAIL_ENABLED] = self.smtp is not None
                yield session
        except StaleDataError:
            raise ConcurrentChange("someone else changed this cycle at the same moment; "
                                   "reload and try again") from None
        except IntegrityError as exc:  # the database's own words stay in the log, not in the answer
            log.info("a command conflicted with another change: %s", exc.orig)
            raise ConcurrentChange("the change conflicts with another one made at the same moment; "
                                   "reload and try again") from None
        except OperationalError as exc:
            if "locked" in str(exc.orig).lower() or "deadlock" in str(exc.orig).lower():
                raise ConcurrentChange("the database is busy with a conflicting change; try again") from None
            raise

    @contextmanager
    def query(self) -> Iterator[Session]:
        """One read-only transaction; a read inside another read joins it (one snapshot per page)."""
        outer = _READING.get()
        if outer is not None:
            yield outer
            return
        with self.db.unit_of_work(write=False) as session:
            token = _READING.set(session)
            try:
                yield session
            finally:
                _READING.reset(token)

    @contextmanager
    def lookup(self) -> Iterator[Session]:
        """A read of one statement (PostgreSQL: without BEGIN and ROLLBACK); inside a read it joins it."""
        outer = _READING.get()
        if outer is not None:
            yield outer
            return
        with self.db.lookup() as session:
            yield session

    def _database_now(self) -> datetime:
        with self.db.unit_of_work(write=False) as session:
            return database_now(session)

    def init_schema(self) -> None:
        schema.upgrade(self.db)


class Service:
    """An area service: its commands and reads run in the base's unit of work."""

    def __init__(self, platform: Reglament) -> None:
        self.platform = platform

    def command(self) -> AbstractContextManager[Session]:
        return self.platform.command()

    def query(self) -> AbstractContextManager[Session]:
        return self.platform.query()
