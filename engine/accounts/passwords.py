"""The password policy: long enough, not a common password, not the login.

The demo organisation's users keep their documented password ``demo``: they are created through
the explicit ``password_policy=False`` path of ``create_user`` (engine/demo/loader.py), never
through the administration pages or the API.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from engine.shared.errors import FieldProblems

MIN_LENGTH = 10
#: longer passwords only cost hashing time; no person types more
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (lines starting with # are comments)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check(problems: FieldProblems, field: str, password: str, login: str) -> None:
    """Add the first problem of ``password`` under ``field`` (nothing when it follows the policy)."""
    if len(password) < MIN_LENGTH:
        problems.add(field, "password_short", f"must have at least {MIN_LENGTH} characters", limit=MIN_LENGTH)
    elif len(password) > MAX_LENGTH:
        problems.add(field, "maxlength", f"must be at most {MAX_LENGTH} characters", limit=MAX_LENGTH)
    elif password.strip().lower() in common_passwords():
        problems.add(field, "password_common", "is one of the most common passwords; choose another")
    elif login and password.strip().lower() == login.strip().lower():
        problems.add(field, "password_login", "must not be the login")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def matches(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
