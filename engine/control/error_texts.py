"""What control (the funnel, the dashboard, loss reasons, the figures' filters) tells people when it
refuses, as codes with English templates (see engine.shared.notices): the web shows them in the
reader's language, the API keeps the English message. Every template renders the English exactly
as written before it had a code."""
from __future__ import annotations

from engine.shared import notices
from engine.shared.texts import N_

ERRORS = {
    # filters.py
    "figures_person_off_setting": N_("figures of one person are switched off in this organisation "
                                     "(REGLAMENT_PERSON_FIGURES=off)"),
    "figures_own_only": N_("%(login)s may see the figures of their own cycles only"),
    # loss_reasons.py
    "loss_cycle_unknown": N_("no cycle %(cycle_id)s"),
    "loss_cycle_not_lost": N_("cycle %(cycle_id)s is not lost"),
    "loss_reason_inactive": N_("no active loss reason %(reason_id)s"),
    "loss_reason_unknown": N_("no loss reason %(reason)s"),
    # funnel.py, dashboard.py: the cycles behind a figure
    "figure_stage_required": N_("name the stage"),
    "figure_part": N_("part must be one of %(parts)s"),
    "figure_month": N_("month must be like 2026-11"),
    "figure_period_empty": N_("the period is empty"),
    "figures_person_off": N_("figures of one person are switched off"),
    "figure_user_unknown": N_("no user %(login)s"),
    # a regulation's figures (heatmap.py, compare.py)
    "figures_no_regulation": N_("no regulation is deployed"),
    "figures_regulation_unknown": N_("no regulation %(key)s"),
    "figures_version_unknown": N_("%(regulation)s has no version %(version)s"),
    "compare_no_earlier": N_("%(regulation)s has no version before %(version)s to compare with"),
    "compare_other_version": N_("before must be another version of %(regulation)s"),
}
notices.define(ERRORS)
