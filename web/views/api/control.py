"""Control analytics (funnel, cohorts, drill-downs) and the event-log export."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.control.filters import Filters
from web.views import platform
from web.views.api.base import bp
from web.views.control import event_log_response


@bp.get("/control/funnel")
def control_funnel():  # type: ignore[no-untyped-def]
    """Per stage entered in the period: entries, advanced, lost, moved_back, cancelled, still_there."""
    return jsonify(platform().control.funnel(g.actor, Filters.parse(request.args)))


@bp.get("/control/funnel/cycles")
def control_funnel_cycles():  # type: ignore[no-untyped-def]
    """?stage= &part= (absent: every entry): the cycles behind one funnel figure."""
    return jsonify(platform().control.funnel_cycles(g.actor, Filters.parse(request.args), request.args.get("stage"),
                                                    request.args.get("part") or None))


@bp.get("/control/cohorts")
def control_cohorts():  # type: ignore[no-untyped-def]
    """Per month started: started, won, lost, cancelled, open now, and their shares."""
    return jsonify(platform().control.cohorts(g.actor, Filters.parse(request.args)))


@bp.get("/control/cohorts/cycles")
def control_cohort_cycles():  # type: ignore[no-untyped-def]
    """?month=YYYY-MM &part= (won, lost, cancelled, open; absent: all): the cycles behind one cohort figure."""
    return jsonify(platform().control.cohort_cycles(g.actor, Filters.parse(request.args), request.args.get("month"),
                                                    request.args.get("part") or None))


@bp.get("/event-log")
def event_log():  # type: ignore[no-untyped-def]
    """?format=xes|ocel-json|csv (streamed) of the cycles started in the period, with the filters."""
    return event_log_response(platform().control.event_log(g.actor, Filters.parse(request.args),
                                                          request.args.get("format") or "xes"))
