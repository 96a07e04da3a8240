"""What motivation tells people when it refuses (statements, their confirmation, schemes, plans,
reversals, comments), as codes with English templates (see engine.shared.notices): the web shows
them in the reader's language, the API keeps the English message. Every template renders the
English exactly as written before it had a code. A reason computed by the payout (``reason``) stays
the English it is; per-field problems keep their field codes (web/i18n FIELD_MESSAGES)."""
from __future__ import annotations

from engine.shared import notices
from engine.shared.texts import N_

ERRORS = {
    # statements (statement_states.py, statements.py)
    "statement_unknown": N_("no statement %(statement_id)s"),
    "statement_locked_recompute": N_("the statement of %(login)s for %(period)s is locked and cannot be "
                                     "recomputed; corrections go to the next period"),
    "statement_locked_approve": N_("the statement of %(login)s for %(period)s is locked and cannot be approved "
                                   "again; corrections go to the next period"),
    "statement_approved_recompute": N_("the statement of %(login)s for %(period)s is approved and cannot be "
                                       "recomputed; reopen it first"),
    "statement_approved_approve": N_("the statement of %(login)s for %(period)s is approved and cannot be "
                                     "approved again; reopen it first"),
    "statement_period_not_over": N_("%(period)s is not over: statements of it can be locked from %(from)s "
                                    "(00:00 UTC), when nothing more can land in it, or early by naming the period"),
    "statement_period_not_over_named": N_("%(period)s is not over: statements of it can be locked from %(from)s "
                                          "(00:00 UTC), when nothing more can land in it, or early by naming the "
                                          "period (the early lock names %(early)s, not %(period)s)"),
    "statement_user_unknown": N_("no user %(login)s"),
    "statement_not_computed": N_("the statement cannot be computed: %(reason)s"),
    "statement_locked": N_("the statement of %(login)s for %(period)s is locked"),
    "statement_not_approvable": N_("the statement of %(login)s for %(period)s cannot be approved: %(reason)s"),
    "statement_reopen_locked": N_("the statement of %(login)s for %(period)s is locked and cannot be reopened; "
                                  "corrections go to the next period"),
    "statement_lock_draft": N_("the statement of %(login)s for %(period)s is a draft: approve it before locking"),
    "statement_lock_changed": N_("the statement of %(login)s for %(period)s changed since it was shown; review "
                                 "it and lock it again"),
    # confirming "approve all" / "lock all" (confirmation.py)
    "confirmation_action": N_("%(action)s is not approve or lock"),
    "confirmation_needed_approve": N_("approve the statements of %(period)s only after reviewing their figures: "
                                      "confirm the figures shown on the review first"),
    "confirmation_needed_lock": N_("lock the statements of %(period)s only after reviewing their figures: "
                                   "confirm the figures shown on the review first"),
    "confirmation_unreadable": N_("the confirmation is not readable: review the figures again"),
    "confirmation_other": N_("the confirmation is for %(confirmed_action)s %(confirmed_period)s, not %(action)s "
                             "%(period)s: review the figures again"),
    # statements seen by others, comments (statement_views.py, statement_comments.py)
    "statement_not_visible": N_("%(login)s may not see the statement of %(owner)s"),
    "statement_export_forbidden": N_("%(login)s may not export everyone's statements"),
    "earnings_not_visible": N_("%(login)s may not see what %(owner)s earns"),
    "statement_comment_forbidden": N_("%(login)s may not comment on the statement of %(owner)s"),
    "statement_line_unknown": N_("no line %(line_id)s in this statement"),
    "statement_comment_unknown": N_("no comment %(comment_id)s"),
    # schemes (schemes.py, scheme_tables.py, scheme_terms.py)
    "scheme_unknown": N_("no motivation scheme %(name)s"),
    "scheme_version_unknown": N_("no version %(version)s of the motivation scheme %(name)s"),
    "scheme_version_id_unknown": N_("no motivation scheme version %(scheme_id)s"),
    "scheme_table_unknown": N_("the motivation scheme %(name)s v%(version)s has no table %(table)s"),
    "scheme_table_missing": N_("the motivation scheme %(name)s has no table %(table)s"),
    "scheme_user_unknown": N_("no user %(login)s"),
    "scheme_tables_max": N_("A scheme holds at most %(limit)s tables"),
    "scheme_fields_unknown": N_("Unknown scheme fields: %(fields)s"),
    "scheme_tables_shape": N_("tables are a mapping of table name to DMN XML"),
    "scheme_table_exists": N_("The scheme %(name)s already has a table %(table)s"),
    "scheme_activate_active": N_("Version %(version)s of %(name)s is active; only a draft can be activated"),
    "scheme_activate_retired": N_("Version %(version)s of %(name)s is retired; only a draft can be activated"),
    "scheme_needs_table": N_("The scheme %(name)s needs a %(table)s table before it can be activated"),
    "scheme_table_name": N_("The table name %(name)s must be letters, digits and '_', starting with a letter "
                            "(like commission_rate)"),
    # plans (plans.py), reversals (reversals.py)
    "plan_scenario_name": N_("%(name)s is not a scenario name: lower-case letters, digits, '-' or '_', at most 32"),
    "plan_scenario_forbidden": N_("%(login)s may see only the plan in force, not the scenario %(name)s"),
    "plan_currencies": N_("the monthly plans of %(login)s are in several currencies: %(currencies)s"),
    "reversal_cycle_unknown": N_("no cycle %(cycle_id)s"),
    "reversal_not_won": N_("%(state)s: only a won cycle can be cancelled or refunded"),
}
notices.define(ERRORS)
