"""Incident alerts (issue 12): the process owners and the heads hear of a cycle's incident once,
in the app and by e-mail, with the element and the message; the incidents page groups them."""
from __future__ import annotations

from conftest import Clock, bpmn_file
from cycle_helpers import complete, start
from sqlalchemy import select

from engine.platform.root import Reglament
from engine.shared.settings import Settings
from storage.db import Database
from storage.models import Notification, User

REGULATION = "incident_missing_variable"


def _incident_notes(platform: Reglament) -> list[tuple[str, str | None, dict]]:
    with platform.query() as s:
        return [(n.login, n.email_status, n.data) for n in s.scalars(
            select(Notification).where(Notification.kind == "incident").order_by(Notification.login))]


def _fail(platform: Reglament, actors) -> dict:
    failed = complete(platform, actors["anna"], start(platform, actors["anna"], REGULATION).id, "Task_First", {})
    assert failed.status == "incident"
    return failed


def test_owners_and_heads_are_notified_once_per_incident(platform: Reglament, actors, clock: Clock) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("incident_missing_variable.bpmn")])
    failed = _fail(platform, actors)
    notes = _incident_notes(platform)
    assert [login for login, _, _ in notes] == ["admin", "head"], "the owner and head roles; managers are not told"
    data = notes[0][2]
    assert data["cycle_id"] == failed.id and data["element_id"] == "Gateway_Check"
    assert "'missing' is not defined" in data["note"]
    [mine] = [n for n in platform.notify.notifications(actors["head"]) if n.kind == "incident"]
    assert mine.link == f"/cycles/{failed.id}"
    # editing variables or suspending the cycle in incident does not alert again
    platform.cockpit.edit_variables(actors["head"], failed.id, {"other": 1}, "looking")
    assert len(_incident_notes(platform)) == 2
    # a retry that fails again is a new incident: one more alert each
    clock.advance(minutes=5)
    assert platform.regulation.retry(actors["head"], failed.id).status == "incident"
    assert len(_incident_notes(platform)) == 4


def test_the_alert_is_mailed_when_e_mail_is_configured(database: Database, platform: Reglament, actors, clock: Clock,
                                                       profiles) -> None:
    with platform.command() as s:
        s.scalar(select(User).where(User.login == "head")).email = "head@example.com"
    settings = Settings(database_url=database.url, secret_key="test-secret", smtp_url="smtp://127.0.0.1:2",
                        mail_from="Reglament <reglament@example.com>", base_url="https://crm.example.com")
    mailing = Reglament(database, "test-secret", clock=clock, settings=settings)
    mailing.regulation.deploy(actors["head"], [bpmn_file("incident_missing_variable.bpmn")])
    _fail(mailing, actors)
    states = {login: status for login, status, _ in _incident_notes(mailing)}
    assert states == {"admin": None, "head": "pending"}, "queued in the outbox for whoever has an address"


def test_incidents_group_by_version_and_element(platform: Reglament, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("incident_missing_variable.bpmn")])
    ids = [_fail(platform, actors).id for _ in range(3)]
    [group] = platform.cockpit.incident_groups(actors["head"])
    assert (group.regulation, group.version, group.element_id, group.count) == (
        REGULATION, 1, "Gateway_Check", 3)
    assert group.latest_cycle_id == max(ids) and "'missing' is not defined" in group.message
