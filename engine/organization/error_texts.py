"""What the organization tells people when it refuses (hand-overs, segments, teams, absences,
distribution), as codes with English templates (see engine.shared.notices): the web shows them in
the reader's language, the API keeps the English message. Every template renders the English
exactly as written before it had a code; a hand-over's field problems are nested notices."""
from __future__ import annotations

from engine.shared import notices
from engine.shared.texts import N_

ERRORS = {
    # hand-overs (handover.py): the message lists "field: problem", each a nested notice
    "handover_invalid": N_("the clients cannot be handed over: %(problems)s"),
    "handover_field_from": N_("from: %(problem)s"),
    "handover_field_to": N_("to: %(problem)s"),
    "handover_field_returns_at": N_("returns_at: %(problem)s"),
    "handover_field_reason": N_("reason: %(problem)s"),
    "handover_field_clients": N_("clients: %(problem)s"),
    "handover_required": N_("is required"),
    "handover_no_user": N_("no user %(login)s"),
    "handover_not_manager": N_("%(login)s is not an active manager"),
    "handover_same_person": N_("must be someone other than the manager handing over"),
    "handover_in_future": N_("must be in the future"),
    "handover_reason_long": N_("must be at most 300 characters"),
    "handover_no_clients": N_("%(login)s has no clients"),
    "handover_client_list": N_("must be a list of client ids"),
    "handover_choose_client": N_("choose at least one client"),
    "handover_foreign_clients": N_("not clients of %(login)s: %(ids)s"),
    "handover_unknown": N_("no hand-over %(handover_id)s"),
    "handover_not_temporary": N_("hand-over %(handover_id)s is not temporary (it is %(status)s)"),
    "handover_not_temporary_done": N_("hand-over %(handover_id)s is not temporary (it is done)"),
    "handover_not_temporary_returned": N_("hand-over %(handover_id)s is not temporary (it is returned)"),
    "handovers_not_visible": N_("%(login)s may not see hand-overs"),
    "portfolio_not_visible": N_("%(login)s may not see other managers' clients"),
    "organization_user_unknown": N_("no user %(login)s"),
    # segments.py
    "segment_rules_shape": N_("rules must be a list of {field, op, value}"),
    "segment_unknown": N_("no segment %(segment_id)s"),
    "segment_has_clients": N_("segment %(segment)s has %(count)s clients; move them to another segment first"),
    # teams.py
    "team_unknown": N_("no team %(team_id)s"),
    "team_members_shape": N_("members must be a list"),
    "team_has_schemes": N_("team %(team)s has motivation schemes (%(schemes)s); their versions refer to it, so "
                           "it stays"),
    # absences.py, distribution.py
    "absence_unknown": N_("no absence %(absence_id)s"),
    "absence_remove_forbidden": N_("%(login)s may not remove absences"),
    "distribution_client_ids": N_("client_ids must be a list of client ids"),
    "distribution_clients_unknown": N_("no clients %(client_ids)s"),
}
notices.define(ERRORS)
