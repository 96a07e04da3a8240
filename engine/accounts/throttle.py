"""Log-in throttling per account and per address, kept in the database so that every app host
sharing it counts the same attempts.

An attempt is counted *before* the password is checked (in its own short transaction, the rows
locked), so parallel guesses cannot slip past the limit; a successful log-in takes it back: the
account's counter is cleared and the address's one lowered again. After ``limit`` failures the key is
locked for a delay that doubles with every further failure, up to ``MAX_DELAY``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from engine.accounts import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.errors import Unauthenticated
from engine.shared.notices import Notice
from storage.models.accounts import LoginThrottle
from storage.repositories import accounts as accounts_repo

#: failures of one account before it is locked for a while
ACCOUNT_LIMIT = 5
#: failures from one address (many people behind one office proxy share it)
ADDRESS_LIMIT = 30
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=15)
#: a key with no attempt for this long starts again from zero
QUIET = timedelta(minutes=30)
#: rows untouched for this long are deleted
FORGET = timedelta(days=1)


class LoginThrottled(Unauthenticated):
    """Too many failed attempts: ``retry_after`` seconds until the next one is accepted."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        self.notice = Notice("login_throttled", {"seconds": str(self.retry_after)})
        super().__init__(self.notice.text, {"retry_after": self.retry_after})


@dataclass(frozen=True)
class Keys:
    account: str
    address: str | None

    @classmethod
    def of(cls, login: str, address: str | None) -> Keys:
        return cls(account="account:" + (login or "").strip().lower()[:150],
                   address=("address:" + address[:150]) if address else None)

    def all(self) -> list[str]:
        return [self.account] + ([self.address] if self.address else [])


def _limit(key: str) -> int:
    return ACCOUNT_LIMIT if key.startswith("account:") else ADDRESS_LIMIT


def delay(failures_over_limit: int) -> timedelta:
    """The lock after the limit's failure (0), the next one (1)...: 1, 2, 4, 8 minutes, at most 15."""
    wait: timedelta = FIRST_DELAY * (2 ** min(failures_over_limit, 10))
    return min(wait, MAX_DELAY)


def _wait(row: LoginThrottle, now: datetime) -> int | None:
    if row.locked_until is not None and row.locked_until > now:
        return math.ceil((row.locked_until - now).total_seconds())
    return None


def count_attempt(session: Session, keys: Keys, now: datetime) -> None:
    """Refuse the attempt when a key is locked (LoginThrottled); otherwise count it as a failure."""
    accounts_repo.forget_stale_throttles(session, now - FORGET)
    rows = accounts_repo.throttles_for_update(session, keys.all())
    waits = [w for w in (_wait(r, now) for r in rows.values()) if w is not None]
    if waits:
        raise LoginThrottled(max(waits))
    for key in keys.all():
        row = rows.get(key) or accounts_repo.add_throttle(session, key, now)
        if now - row.last_attempt_at > QUIET:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_attempt_at = now
        over = row.failures - _limit(key)
        if over >= 0:
            row.locked_until = now + delay(over)


def succeeded(session: Session, keys: Keys, now: datetime) -> None:
    """The password was right: clear the account's counter, take the attempt back from the address."""
    rows = accounts_repo.throttles_for_update(session, keys.all())
    account = rows.get(keys.account)
    if account is not None:
        session.delete(account)
    address = rows.get(keys.address) if keys.address else None
    if address is not None:
        address.failures = max(0, address.failures - 1)
        if address.failures < ADDRESS_LIMIT:
            address.locked_until = None


def retry_after(session: Session, keys: Keys, now: datetime) -> int | None:
    """Seconds until a locked key accepts attempts again (None: not locked)."""
    rows = [accounts_repo.throttle(session, key) for key in keys.all()]
    waits = [w for w in (_wait(r, now) for r in rows if r is not None) if w is not None]
    return max(waits) if waits else None
