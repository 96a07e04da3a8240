"""Incident alerts: when a cycle enters an incident, the process owners (the ``owner`` role and
whoever deployed the cycle's version) and the heads of sales hear of it, in the app and by
e-mail through the notification outbox, once per incident (the notification key names the cycle
and the moment of the incident), with the element and the message."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.notify import notifications
from storage.models import Cycle
from storage.repositories import cockpit as cockpit_repo

#: who hears of incidents
ALERTED_ROLES = ("owner", "head")


def recipients(session: Session, cycle: Cycle) -> list[str]:
    logins = set(cockpit_repo.logins_with_roles(session, ALERTED_ROLES))
    deployer = cycle.version.created_by
    if deployer and cockpit_repo.active_login(session, deployer):
        logins.add(deployer)
    return sorted(logins)


def alert(session: Session, cycle: Cycle, at: datetime) -> None:
    """Notify of the cycle's incident (call after it was recorded on the cycle)."""
    incident: dict[str, Any] = cycle.incident or {}
    element = incident.get("task_name") or incident.get("element_id") or ""
    message = str(incident.get("message") or "")
    data = {"cycle_id": cycle.id, "client": cycle.client.name, "client_id": cycle.client_id,
            "regulation": cycle.version.regulation.key, "version": cycle.version.number,
            "element_id": incident.get("element_id"), "element": element, "note": message[:1000],
            "code": incident.get("code"), "params": incident.get("params") or {}}  # the note in any language
    title = f"Incident: {element or 'cycle'} — {cycle.client.name}"
    key = f"incident:{cycle.id}:{incident.get('at') or at.isoformat()}"
    notifications.notify(session, [notifications.Note(login, notifications.NotificationKind.INCIDENT, key, title,
                                                      f"/cycles/{cycle.id}", data)
                                   for login in recipients(session, cycle)], at)
