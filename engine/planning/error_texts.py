"""What planning tells people when it refuses (planned contacts, the agenda), as codes with English
templates (see engine.shared.notices): the web shows them in the reader's language, the API keeps
the English message. Every template renders the English exactly as written before it had a code."""
from __future__ import annotations

from engine.shared import notices
from engine.shared.texts import N_

ERRORS = {
    # planned contacts (engine/planning/contacts.py)
    "contact_plan_forbidden": N_("%(login)s may not plan contacts with client %(client_id)s: only its owner or "
                                 "the head of sales may"),
    "contact_unknown": N_("no planned contact %(contact_id)s"),
    "contact_reschedule_forbidden": N_("%(login)s may not reschedule contact %(contact_id)s: it is planned for "
                                       "%(assignee)s"),
    "contact_cancel_forbidden": N_("%(login)s may not cancel contact %(contact_id)s: it is planned for "
                                   "%(assignee)s"),
    "contact_mark_done_forbidden": N_("%(login)s may not mark done contact %(contact_id)s: it is planned for "
                                      "%(assignee)s"),
    "contact_already_done": N_("contact %(contact_id)s was already marked done by %(assignee)s at %(at)s UTC"),
    "contact_was_cancelled": N_("contact %(contact_id)s was cancelled"),
    "contact_for_someone_else": N_("only the head of sales plans contacts for someone else"),
    # the agenda (agenda.py)
    "plan_time_zone": N_("the planned time needs a time zone"),
    "plan_time_range": N_("plan within three years from now"),
    "agenda_period_kind": N_("the period must be one of %(periods)s"),
}
notices.define(ERRORS)
