"""Regulations and their versions: deploy, list, download, compare."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from engine.regulation.versions import SourceFile
from engine.shared.errors import InputInvalid
from web.i18n import with_texts
from web.views import platform
from web.views.api.base import bp


@bp.get("/regulations")
def regulations():  # type: ignore[no-untyped-def]
    return jsonify([r.as_dict() for r in platform().regulation.regulations()])


@bp.post("/regulations")
def deploy():  # type: ignore[no-untyped-def]
    files = [SourceFile(f.filename or "upload.bpmn", f.read()) for f in request.files.getlist("file")]
    if not files:
        files = [SourceFile("upload.bpmn", request.get_data())]
    keep = request.args.get("keep_if_not_executable") in ("1", "true")
    comment = request.args.get("comment") or request.form.get("comment")  # the new version's label
    result = platform().regulation.deploy(g.actor, files, keep_if_not_executable=keep, comment=comment)
    body = result.as_dict()
    if "warnings" in body:  # each also in the reader's language
        body["warnings"] = with_texts(body["warnings"])
    return jsonify(body), (201 if result.created else 200)


@bp.get("/regulations/<key>/versions")
def versions(key: str):  # type: ignore[no-untyped-def]
    return jsonify([v.as_dict() for v in platform().regulation.versions(key).versions])


@bp.get("/regulations/<key>/versions/<int:number>/xml")
def version_xml(key: str, number: int):  # type: ignore[no-untyped-def]
    return Response(platform().regulation.version_xml(key, number), mimetype="application/xml")


@bp.get("/regulations/<key>/compare")
def compare(key: str):  # type: ignore[no-untyped-def]
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    if not old or not new:
        raise InputInvalid("give the versions to compare as ?old=N&new=M")
    return jsonify(platform().regulation.compare_versions(key, old, new).as_dict())
