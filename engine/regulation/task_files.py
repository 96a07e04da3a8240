"""Files of ``file`` form fields: stored when their task is completed, read through the cycle.

A submission with files is validated whole first (every field, the files within their bounds),
so nothing is stored for a form that comes back with problems; then each upload is stored with
the client and the cycle (engine.clients.attachments) and the field's value becomes a
``FileRef``. A stored file is read by whoever may see its cycle (else its client).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.clients import attachments
from engine.clients.records import get_client
from engine.regulation import forms
from engine.regulation.context import Context
from engine.regulation.reading import get_cycle, may_view_cycle
from engine.regulation.tasks import lock_task, refuse_unless_yours, task_form
from engine.shared.access import Actor
from storage.models import Cycle


def store_uploads(session: Session, ctx: Context, actor: Actor, task_id: str, values: dict[str, Any],
                  uploads: dict[str, forms.Upload]) -> dict[str, forms.FileRef]:
    """The FileRef of each upload of a valid submission (FormInvalid names every bad field)."""
    task, cycle, _ = lock_task(session, task_id)
    refuse_unless_yours(actor, task)
    fields = task_form(session, ctx, task)
    files = {f.id for f in fields if f.type == "file" and not f.readonly}
    sent = {k: v for k, v in uploads.items() if k in files}
    checked = forms.validate(fields, {**values, **sent}, cycle.variables)
    refs: dict[str, forms.FileRef] = {}
    for name, upload in checked.items():
        if isinstance(upload, forms.Upload):
            stored = attachments.store(session, client_id=cycle.client_id, cycle_id=cycle.id, task_name=task.name,
                                       field=name, filename=upload.filename, data=upload.data,
                                       login=actor.login, now=ctx.now())
            refs[name] = forms.FileRef.of(stored.id, stored.filename, stored.size)
    return refs


def readable(session: Session, actor: Actor, file_id: int) -> tuple[attachments.StoredFile, bytes]:
    stored, data = attachments.read(session, file_id)
    if stored.cycle_id is not None:
        get_cycle(session, actor, stored.cycle_id)  # NotFound / Forbidden
    else:
        get_client(session, actor, stored.client_id)
    return stored, data


def files_of_cycle(session: Session, actor: Actor, cycle_id: int) -> list[attachments.StoredFile]:
    """The files sent in the cycle's forms, oldest first (NotFound / Forbidden as for the cycle)."""
    get_cycle(session, actor, cycle_id)
    return attachments.of_cycle(session, cycle_id)


def files_of_client(session: Session, actor: Actor, client_id: int) -> list[attachments.StoredFile]:
    """The client's files the actor may download, newest first (at most attachments.CLIENT_LIST):
    the client must be theirs to see (NotFound / Forbidden), and a file sent in a cycle shows only
    to whom may see that cycle."""
    get_client(session, actor, client_id)
    files = attachments.of_client(session, client_id)
    visible: dict[int, bool] = {}
    for cycle_id in {f.cycle_id for f in files if f.cycle_id is not None}:
        cycle = session.get(Cycle, cycle_id)
        visible[cycle_id] = cycle is not None and may_view_cycle(session, actor, cycle)
    return [f for f in files if f.cycle_id is None or visible[f.cycle_id]]
