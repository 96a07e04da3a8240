"""Client pages: the client list (search, filters, paging, new client), a client (details,
contact persons, notes, its one timeline, cycles, planned contacts, done work), editing,
merging two clients."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.clients.checks import CLIENT_FIELDS, CONTACT_FIELDS, KINDS, SIZES, STATUSES
from engine.clients.records import Filters
from engine.clients.timeline import KINDS as TIMELINE_KINDS
from engine.shared.errors import ClientMerged, DuplicateClient, InputInvalid
from web.i18n import error_text, parse_local_input, translated_fields
from web.views import actor, login_required, platform, safe_next
from web.views.start_sale import start_sale

bp = Blueprint("clients", __name__)

def field_errors(exc: InputInvalid) -> dict[str, str]:
    """The engine's per-field problems in the user's language (the one table in web/i18n)."""
    return translated_fields(exc) or {"name": error_text(exc)}


def _form(names: tuple[str, ...], prefix: str = "") -> dict[str, str]:
    return {name: request.form.get(prefix + name, "").strip() for name in names}


# ---------------------------------------------------------------- the list and a new client

def _filters() -> Filters:
    page = request.args.get("page", "1")
    return Filters(text=request.args.get("q") or None, segment=request.args.get("segment") or None,
                   owner=request.args.get("owner") or None, status=request.args.get("status") or None,
                   page=int(page) if page.isdigit() and int(page) > 0 else 1)


def _page_url(filters: Filters, page: int) -> str:
    args = {k: v for k, v in (("q", filters.text), ("segment", filters.segment), ("owner", filters.owner),
                              ("status", filters.status)) if v}
    if page > 1:
        args["page"] = str(page)
    return url_for("clients.index") + ("?" + urlencode(args) if args else "")


def _new_form() -> dict[str, str]:
    return dict.fromkeys(CLIENT_FIELDS, "") | {"kind": "company", "status": "lead"} | \
        {f"contact_{name}": "" for name in CONTACT_FIELDS}


@bp.route("/clients", methods=["GET", "POST"])
@login_required
def index():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    duplicates: list[dict[str, Any]] = []  # as the refusal's details name them
    form = _new_form()
    status = 200
    if request.method == "POST":
        form = _form(CLIENT_FIELDS) | {f"contact_{k}": v for k, v in _form(CONTACT_FIELDS, "contact_").items()}
        fields = {k: form[k] for k in CLIENT_FIELDS if k not in ("name", "segment", "owner") and k in request.form}
        try:
            created = platform().clients.create_client(
                actor(), form["name"], form["segment"] or None, form["owner"] or None, fields=fields,
                contact={k: form[f"contact_{k}"] for k in CONTACT_FIELDS},
                check_duplicates=request.form.get("create_anyway") != "1")
        except DuplicateClient as exc:
            duplicates, status = exc.details.get("duplicates", []), 409
        except InputInvalid as exc:
            errors, status = field_errors(exc), 422
        else:
            flash(_("Client “%(name)s” created.", name=created.client.name), "success")
            decision = created.distribution
            if decision:
                if decision.owner:
                    flash(_("Distributed to %(owner)s.", owner=decision.owner), "success")
                else:
                    flash(_("Nobody could take the client: it waits for the head of sales to give it to a manager."),
                          "success")
            return redirect(url_for("clients.detail", client_id=created.id))
    page = platform().clients.client_list_page(actor(), _filters())
    if page.problem is not None:
        flash(page.problem, "error")
    listing, filters = page.listing, page.listing.filters
    return render_template(
        "clients/clients.html", listing=listing, filters=filters, search=filters.text,
        prev_url=_page_url(filters, filters.page - 1) if filters.page > 1 else None,
        next_url=_page_url(filters, filters.page + 1) if listing.has_next else None,
        segments=page.segments, owners=page.owners, statuses=STATUSES, kinds=KINDS,
        sizes=SIZES, errors=errors, form=form, duplicates=duplicates), status


# ---------------------------------------------------------------- a client

@bp.get("/clients/<int:client_id>")
@login_required
def detail(client_id: int):  # type: ignore[no-untyped-def]
    return _detail(client_id)


def _merged(exc: ClientMerged) -> Any:
    survivor = exc.details["merged_into_id"]
    flash(_("This client was merged into client #%(id)s; here it is.", id=survivor), "success")
    return redirect(url_for("clients.detail", client_id=survivor))


def _detail(client_id: int, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
            status: int = 200) -> Any:
    kinds = [k for k in request.args.getlist("kinds") if k in TIMELINE_KINDS]
    try:
        page = platform().clients.client_page(actor(), client_id, kinds, request.args.get("after") or None)
    except ClientMerged as exc:
        return _merged(exc)
    base = {"work_type": "call", "planned_at": "", "note": ""}
    return render_template(
        "clients/client.html", client=page.client, card=page.card, cycles=page.cycles, files=page.files,
        regulations=page.regulations, work=page.work, work_types=page.work_types,
        timeline=page.timeline, timeline_kinds=TIMELINE_KINDS, chosen_kinds=kinds, after=page.after,
        errors=errors or {}, form=base | (form or {})), status


def _back_to(client_id: int, anchor: str) -> Any:
    return redirect(url_for("clients.detail", client_id=client_id) + anchor)


@bp.post("/clients/<int:client_id>/cycles")
@login_required
def start(client_id: int):  # type: ignore[no-untyped-def]
    return start_sale(client_id)  # a business key, the start form, a second cycle confirmed (web/views/start_sale.py)


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@login_required
def edit(client_id: int):  # type: ignore[no-untyped-def]
    try:
        card = platform().clients.client_card(actor(), client_id)
    except ClientMerged as exc:
        return _merged(exc)
    data = card.data.as_dict()
    form = {name: data.get(name) or "" for name in CLIENT_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {name: request.form.get(name, "").strip() for name in CLIENT_FIELDS if name in request.form}
        if request.form.get("take") == "1":
            form["owner"] = actor().login
        try:
            platform().clients.update_client(actor(), client_id, form)
        except InputInvalid as exc:
            errors = field_errors(exc)
            form = {name: data.get(name) or "" for name in CLIENT_FIELDS} | form
        else:
            flash(_("Client saved."), "success")
            return redirect(url_for("clients.detail", client_id=client_id))
    return render_template("clients/client_edit.html", card=card, client=card.data, form=form, errors=errors,
                           segments=platform().clients.segments(), owners=platform().clients.client_owners(), statuses=STATUSES,
                           kinds=KINDS, sizes=SIZES), (422 if errors else 200)


# ---------------------------------------------------------------- contact persons and notes

@bp.post("/clients/<int:client_id>/contacts")
@login_required
def add_contact(client_id: int):  # type: ignore[no-untyped-def]
    form = _form(CONTACT_FIELDS, "contact_")
    try:
        platform().clients.add_client_contact(actor(), client_id, form)
    except InputInvalid as exc:
        errors = {f"contact_{k}" if not k.startswith("contact_") else k: v for k, v in field_errors(exc).items()}
        return _detail(client_id, errors, {f"contact_{k}": v for k, v in form.items()}, 422)
    flash(_("Contact person added."), "success")
    return _back_to(client_id, "#people")


@bp.post("/contacts/<int:contact_id>/edit")
@login_required
def edit_contact(contact_id: int):  # type: ignore[no-untyped-def]
    form = _form(CONTACT_FIELDS)
    try:
        contact = platform().clients.update_client_contact(actor(), contact_id, form)
    except InputInvalid as exc:
        flash(_("The contact person was not saved: %(problems)s",
                problems="; ".join(f"{k}: {v}" for k, v in field_errors(exc).items())), "error")
        return redirect(safe_next(request.form.get("next"), url_for("clients.index")))
    flash(_("Contact person saved."), "success")
    return _back_to(contact.client_id, "#people")


@bp.post("/contacts/<int:contact_id>/delete")
@login_required
def delete_contact(contact_id: int):  # type: ignore[no-untyped-def]
    client_id = platform().clients.delete_client_contact(actor(), contact_id)
    flash(_("Contact person removed."), "success")
    return _back_to(client_id, "#people")


@bp.post("/clients/<int:client_id>/notes")
@login_required
def add_note(client_id: int):  # type: ignore[no-untyped-def]
    text = request.form.get("text", "")
    try:
        platform().clients.add_client_note(actor(), client_id, text)
    except InputInvalid as exc:
        return _detail(client_id, {"note_text": field_errors(exc).get("text", error_text(exc))}, {"note_text": text}, 422)
    flash(_("Note added."), "success")
    return _back_to(client_id, "#timeline")


# ---------------------------------------------------------------- merging

@bp.get("/clients/<int:client_id>/merge")
@login_required
def merge_pick(client_id: int):  # type: ignore[no-untyped-def]
    other = request.args.get("other", "").strip().lstrip("#")
    if not other.isdigit():
        flash(_("Give the number of the client to merge with."), "error")
        return _back_to(client_id, "")
    return redirect(url_for("clients.merge", client_id=client_id, other_id=int(other)))


@bp.route("/clients/<int:client_id>/merge/<int:other_id>", methods=["GET", "POST"])
@login_required
def merge(client_id: int, other_id: int):  # type: ignore[no-untyped-def]
    if request.method == "POST":
        keep = request.form.get("keep", str(client_id))
        survivor, other = (other_id, client_id) if keep == str(other_id) else (client_id, other_id)
        done = platform().clients.merge_clients(actor(), survivor, other)
        flash(_("Clients merged: “%(other)s” is now part of “%(name)s”.", other=done.merged_name,
                name=done.client.name), "success")
        return redirect(url_for("clients.detail", client_id=survivor))
    preview = platform().clients.merge_preview(actor(), client_id, other_id)
    return render_template("clients/client_merge.html", preview=preview, a=preview.survivor, b=preview.other,
                           fields=list(CLIENT_FIELDS))


# ---------------------------------------------------------------- planned contacts

def _planned_at(raw: str | None) -> Any:
    """The <input type="datetime-local"> value in the user's time zone; None when empty."""
    try:
        return parse_local_input(raw or "")
    except ValueError:
        raise InputInvalid(_("The planned time must look like 2026-12-01T10:30."),
                           {"fields": {"planned_at": "is not a date and time"}}) from None


@bp.post("/clients/<int:client_id>/activities")
@login_required
def plan_contact(client_id: int):  # type: ignore[no-untyped-def]
    form = {k: request.form.get(k, "") for k in ("work_type", "planned_at", "note")}
    try:
        platform().planning.plan_contact(actor(), client_id, form["work_type"], _planned_at(form["planned_at"]),
                                form["note"])
    except InputInvalid as exc:
        return _detail(client_id, exc.details.get("fields", {}) or {"planned_at": error_text(exc)}, form, 422)
    flash(_("Contact planned."), "success")
    return redirect(url_for("clients.detail", client_id=client_id) + "#contacts")


def _back(default: str) -> Any:
    return redirect(safe_next(request.form.get("next"), default))


@bp.post("/activities/<int:activity_id>/reschedule")
@login_required
def reschedule_contact(activity_id: int):  # type: ignore[no-untyped-def]
    done = platform().planning.reschedule_contact(actor(), activity_id, _planned_at(request.form.get("planned_at")))
    flash(_("Contact rescheduled."), "success")
    return _back(url_for("clients.detail", client_id=done.client_id))


@bp.post("/activities/<int:activity_id>/done")
@login_required
def contact_done(activity_id: int):  # type: ignore[no-untyped-def]
    done = platform().planning.contact_done(actor(), activity_id, request.form.get("result"))
    flash(_("Contact done."), "success")
    return _back(url_for("clients.detail", client_id=done.client_id))


@bp.post("/activities/<int:activity_id>/cancel")
@login_required
def cancel_contact(activity_id: int):  # type: ignore[no-untyped-def]
    done = platform().planning.cancel_contact(actor(), activity_id)
    flash(_("Contact cancelled."), "success")
    return _back(url_for("clients.detail", client_id=done.client_id))
