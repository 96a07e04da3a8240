"""Regulations: list, versions, viewer, modeler, upload, download, compare."""
from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from engine.regulation.versions import SourceFile
from engine.shared.access import Permission
from engine.shared.errors import RegulationInvalid
from web.i18n import notice_text
from web.views import actor, login_required, platform

bp = Blueprint("regulations", __name__)

BLANK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_new" targetNamespace="http://reglament.dev/bpmn"
  exporter="Reglament" exporterVersion="1">
  <bpmn:process id="new_regulation" name="New regulation" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="Client assigned" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="new_regulation">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _may_edit() -> bool:
    return actor().may(Permission.MODEL)


def _labels() -> dict[str, object]:
    return {
        "saving": _("Checking and deploying…"),
        "deployed": _("Deployed as version %(version)s."),
        "unchanged": _("Nothing changed: version %(version)s stays current."),
        "invalid": _("Not deployed: fix the problems listed below."),
        "failed": _("Failed"), "warnings": _("Import warnings"), "document": _("Document"),
        "noLayout": _("The diagram has no layout (BPMN DI) to draw: the tool that made it saved only its "
                      "elements. It runs as it is; open it in a modeler and save it to get a drawing."),
        "converted": _("Activiti extension attributes were read as Camunda's; saving writes them in "
                       "the Camunda namespace."),
        "noRuns": _("This step has not run in this cycle."), "system": _("system"),
        "unsaved": _("The diagram has changes that are not saved. Leave the page anyway?"),
        "events": {"completed": _("Completed"), "passed": _("Passed"), "ended": _("Cycle ended"),
                   "created": _("Task created"), "assigned": _("Assigned"), "claimed": _("Claimed"),
                   "released": _("Released"), "cancelled": _("Task cancelled"), "incident": _("Incident")},
    }


@bp.get("/regulations")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("regulations/regulations.html", regulations=platform().regulation.regulations(), may_edit=_may_edit())


@bp.get("/regulations/<key>")
@login_required
def detail(key: str):  # type: ignore[no-untyped-def]
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    page = platform().regulation.regulation_page(key, old, new)
    comparison, config = page.comparison, None
    if comparison is not None:
        # the newer version's diagram with what was added and changed marked on it
        config = {"xmlUrl": url_for("regulations.download", key=key, number=new), "labels": _labels(),
                  "diff": {kind: comparison.element_ids(kind) for kind in ("added", "changed", "removed")}}
    return render_template("regulations/regulation.html", info=page.info, may_edit=_may_edit(), comparison=comparison,
                           old=old, new=new, config=config)


@bp.get("/regulations/<key>/versions/<int:number>")
@login_required
def view(key: str, number: int):  # type: ignore[no-untyped-def]
    page = platform().regulation.version_page(actor(), key, number)
    config: dict[str, Any] = {"xmlUrl": url_for("regulations.download", key=key, number=number), "labels": _labels()}
    waiting = None
    if page.loads is not None:  # where the version's cycles wait (the cockpit)
        waiting = {element_id: {**load.as_dict(),
                                "url": url_for("cycles.index", regulation=key, version=number, element=element_id)}
                   for element_id, load in page.loads.items()}
        config["waiting"] = waiting
    return render_template("regulations/version.html", info=page.info, version=page.version, config=config,
                           may_edit=_may_edit(), waiting=waiting)


@bp.get("/regulations/<key>/versions/<int:number>.bpmn")
@login_required
def download(key: str, number: int):  # type: ignore[no-untyped-def]
    xml = platform().regulation.version_xml(key, number)
    # always a download: XHTML inside an uploaded diagram must never render on the app's address
    # (the modeler and the viewer read it with fetch(), which ignores the disposition)
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-v{number}.bpmn"', "X-Content-Type-Options": "nosniff"})


def _modeler(key: str | None, xml_url: str):  # type: ignore[no-untyped-def]
    if not _may_edit():
        abort(403, _("Only process owners may edit regulations."))
    config = {"key": key, "xmlUrl": xml_url, "saveUrl": url_for("regulations.save"), "csrf": generate_csrf(),
              "afterSave": url_for("regulations.edit", key="__KEY__"), "labels": _labels()}
    return render_template("regulations/modeler.html", key=key, config=config)


@bp.get("/regulations/<key>/edit")
@login_required
def edit(key: str):  # type: ignore[no-untyped-def]
    info = platform().regulation.versions(key)
    return _modeler(key, url_for("regulations.download", key=key, number=info.version))


@bp.get("/regulations/new")
@login_required
def new():  # type: ignore[no-untyped-def]
    return _modeler(None, url_for("regulations.blank"))


@bp.get("/regulations/blank.bpmn")
@login_required
def blank():  # type: ignore[no-untyped-def]
    return Response(BLANK, mimetype="application/xml")


@bp.post("/regulations/save")
@login_required
def save():  # type: ignore[no-untyped-def]
    """The modeler's save: strict, nothing is deployed until the diagram is valid."""
    result = platform().regulation.deploy(actor(), [SourceFile("modeler.bpmn", request.get_data())],
                                          comment=request.args.get("comment"))
    return jsonify(result.as_dict()), (201 if result.created else 200)


@bp.post("/regulations/upload")
@login_required
def upload():  # type: ignore[no-untyped-def]
    files = [f for f in request.files.getlist("file") if f.filename]  # the BPMN file and its DMN files
    if not files:
        flash(_("Choose a .bpmn file to upload."), "error")
        return redirect(url_for("regulations.index"))
    keep = request.form.get("keep") == "on"
    names = ", ".join(str(f.filename) for f in files)
    try:
        result = platform().regulation.deploy(actor(), [SourceFile(str(f.filename), f.read()) for f in files],
                                              keep_if_not_executable=keep, comment=request.form.get("comment"))
    except RegulationInvalid as exc:
        return render_template("regulations/regulations.html", regulations=platform().regulation.regulations(), may_edit=_may_edit(),
                               upload_problems=exc.problems, upload_name=names), 422
    if not result.executable:
        flash(_("Stored as version %(version)s for viewing only: it cannot run here (%(count)s problems).",
                version=result.version, count=len(result.problems)), "error")
    elif result.created:
        flash(_("Deployed as version %(version)s.", version=result.version), "success")
    else:
        flash(_("Nothing changed: version %(version)s stays current.", version=result.version), "success")
    for warning in result.warnings:  # deployed, but a cycle will stop there (as in Camunda)
        where = f"{warning.element_id} ({warning.element_name})" if warning.element_name else warning.element_id
        flash(_("Warning: %(warning)s", warning=f"{where}: {notice_text(warning)}" if where else notice_text(warning)),
              "error")
    return redirect(url_for("regulations.detail", key=result.key))
