from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import InputInvalid
from web.views import actor, login_required, platform

bp = Blueprint("clients", __name__)


@bp.route("/clients", methods=["GET", "POST"])
@login_required
def index():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    form = {"name": "", "segment": ""}
    if request.method == "POST":
        form = {"name": request.form.get("name", ""), "segment": request.form.get("segment", "")}
        try:
            client = platform().create_client(actor(), form["name"], form["segment"] or None)
        except InputInvalid as exc:
            errors = exc.details.get("fields", {}) or {"name": exc.message}
        else:
            flash(_("Client “%(name)s” created.", name=client["name"]), "success")
            return redirect(url_for("clients.detail", client_id=client["id"]))
    search = request.args.get("q") or None
    return render_template("clients.html", clients=platform().clients(actor(), search), search=search,
                           segments=platform().segments(), errors=errors, form=form), (422 if errors else 200)


@bp.get("/clients/<int:client_id>")
@login_required
def detail(client_id: int):  # type: ignore[no-untyped-def]
    client, cycles = platform().client(actor(), client_id)
    return render_template("client.html", client=client, cycles=cycles,
                           regulations=platform().regulations())


@bp.post("/clients/<int:client_id>/cycles")
@login_required
def start(client_id: int):  # type: ignore[no-untyped-def]
    cycle = platform().start_cycle(actor(), client_id, request.form.get("regulation", ""))
    flash(_("Sale started."), "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle["id"]))
