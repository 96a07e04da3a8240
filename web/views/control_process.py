"""Process analytics pages: durations against the regulation's norms, managers side by side, and
per regulation version the heat map with its gateways' branch shares and the comparison with an
earlier version (before and after a regulation change). Routes of the control blueprint."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from engine.control import compare as compare_rules
from engine.control import durations as duration_rules
from engine.control import gateways as gateway_rules
from engine.control import heatmap as heatmap_rules
from engine.control import variants as variant_rules
from engine.shared.errors import InputInvalid
from web.views import actor, login_required, platform
from web.views.control import _page, _parsed, bp


@bp.get("/control/durations")
@login_required
def durations():  # type: ignore[no-untyped-def]
    """Time in stage and task times against the regulation's norms; time to decision (Kaplan–Meier)."""
    filters, errors = _parsed()
    control = platform().control
    both, errors, options = _page(errors, lambda: (control.durations(actor(), filters), control.variants(actor(), filters)))
    result, found = both or (None, None)
    texts = {key: _(text) for key, text in duration_rules.DEFINITIONS.items()}
    texts["variants"] = _(variant_rules.DEFINITION)
    return render_template("control/durations.html", filters=filters, args=filters.as_args(), errors=errors,
                           result=result, variants=found, texts=texts, person_figures=control.person_figures,
                           **options), (422 if errors else 200)


@bp.get("/control/managers")
@login_required
def managers():  # type: ignore[no-untyped-def]
    """Managers side by side (refused when figures of single people are switched off)."""
    filters, errors = _parsed()
    result, errors, options = _page(errors, lambda: platform().control.managers(actor(), filters))
    text = _("Per manager, the cycles credited to him decided (won or lost) in the period: conversion = won / decided "
             "with its 95 % Wilson interval, and shrunk toward the department's rate with the weight of 10 cycles "
             "((won + 10 x department rate) / (decided + 10)); cycle time = median days from start to end of those "
             "cycles; activity = his done work in the period per work type against the activity targets of his "
             "plan; on time = the share of it done by its deadline; attainment = won amount / revenue plan.")
    return render_template("control/managers.html", filters=filters, args=filters.as_args(), errors=errors,
                           result=result, definition=text, person_figures=platform().control.person_figures,
                           **options), (422 if errors else 200)


def before_version(raw: str | None) -> int | None:
    """The ``before`` query parameter: a version number, or None (the version before)."""
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise InputInvalid("before must be a version number", {"fields": {"before": "must be a version number from 1"}})
    return int(raw)


@bp.get("/control/heatmap")
@login_required
def heatmap():  # type: ignore[no-untyped-def]
    """A regulation version's diagram coloured by how many cycles passed each element, with the
    numbers in a table below, the branch shares at its gateways and, when it has an earlier
    version, what changed since (?regulation=&version=, the latest version by default; &before=)."""
    filters, errors = _parsed()
    control = platform().control

    def figures() -> tuple[heatmap_rules.HeatMap, compare_rules.Comparison | None]:
        found = control.heatmap(actor(), filters)
        earlier = [n for n in found.versions if n < found.version] or request.args.get("before")
        return found, control.compare(actor(), filters, before_version(request.args.get("before"))) if earlier else None

    both, errors, options = _page(errors, figures)
    result, comparison = both or (None, None)
    config: dict[str, Any] = {}
    if result:
        config = {"xmlUrl": url_for("regulations.download", key=result.regulation, number=result.version),
                  "labels": {"failed": _("Failed"), "warnings": _("Import warnings")},
                  "heat": {k: {"heat": v.heat, "cycles": v.cycles,
                               "title": _("%(cycles)s cycles, %(runs)s runs", cycles=v.cycles, runs=v.runs)}
                           for k, v in result.elements.items()}}
    figures = {"cycles": _("Cycles"), "rework": _("Rework"), "owned_p50_hours": _("With owner p50, hours"),
               "waiting_p50_hours": _("In queue p50, hours")}
    return render_template("control/heatmap.html", filters=filters, args=filters.as_args(), errors=errors,
                           result=result, config=config, definition=_(heatmap_rules.DEFINITION),
                           gateway_definition=_(gateway_rules.DEFINITION), comparison=comparison,
                           compare_definition=_(compare_rules.DEFINITION), compare_figures=figures,
                           person_figures=control.person_figures, **options), (422 if errors else 200)
