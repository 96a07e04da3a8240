"""Checking the values of a client or a contact person as the forms and the API give them:
per-field problems (English text for the API, a code and parameters for the UI), model values.
Tax ids (ИНН) are checked by engine.clients.tax_ids; phones and e-mails get their normalised
keys (storage.keys)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from engine.clients import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    tax_ids,
)
from engine.shared.access import HEADS, SELLERS, Actor
from engine.shared.errors import FieldProblems, Forbidden
from engine.shared.notices import coded
from storage import keys
from storage.models import Client, Contact, Segment, User
from storage.repositories import accounts as accounts_repo
from storage.repositories import clients as clients_repo


class ClientKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class ClientSize(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class ClientStatus(StrEnum):
    """Where a client stands with us, from a first lead to a customer (or gone quiet)."""

    LEAD = "lead"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    INACTIVE = "inactive"


KINDS = tuple(ClientKind)
SIZES = tuple(ClientSize)
STATUSES = tuple(ClientStatus)
NOTE_MAX = 4000
#: the editable fields of a client, in form order
CLIENT_FIELDS = ("name", "kind", "tax_id", "industry", "region", "size", "segment", "source", "status", "owner")
CONTACT_FIELDS = ("name", "position", "phone", "email")
_LIMITS = {"name": 300, "tax_id": 20, "industry": 100, "region": 100, "source": 100}
_CONTACT_LIMITS = {"name": 200, "position": 200, "phone": 50, "email": 254}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+[^@\s]*$")
_PHONE_CHARS = re.compile(r"^[\d\s+()./-]+$")
_MIN_PHONE_DIGITS = 5

# ---------------------------------------------------------------- per-field problems

def strings(values: Mapping[str, Any], allowed: tuple[str, ...], problems: FieldProblems,
             prefix: str = "") -> dict[str, str | None]:
    """The given values stripped, empty ones as None; anything not text is a problem."""
    out: dict[str, str | None] = {}
    for key, value in values.items():
        name = prefix + key
        if key not in allowed:
            problems.add(name, "unknown", "is not a field (known: " + ", ".join(allowed) + ")")
            continue
        if isinstance(value, int) and not isinstance(value, bool) and key in ("tax_id", "phone"):
            value = str(value)
        if value is not None and not isinstance(value, str):
            problems.add(name, "text", "must be text")
            continue
        out[key] = (value or "").strip() or None
    return out


# ---------------------------------------------------------------- checking values

def segment_named(session: Session, name: str, problems: FieldProblems) -> Segment | None:
    known = list(clients_repo.segments(session))
    found = next((s for s in known if s.name.lower() == name.lower()), None)
    if found is None:
        listed = ", ".join(s.name for s in known) or "none defined"
        problems.add("segment", "unknown_segment", f"unknown segment {name!r} (known: {listed})",
                     value=name, known=listed)
    return found


def owner_named(session: Session, actor: Actor, login: str, current: int | None, problems: FieldProblems) -> User | None:
    login = login.lower()
    user = accounts_repo.user_by_login(session, login)
    if user is not None and user.id == current:
        return user
    if login != actor.login and not actor.has_any(HEADS):
        raise coded(Forbidden, "client_give_to_another", {})
    if user is None:
        problems.add("owner", "unknown_user", f"no user {login!r}", value=login)
    elif not user.active or not (user.role_set & SELLERS):
        problems.add("owner", "cannot_own", f"{login} cannot own clients (not an active manager)", value=login)
        return None
    return user


def check_client(session: Session, actor: Actor, given: dict[str, str | None], problems: FieldProblems,
                  current: Client | None) -> dict[str, Any]:
    """Model values for the given fields (those present); problems for bad ones."""
    out: dict[str, Any] = {}
    for name, limit in _LIMITS.items():
        value = given.get(name)
        if value is not None and len(value) > limit:
            problems.add(name, "maxlength", f"must be at most {limit} characters", limit=limit)
    if "name" in given:
        if not given["name"]:
            problems.add("name", "required", "is required")
        else:
            out["name"] = given["name"]
    for name, allowed in (("kind", KINDS), ("size", SIZES), ("status", STATUSES)):
        if name not in given:
            continue
        value = (given[name] or "").lower() or None
        if value is not None and value not in allowed:
            problems.add(name, "choice", "must be one of: " + ", ".join(allowed), allowed=", ".join(allowed))
        elif value is None and name != "size":
            problems.add(name, "required", "is required")
        else:
            out[name] = value
    for name in ("industry", "region", "source"):
        if name in given:
            out[name] = given[name]
    if "tax_id" in given:
        out["tax_id"] = tax_ids.normalise(given["tax_id"]) or None
    kind = out.get("kind", current.kind if current else "company")
    tax = out.get("tax_id", current.tax_id if current else None)
    changed = current is None or tax != current.tax_id or kind != current.kind
    if tax and changed and "tax_id" not in problems.text and "kind" not in problems.text:
        problem = tax_ids.problem(tax, kind)
        if problem is not None:
            problems.add("tax_id", "tax_" + problem.code, problem.text, digits=len(tax))
    if "segment" in given:
        out["segment"] = segment_named(session, given["segment"], problems) if given["segment"] else None
    if "owner" in given and given["owner"]:
        out["owner"] = owner_named(session, actor, given["owner"], current.owner_id if current else None, problems)
    elif "owner" in given:
        out["owner"] = None
    return out


def check_contact(given: dict[str, str | None], problems: FieldProblems, prefix: str = "",
                   current: Contact | None = None) -> dict[str, Any]:
    for name, limit in _CONTACT_LIMITS.items():
        value = given.get(name)
        if value is not None and len(value) > limit:
            problems.add(prefix + name, "maxlength", f"must be at most {limit} characters", limit=limit)
    out: dict[str, Any] = dict(given)
    phone = given.get("phone")
    if phone:
        key = keys.phone_key(phone)
        if not _PHONE_CHARS.match(phone):
            problems.add(prefix + "phone", "phone_chars", "may contain only digits, spaces and + ( ) - .")
        elif key is None or len(key) < _MIN_PHONE_DIGITS:
            problems.add(prefix + "phone", "phone_short",
                         f"is not a phone number: it needs at least {_MIN_PHONE_DIGITS} digits",
                         digits=_MIN_PHONE_DIGITS)
        out["phone_key"] = key
    elif "phone" in given:
        out["phone_key"] = None
    email = given.get("email")
    if email:
        if not _EMAIL.match(email):
            problems.add(prefix + "email", "email", "is not an e-mail address like name@example.com")
        out["email_key"] = keys.email_key(email)
    elif "email" in given:
        out["email_key"] = None
    merged = {k: (current and getattr(current, k)) for k in CONTACT_FIELDS} | {k: given.get(k) for k in given}
    if not any(merged.get(k) for k in ("name", "phone", "email")):
        problems.add(prefix + "name", "contact_empty", "give the contact's name, phone or e-mail")
    out["name"] = out.get("name") or (current.name if current and "name" not in given else "") or ""
    return out


def shown(value: Any) -> Any:
    """A value as a client event records it: names of segments and logins of owners."""
    if isinstance(value, Segment):
        return value.name
    if isinstance(value, User):
        return value.login
    return value

