"""Idempotency keys: a create or start call retried with the same ``Idempotency-Key`` is done once.

The key is claimed in its own transaction before the call runs (a row per user and key, shared
by every app host through the database). The call's own write transaction marks the key
``committed`` as it commits (a ``before_commit`` hook, so the mark and the work commit or roll
back together); the answer is stored afterwards. So:

- the same key and the same request within ``KEEP`` (24 h) answers the stored first answer;
- the same key with another request (method, path or body) is refused (422 naming the conflict);
- a duplicate arriving while the first still runs waits up to ``WAIT`` seconds for its answer,
  then gets 409 ``idempotency_in_progress`` (try again);
- a request that failed before any work committed forgets its key (a retry runs it again); one
  whose process died before committing leaves a claim that another host takes over after the
  lease (``LEASE``); one whose process died after committing and before answering answers (after
  the lease) 409 ``idempotency_answer_lost`` (done once; read the resource) instead of doing it twice;
- the worker deletes keys older than ``KEEP``.
"""
from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from engine.platform.base import Base
from engine.shared.errors import ConcurrentChange, InputInvalid
from storage.repositories import operations as repo

#: how long a key and its answer are kept
KEEP = timedelta(hours=24)
#: how long a claim is held by a request that has not committed (then another host may take over)
LEASE = timedelta(seconds=float(os.environ.get("REGLAMENT_IDEMPOTENCY_LEASE_SECONDS") or 60))
#: how long a duplicate waits for the first request's answer before 409
WAIT = 5.0
#: a key is 1 to 200 printable ASCII characters
MAX_KEY_LENGTH = 200
#: answers longer than this are not kept (a replay then says the answer is lost)
MAX_ANSWER_BYTES = 1024 * 1024
_WRITE = "reglament_write"


class IdempotencyKeyInvalid(InputInvalid):
    code = "idempotency_key_invalid"


class IdempotencyKeyReused(InputInvalid):
    code = "idempotency_key_reused"


class IdempotencyInProgress(ConcurrentChange):
    code = "idempotency_in_progress"


class IdempotencyAnswerLost(ConcurrentChange):
    code = "idempotency_answer_lost"


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


@dataclass
class Claim:
    """This request holds the key: its commits mark it, its answer is stored under it."""

    id: int
    owner: str
    committed: bool = False


#: the claim of the request running in this context (set only while its view runs)
_ACTIVE: ContextVar[Claim | None] = ContextVar("reglament_idempotency_claim", default=None)


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or any(not 0x20 < ord(ch) < 0x7F for ch in key):
        raise IdempotencyKeyInvalid(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters "
                                    "without spaces", {"fields": {"Idempotency-Key": "is not a valid key"}})
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _new_owner() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class Idempotency:
    """Claims, replays and answers of idempotency keys on one platform's database."""

    def __init__(self, platform: Base, wait: float = WAIT, lease: timedelta = LEASE) -> None:
        self.platform = platform
        self.wait = wait
        self.lease = lease
        _install_commit_hook()

    def claim(self, user_id: int, key: str, print_: str) -> Claim | Answer:
        """Hold the key for this request, or the stored answer of the first one; raises 422/409."""
        key = check_key(key)
        deadline = time.monotonic() + self.wait
        while True:
            outcome = self._try(user_id, key, print_)
            if outcome is not None:
                return outcome
            if time.monotonic() >= deadline:
                raise IdempotencyInProgress(
                    "a request with this Idempotency-Key is still running; try again in a moment",
                    {"retry_after": 1})
            time.sleep(0.05)

    def _try(self, user_id: int, key: str, print_: str) -> Claim | Answer | None:
        p = self.platform
        now = p.ctx.now()
        owner = _new_owner()
        fresh = {"user_id": user_id, "key": key, "fingerprint": print_, "state": "pending", "owner": owner,
                 "lease_until": now + self.lease, "created_at": now, "status": None, "content_type": None,
                 "body": None}
        with p.command() as s:
            inserted = repo.insert_key(s, fresh)
            if inserted is not None:
                return Claim(inserted, owner)
            row = repo.find_key(s, user_id, key)
            if row is None:  # deleted in between (expired and cleaned): try again
                return None
            if row.created_at <= now - KEEP or (row.state == "pending" and row.lease_until <= now):
                # an expired key starts afresh; a claim whose request died before committing is taken over
                fresh.pop("user_id"), fresh.pop("key")
                if repo.restart_key(s, row.id, row.owner, row.created_at, fresh):
                    return Claim(row.id, owner)
                return None
            if row.fingerprint != print_:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was already used with a different request (method, path or body); "
                    "use a new key for a new request", {"fields": {"Idempotency-Key": "was used for another request"}})
            if row.state == "done":
                if row.body is None or row.status is None:
                    raise IdempotencyAnswerLost("the request with this Idempotency-Key was done once; its answer was "
                                                "too long to keep: read the resource instead")
                return Answer(row.status, row.content_type or "application/json", row.body)
            if row.state == "committed" and row.lease_until <= now:
                raise IdempotencyAnswerLost("the request with this Idempotency-Key was done once, but its server "
                                            "stopped before answering: read the resource instead of repeating it")
            return None  # pending or committed within the lease: the first request is still running

    @contextmanager
    def running(self, claim: Claim) -> Iterator[Claim]:
        """While the call runs, its write transactions mark the key committed as they commit."""
        token = _ACTIVE.set(claim)
        try:
            yield claim
        finally:
            _ACTIVE.reset(token)

    def finish(self, claim: Claim, status: int, content_type: str, body: bytes) -> None:
        """Keep the answer when the call did something (or succeeded); else forget the key."""
        with self.platform.command() as s:
            if claim.committed or status < 400:
                repo.store_answer(s, claim.id, claim.owner, status, content_type,
                                  body if len(body) <= MAX_ANSWER_BYTES else None)
            else:
                repo.release_key(s, claim.id, claim.owner)

    def abandon(self, claim: Claim) -> None:
        """The call crashed: forget the key unless its work committed (then it stays done-once)."""
        if not claim.committed:
            with self.platform.command() as s:
                repo.release_key(s, claim.id, claim.owner)

    def clean(self, now: datetime) -> int:
        """Delete keys older than KEEP (the worker calls this); how many went."""
        with self.platform.command() as s:
            return repo.delete_keys_before(s, now - KEEP)


def _is_write(session: Session) -> bool:
    bind: Any = session.get_bind()
    options: Callable[[], dict[str, Any]] | None = getattr(bind, "get_execution_options", None)
    return bool(options and options().get(_WRITE, False))


def _before_commit(session: Session) -> None:
    claim = _ACTIVE.get()
    if claim is None or claim.committed or not _is_write(session):
        return
    if not repo.mark_committed(session, claim.id, claim.owner):  # the work is rolled back, not done twice
        raise ConcurrentChange("this request's Idempotency-Key was taken over by a retry after its lease ran "
                               "out; the retry does the work")
    session.info["idempotency_claim"] = claim


def _after_commit(session: Session) -> None:
    claim = session.info.pop("idempotency_claim", None)
    if isinstance(claim, Claim):
        claim.committed = True


def _after_rollback(session: Session) -> None:
    session.info.pop("idempotency_claim", None)


_installed = False


def _install_commit_hook() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    _installed = True
