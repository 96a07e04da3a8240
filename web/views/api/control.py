"""Control analytics (funnel, cohorts, drill-downs) and the event-log export."""
from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request

from engine.control.dashboard import jsonable
from engine.control.filters import Filters
from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, json_body
from web.views.control import event_log_response
from web.views.control_process import before_version


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
    """?format=xes|ocel-json|ocel-sqlite|csv (streamed) of the cycles started in the period, with the filters."""
    return event_log_response(platform().control.event_log(g.actor, Filters.parse(request.args),
                                                          request.args.get("format") or "xes"))


def _json(value: Any) -> Response:
    return jsonify(jsonable(value))


@bp.get("/control/dashboard")
def control_dashboard():  # type: ignore[no-untyped-def]
    """Per manager and for the department: open, won, lost, plan, attainment, run rate, overdue,
    forgotten, incidents; the pipeline by stage. Amounts are decimal strings."""
    return _json(platform().control.dashboard(g.actor, Filters.parse(request.args)))


@bp.get("/control/dashboard/cycles")
def control_dashboard_cycles():  # type: ignore[no-untyped-def]
    """?part=open|won|lost|incidents &stage= &who=<login or -> : the cycles behind a dashboard figure."""
    return _json(platform().control.dashboard_cycles(g.actor, Filters.parse(request.args), request.args.get("part"),
                                                     request.args.get("stage") or None, request.args.get("who") or None))


@bp.get("/control/loss-reasons")
def control_loss_reasons():  # type: ignore[no-untyped-def]
    """Losses by reason (Pareto), stage and manager, and the catalogue."""
    found = platform().control.losses(g.actor, Filters.parse(request.args))
    return _json({**jsonable(found), "catalogue": platform().control.loss_reasons()})


@bp.get("/control/loss-reasons/cycles")
def control_lost_cycles():  # type: ignore[no-untyped-def]
    """?reason=<code> (- : not classified; absent: all): the lost cycles behind a figure."""
    return _json(platform().control.lost_cycles(g.actor, Filters.parse(request.args), request.args.get("reason") or None))


@bp.post("/control/loss-reasons")
def control_save_loss_reason():  # type: ignore[no-untyped-def]
    """{"code","name","name_ru"?,"active"?}: adds or changes a catalogue reason (head)."""
    body = json_body()
    return _json(platform().control.save_loss_reason(g.actor, str(body.get("code") or ""), str(body.get("name") or ""),
                                                     str(body.get("name_ru") or ""), bool(body.get("active", True))))


@bp.post("/control/cycles/<int:cycle_id>/loss-reason")
def control_choose_loss_reason(cycle_id: int):  # type: ignore[no-untyped-def]
    """{"reason": "<code>" or null}: the catalogue reason of a lost cycle (head)."""
    body = json_body()
    code = body.get("reason")
    reason_id = None
    if code is not None:
        known = {r.code: r.id for r in platform().control.loss_reasons()}
        if not isinstance(code, str) or code not in known:
            raise InputInvalid("reason must be a code of the catalogue or null", {"fields": {"reason": "is not in the catalogue"}})
        reason_id = known[code]
    platform().control.choose_loss_reason(g.actor, cycle_id, reason_id)
    return _json({"cycle_id": cycle_id, "reason": code})


@bp.get("/control/durations")
def control_durations():  # type: ignore[no-untyped-def]
    """Time in stage (p50, p90, Kaplan–Meier median), task times against their due times, time to decision."""
    return _json(platform().control.durations(g.actor, Filters.parse(request.args)))


@bp.get("/control/managers")
def control_managers():  # type: ignore[no-untyped-def]
    """Managers side by side: conversion with Wilson interval and shrinkage, cycle time, activity, plan."""
    return _json(platform().control.managers(g.actor, Filters.parse(request.args)))


@bp.get("/control/variants")
def control_variants():  # type: ignore[no-untyped-def]
    """The paths cycles took (tasks in order of first completion, then the end) with count, share,
    p50/p90 hours and win rate."""
    return _json(platform().control.variants(g.actor, Filters.parse(request.args)))


@bp.get("/control/heatmap")
def control_heatmap():  # type: ignore[no-untyped-def]
    """?regulation=&version= (latest by default): per element cycles, runs, rework, hours, overdue share, heat 1-5;
    per splitting gateway the share of each branch and the win rate downstream."""
    return _json(platform().control.heatmap(g.actor, Filters.parse(request.args)))


@bp.get("/control/compare")
def control_compare():  # type: ignore[no-untyped-def]
    """?regulation=&version= (after; latest by default) &before= (the version before by default) and the
    filters: both versions' cycles, won, lost, win rate, decision hours, and per element id the change
    of cycles, rework and median hours."""
    return _json(platform().control.compare(g.actor, Filters.parse(request.args), before_version(request.args.get("before"))))
