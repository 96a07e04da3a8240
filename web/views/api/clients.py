"""Clients, contact persons, notes, timeline, merge and import."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.clients.records import PAGE_SIZE as CLIENT_PAGE_SIZE
from engine.clients.records import Filters as ClientFilters
from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, int_field, json_body, next_page


@bp.get("/clients")
def list_clients():  # type: ignore[no-untyped-def]
    """?q= (name, contact person, phone or e-mail) &segment= &owner= (login or "none") &status=
    &after= (the "next" cursor of the page before; X-Next-Cursor and Link rel=next say it) or &page="""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise InputInvalid("page must be a whole number from 1", {"fields": {"page": "must be 1 or more"}})
    listing = platform().clients.client_list(g.actor, ClientFilters(
        text=request.args.get("q") or None, segment=request.args.get("segment") or None,
        owner=request.args.get("owner") or None, status=request.args.get("status") or None, page=int(page),
        after=request.args.get("after") or None))
    return next_page(jsonify(clients=[c.as_dict() for c in listing.clients], page=listing.page,
                             page_size=CLIENT_PAGE_SIZE, has_next=listing.has_next, next=listing.next), listing.next)


@bp.post("/clients")
def create_client():  # type: ignore[no-untyped-def]
    """{"name", "kind"?, "tax_id"?, "industry"?, "region"?, "size"?, "segment"?, "source"?, "status"?,
    "owner"?, "contact"? {"name", "position", "phone", "email"}, "create_anyway"?}. A possible duplicate
    is 409 duplicate_client listing the clients it resembles, unless "create_anyway": true."""
    data = json_body()
    contact = data.get("contact")
    if contact is not None and not isinstance(contact, dict):
        raise InputInvalid("contact must be an object", {"fields": {"contact": "must be an object"}})
    anyway = data.get("create_anyway", False)
    if not isinstance(anyway, bool):
        raise InputInvalid("create_anyway must be true or false", {"fields": {"create_anyway": "must be a boolean"}})
    fields = {k: v for k, v in data.items() if k not in ("name", "segment", "owner", "contact", "create_anyway")}
    client = platform().clients.create_client(g.actor, str(data.get("name") or ""), data.get("segment"),
                                      data.get("owner"), fields=fields, contact=contact,
                                      check_duplicates=not anyway)
    return jsonify(client.as_dict()), 201


@bp.get("/clients/<int:client_id>")
def client(client_id: int):  # type: ignore[no-untyped-def]
    """The client with its contact persons; a merged one is 404 client_merged with merged_into_id."""
    card = platform().clients.client_card(g.actor, client_id)
    return jsonify({**card.data.as_dict(), "may_change": card.may_change})


@bp.patch("/clients/<int:client_id>")
def update_client(client_id: int):  # type: ignore[no-untyped-def]
    """Change the given fields; no delete: {"status": "inactive"}."""
    return jsonify(platform().clients.update_client(g.actor, client_id, json_body()).as_dict())


@bp.get("/clients/<int:client_id>/contacts")
def client_contacts(client_id: int):  # type: ignore[no-untyped-def]
    card = platform().clients.client_card(g.actor, client_id)
    return jsonify([c.as_dict() for c in card.data.contacts or ()])


@bp.post("/clients/<int:client_id>/contacts")
def add_client_contact(client_id: int):  # type: ignore[no-untyped-def]
    """{"name"?, "position"?, "phone"?, "email"?}: a name, a phone or an e-mail at least."""
    return jsonify(platform().clients.add_client_contact(g.actor, client_id, json_body()).as_dict()), 201


@bp.patch("/contacts/<int:contact_id>")
def update_client_contact(contact_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().clients.update_client_contact(g.actor, contact_id, json_body()).as_dict())


@bp.delete("/contacts/<int:contact_id>")
def delete_client_contact(contact_id: int):  # type: ignore[no-untyped-def]
    return jsonify(status="deleted", client_id=platform().clients.delete_client_contact(g.actor, contact_id))


@bp.post("/clients/<int:client_id>/notes")
def add_client_note(client_id: int):  # type: ignore[no-untyped-def]
    """{"text"}"""
    return jsonify(platform().clients.add_client_note(g.actor, client_id, json_body().get("text")).as_dict()), 201


@bp.get("/clients/<int:client_id>/timeline")
def client_timeline(client_id: int):  # type: ignore[no-untyped-def]
    """Newest first. ?kinds=cycles,activities,notes,ownership,edits &after=<the previous page's
    "next", also in its X-Next-Cursor and Link headers> &limit= (1-500, default 100)."""
    limit = request.args.get("limit", "100")
    if not limit.isdigit():
        raise InputInvalid("limit must be a whole number from 1 to 500", {"fields": {"limit": "must be a number"}})
    kinds = [k for k in request.args.get("kinds", "").split(",") if k.strip()]
    page = platform().clients.client_timeline(g.actor, client_id, kinds, request.args.get("after") or None, int(limit))
    return next_page(jsonify(page.as_dict()), page.next)


@bp.post("/clients/<int:client_id>/merge")
def merge_clients(client_id: int):  # type: ignore[no-untyped-def]
    """{"other_id"}: the other client is folded into this one."""
    return jsonify(platform().clients.merge_clients(g.actor, client_id, int_field(json_body(), "other_id")).as_dict())


@bp.post("/clients/import")
def import_clients():  # type: ignore[no-untyped-def]
    """Multipart: ``file`` (CSV or XLSX) and optionally ``mapping`` (JSON: file column -> field;
    guessed from the headers when absent). Starts the import in the background: 202 with its id."""
    from web.views.imports import UPLOAD_LIMIT, mapping_json

    request.max_content_length = UPLOAD_LIMIT
    file = request.files.get("file")
    if file is None or not file.filename:
        raise InputInvalid("send the file as the multipart field 'file'")
    mapping = mapping_json(request.form.get("mapping"))
    upload = platform().clients.upload_clients_file(g.actor, file.filename, file.stream)
    run_id = platform().clients.start_import(g.actor, upload.upload, mapping)
    return jsonify(id=run_id, status="running", url=f"/api/v1/imports/{run_id}"), 202


@bp.get("/imports/<int:run_id>")
def import_run(run_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().clients.import_run(g.actor, run_id).as_dict())
