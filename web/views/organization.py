"""Organisation pages: segments and their rules, teams, absences, hand-over, distribution of
unowned clients. Views only translate forms to engine commands; the engine checks roles."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from engine.organization import distribution
from engine.organization.absences import KINDS as ABSENCE_KINDS
from engine.organization.segments import FIELDS, OPS
from engine.organization.teams import STRATEGIES
from engine.shared.access import HEADS, SELLERS
from engine.shared.errors import InputInvalid
from web.i18n import _when, error_text, parse_local_input, translated_fields
from web.views import actor, login_required, platform

bp = Blueprint("organization", __name__)

#: empty rows the rule and member editors offer beyond the filled ones
SPARE_ROWS = 2


def _may_edit() -> bool:
    return actor().has_any(HEADS)


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


def _rows(prefix: str, keys: tuple[str, ...], filled: tuple[str, ...]) -> list[dict[str, str]]:
    """Editor rows posted as <prefix>-<n>-<key>, in order; rows whose ``filled`` keys are all
    empty are dropped (a select always posts something)."""
    numbers = sorted({int(k.split("-")[1]) for k in request.form
                      if k.startswith(prefix + "-") and k.count("-") == 2 and k.split("-")[1].isdigit()})
    rows = [{key: request.form.get(f"{prefix}-{n}-{key}", "").strip() for key in keys} for n in numbers]
    return [r for r in rows if any(r[key] for key in filled)]


def _row_errors(errors: dict[str, str], prefix: str) -> dict[int, dict[str, str]]:
    """Engine errors keyed ``<prefix>.<n>.<key>`` as {n: {key: message}} (n from 1)."""
    out: dict[int, dict[str, str]] = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == prefix and len(parts) >= 2 and parts[1].isdigit():
            out.setdefault(int(parts[1]), {})[parts[2] if len(parts) > 2 else "row"] = message
    return out


# ---------------------------------------------------------------- segments

@bp.route("/segments", methods=["GET", "POST"])
@login_required
def segments():  # type: ignore[no-untyped-def]
    page = platform().organization.segments_page(actor())  # Forbidden for managers
    errors: dict[str, str] = {}
    editing = next((s for s in page.segments if s.id == request.args.get("edit", type=int)), None)
    form: dict[str, Any] = {"id": editing.id if editing else None, "name": editing.name if editing else "",
                            "team_id": editing.team_id if editing else None,
                            "rules": [_rule_row(r) for r in editing.rules] if editing else []}
    if request.method == "POST":
        form = {"id": _int_or_none(request.form.get("id")), "name": request.form.get("name", ""),
                "team_id": _int_or_none(request.form.get("team_id")), "rules": _rows("rule", ("field", "op", "value"), ("field", "value"))}
        try:
            saved = platform().organization.save_segment(actor(), form["id"], form["name"], form["rules"], form["team_id"])
        except InputInvalid as exc:
            errors = translated_fields(exc) or {"name": error_text(exc)}
        else:
            flash(_("Segment “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for("organization.segments"))
    return render_template("organization/segments.html", segments=page.segments, teams=page.teams, form=form,
                           errors=errors,
                           rule_errors=_row_errors(errors, "rules"), fields=FIELDS, ops=OPS,
                           spare=SPARE_ROWS, may_edit=_may_edit()), (422 if errors else 200)


def _rule_row(rule: Mapping[str, Any]) -> dict[str, str]:
    value = rule.get("value")
    return {"field": rule.get("field", ""), "op": rule.get("op", ""),
            "value": ", ".join(value) if isinstance(value, list) else str(value or "")}


@bp.post("/segments/<int:segment_id>/move")
@login_required
def move_segment(segment_id: int):  # type: ignore[no-untyped-def]
    platform().organization.move_segment(actor(), segment_id, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("organization.segments"))


@bp.post("/segments/<int:segment_id>/delete")
@login_required
def delete_segment(segment_id: int):  # type: ignore[no-untyped-def]
    try:
        platform().organization.delete_segment(actor(), segment_id)
    except InputInvalid as exc:
        flash(_("The segment still has %(count)s clients; move them to another segment first.",
                count=exc.details.get("clients", "?")), "error")
    else:
        flash(_("Segment deleted."), "success")
    return redirect(url_for("organization.segments"))


# ---------------------------------------------------------------- teams

@bp.route("/teams", methods=["GET", "POST"])
@login_required
def teams():  # type: ignore[no-untyped-def]
    page = platform().organization.teams_page(actor())  # Forbidden for managers
    errors: dict[str, str] = {}
    editing = next((t for t in page.teams if t.id == request.args.get("edit", type=int)), None)
    form: dict[str, Any] = {
        "id": editing.id if editing else None, "name": editing.name if editing else "",
        "strategy": editing.strategy if editing else "round_robin",
        "members": [{"login": m.login, "share": str(m.share), "cap": "" if m.cap is None else str(m.cap)}
                    for m in editing.members] if editing else []}
    if request.method == "POST":
        form = {"id": _int_or_none(request.form.get("id")), "name": request.form.get("name", ""),
                "strategy": request.form.get("strategy", ""),
                "members": _rows("member", ("login", "share", "cap"), ("login", "share", "cap"))}
        try:
            saved = platform().organization.save_team(actor(), form["id"], form["name"], form["strategy"], form["members"])
        except InputInvalid as exc:
            errors = translated_fields(exc) or {"name": error_text(exc)}
        else:
            flash(_("Team “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for("organization.teams"))
    return render_template("organization/teams.html", teams=page.teams, form=form, errors=errors,
                           member_errors=_row_errors(errors, "members"), strategies=STRATEGIES,
                           managers=page.managers, segments_of=page.segments_of, spare=SPARE_ROWS + 1,
                           may_edit=_may_edit()), (422 if errors else 200)


@bp.post("/teams/<int:team_id>/delete")
@login_required
def delete_team(team_id: int):  # type: ignore[no-untyped-def]
    try:
        platform().organization.delete_team(actor(), team_id)
    except InputInvalid as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Team deleted."), "success")
    return redirect(url_for("organization.teams"))


# ---------------------------------------------------------------- absences

@bp.route("/absences", methods=["GET", "POST"])
@login_required
def absences():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    form = {"login": actor().login, "kind": "vacation", "starts_on": "", "ends_on": "", "note": ""}
    if request.method == "POST":
        form = {k: request.form.get(k, "").strip() for k in form}
        try:
            platform().organization.add_absence(actor(), form["login"] or None, form["kind"], form["starts_on"],
                                   form["ends_on"], form["note"])
        except InputInvalid as exc:
            errors = translated_fields(exc) or {"starts_on": error_text(exc)}
        else:
            flash(_("Absence saved."), "success")
            return redirect(url_for("organization.absences"))
    page = platform().organization.absences_page(actor())
    return render_template("organization/absences.html", absences=page.absences, form=form, errors=errors,
                           kinds=ABSENCE_KINDS, people=page.people, may_add=actor().has_any(SELLERS),
                           may_choose=actor().has_any(HEADS), today=page.today), (422 if errors else 200)


@bp.post("/absences/<int:absence_id>/delete")
@login_required
def delete_absence(absence_id: int):  # type: ignore[no-untyped-def]
    platform().organization.delete_absence(actor(), absence_id)
    flash(_("Absence removed."), "success")
    return redirect(url_for("organization.absences"))


# ---------------------------------------------------------------- hand-over

@bp.route("/handover", methods=["GET", "POST"])
@login_required
def handover():  # type: ignore[no-untyped-def]
    chosen = request.form.get("from", "") if request.method == "POST" else request.args.get("from", "")
    page = platform().organization.handover_page(actor(), chosen or None)  # Forbidden for managers
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"from": request.args.get("from", ""), "to": "", "scope": "all", "client_ids": [],
                            "period": "good", "returns_at": "", "reason": ""}
    if request.method == "POST":
        form = {"from": request.form.get("from", ""), "to": request.form.get("to", ""),
                "scope": request.form.get("scope", "all"),
                "client_ids": [int(x) for x in request.form.getlist("client_ids") if x.isdigit()],
                "period": request.form.get("period", "good"), "returns_at": request.form.get("returns_at", ""),
                "reason": request.form.get("reason", "")}
        returns_at = None
        if form["period"] == "until":
            try:
                returns_at = parse_local_input(form["returns_at"])
            except ValueError:
                errors["returns_at"] = _("must be a date and time")
            if returns_at is None and "returns_at" not in errors:
                errors["returns_at"] = _("give the date and time the clients come back")
        if not errors:
            try:
                done = platform().organization.hand_over(actor(), form["from"], form["to"],
                                            form["client_ids"] if form["scope"] == "selected" else None,
                                            returns_at, form["reason"])
            except InputInvalid as exc:
                errors = translated_fields(exc) or {"from": error_text(exc)}
            else:
                flash(ngettext("%(num)s client handed over from %(old)s to %(new)s.",
                               "%(num)s clients handed over from %(old)s to %(new)s.", done.count,
                               old=done.from_name, new=done.to_name), "success")
                return redirect(url_for("organization.handover"))
    return render_template("organization/handover.html", handovers=page.handovers, form=form, errors=errors,
                           managers=page.managers, clients=page.clients, may_edit=_may_edit()), (422 if errors else 200)


@bp.post("/handover/<int:handover_id>/return")
@login_required
def return_handover(handover_id: int):  # type: ignore[no-untyped-def]
    platform().organization.return_handover(actor(), handover_id)
    flash(_("The clients went back to their manager."), "success")
    return redirect(url_for("organization.handover"))


# ---------------------------------------------------------------- distribution

@bp.route("/distribution", methods=["GET", "POST"])
@login_required
def distribute():  # type: ignore[no-untyped-def]
    decisions = platform().organization.distribute(actor()) if request.method == "POST" else None
    page = platform().organization.distribution_page(actor(), decisions)
    return render_template("organization/distribution.html", unowned=page.unowned, decisions=page.decisions,
                           recent=page.recent, may_edit=_may_edit())


# ---------------------------------------------------------------- reasons, in the reader's language

def _strategy(name: str | None) -> str:
    return {"round_robin": _("round robin"), "weighted": _("weighted"), "least_loaded": _("least loaded"),
            "manual": _("by hand")}.get(name or "", name or "")


def _skipped(item: dict[str, Any]) -> str:
    login = item.get("login", "")
    if item.get("why") == "absent":
        until = format_date(date.fromisoformat(item["until"]), "d MMM")
        text = {"vacation": _("%(login)s (vacation until %(date)s)", login=login, date=until),
                "sick": _("%(login)s (sick leave until %(date)s)", login=login, date=until)}
        return text.get(item.get("kind", ""), _("%(login)s (away until %(date)s)", login=login, date=until))
    if item.get("why") == "cap":
        return _("%(login)s (at the cap of %(cap)s active clients)", login=login, cap=item.get("cap"))
    return _("%(login)s (inactive)", login=login)


@bp.app_template_filter("distribution_reason")
def distribution_reason(data: dict[str, Any] | None) -> str:
    """A distribution decision (a client event's data) in the reader's language."""
    data = data or {}
    rule = data.get("rule")
    if rule == distribution.NO_SEGMENT:
        return _("no segment's rules match the client; left for manual distribution")
    if rule == distribution.OWNED:
        return _("already owned by %(owner)s", owner=data.get("chosen"))
    if rule is None:
        return str(data.get("text") or "")
    segment = (_("%(segment)s (by its rules)", segment=data.get("segment")) if data.get("segment_by_rules")
               else data.get("segment"))
    values = {"segment": segment, "team": data.get("team"), "strategy": _strategy(data.get("strategy")),
              "owner": data.get("chosen"), "skipped": ", ".join(_skipped(s) for s in data.get("skipped") or [])}
    if rule == distribution.NO_TEAM:
        return _("segment %(segment)s has no team; left for manual distribution", **values)
    if rule == distribution.MANUAL:
        return _("segment %(segment)s, team %(team)s distributes by hand; left for manual distribution", **values)
    if rule == distribution.NO_MEMBERS:
        return _("segment %(segment)s, team %(team)s has no members; left for manual distribution", **values)
    if rule == distribution.NOBODY:
        return _("segment %(segment)s, team %(team)s, %(strategy)s: nobody available; skipped %(skipped)s; "
                 "left for manual distribution", **values)
    if values["skipped"]:
        return _("segment %(segment)s, team %(team)s, %(strategy)s: %(owner)s; skipped %(skipped)s", **values)
    return _("segment %(segment)s, team %(team)s, %(strategy)s: %(owner)s", **values)


@bp.app_template_filter("owner_change")
def owner_change(data: dict[str, Any] | None) -> str:
    """A client event "owner" (a hand-over or its return) in the reader's language."""
    data = data or {}
    values = {"old": data.get("from"), "new": data.get("to")}
    if data.get("returned"):
        text = _("returned from %(old)s to %(new)s", **values)
    elif data.get("until"):
        text = _("handed over from %(old)s to %(new)s until %(until)s", until=_when(data["until"]), **values)
    else:
        text = _("handed over from %(old)s to %(new)s", **values)
    return f"{text} — {data['reason']}" if data.get("reason") else text
