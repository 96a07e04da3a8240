"""Starting a sale from the client page: a business key and, when the regulation's start event has a
form, its fields (asked on a page of their own, validated like a task form)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.regulation.parallel import ParallelCycle
from engine.shared.errors import FormInvalid
from web.i18n import translated_fields
from web.views import actor, platform


def start_sale(client_id: int) -> Any:
    form = request.form
    regulation = form.get("regulation", "")
    business_key = form.get("business_key") or None
    fields = platform().outside.start_form(regulation)
    page = {"client_id": client_id, "regulation": regulation, "business_key": business_key or "", "fields": fields}
    if fields and not form.get("start_form"):
        return render_template("cycles/start_form.html", values={}, errors={}, **page)
    submitted = {f.id: form[f.id] for f in fields if f.id in form}
    try:  # a second running cycle of the same regulation only once confirmed (issue 12)
        cycle = platform().outside.start_with_form(actor(), client_id, regulation, business_key, submitted,
                                                   allow_parallel=bool(form.get("allow_parallel")))
    except ParallelCycle as exc:
        return render_template("cycles/confirm_parallel.html", client_id=client_id, regulation=regulation,
                               running=exc.details["cycles"], business_key=business_key), 409
    except FormInvalid as exc:
        return render_template("cycles/start_form.html", values=submitted, errors=translated_fields(exc), **page), 422
    flash(_("Sale started."), "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle.id))
