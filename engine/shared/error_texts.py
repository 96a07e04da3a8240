"""What the engine's shared checks tell people when they refuse (engine.shared.access), as codes
with English templates (see engine.shared.notices): the web shows them in the reader's language,
the API keeps the English message. Every template renders the English exactly as the check wrote
it before it had a code."""
from __future__ import annotations

from engine.shared import notices
from engine.shared.texts import N_

ERRORS = {
    # access.require: ``action`` is the caller's English phrase ("edit sales plans"), ``roles`` a
    # nested list of role names
    "access_forbidden": N_("%(login)s may not %(action)s: it needs one of the roles %(roles)s"),
    "access_roles_1": N_("%(role_1)s"),
    "access_roles_2": N_("%(role_1)s, %(role_2)s"),
    "access_roles_3": N_("%(role_1)s, %(role_2)s, %(role_3)s"),
    "access_roles_4": N_("%(role_1)s, %(role_2)s, %(role_3)s, %(role_4)s"),
    "access_roles_5": N_("%(role_1)s, %(role_2)s, %(role_3)s, %(role_4)s, %(role_5)s"),
    "access_role_admin": N_("admin"),
    "access_role_analyst": N_("analyst"),
    "access_role_head": N_("head"),
    "access_role_manager": N_("manager"),
    "access_role_owner": N_("owner"),
    # periods.py: a statement's or a plan's period as typed
    "period_invalid": N_("%(text)s is not a period: write a month as 2026-11 or a quarter as 2026-Q4"),
    # engine/notify/notifications.py
    "notification_unknown": N_("no notification %(notification_id)s"),
}
notices.define(ERRORS)

#: problems of several fields in one message, "reason: is required; to: no user 'x'": a nested
#: chain of an area's per-field notices
LISTS = {
    "problem_list_more": N_("%(first)s; %(rest)s"),
}
notices.define(LISTS)
