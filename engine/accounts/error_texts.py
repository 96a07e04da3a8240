"""What accounts tell people when they refuse (log-in, sessions, tokens, users), as codes with
English templates (see engine.shared.notices): the web shows them in the reader's language, the
API keeps the English message. Every template renders the English exactly as written before it
had a code."""
from __future__ import annotations

from engine.shared import notices
from engine.shared.texts import N_

ERRORS = {
    # sessions.py
    "session_none": N_("you are not logged in"),
    "session_ended": N_("the session has ended; log in again"),
    "session_expired": N_("the session has expired; log in again"),
    "session_user_disabled": N_("the user is disabled"),
    # users.py, admin.py, throttle.py
    "login_wrong": N_("wrong login or password"),
    "login_throttled": N_("too many failed log-in attempts; try again in %(seconds)s seconds"),
    "account_no_such_user": N_("no such user"),
    "account_user_unknown": N_("no user %(user_id)s"),
    "account_user_gone": N_("the user no longer exists or is disabled"),
    "account_locale": N_("locale must be one of %(locales)s"),
    "token_invalid": N_("the token is not valid"),
    "token_expired": N_("the token has expired; ask for a new one"),
    "token_revoked": N_("the token is no longer valid"),
}
notices.define(ERRORS)
