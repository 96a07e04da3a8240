"""The demo's contact norms, planned and done contacts, and a few sales that went quiet (idempotent).

Norms are added when there are none; contacts when no contact was ever planned. Three of the
demo clients that have no cycle yet get one that started days or weeks ago (run on a demo
clock set back in time, so their history is what it says): one is forgotten at Qualification,
one at Negotiation, and one in the Public sector is still within its longer norm.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from engine.demo import russian
from engine.platform.root import Reglament
from engine.shared import days
from engine.shared.access import Actor
from storage.models import Activity, ContactNorm
from storage.repositories import clients as clients_repo
from storage.repositories import regulation as regulation_repo

NORMS = (  # stage, segment (None: any), days
    ("Qualification", None, 3), ("Presentation", None, 5), ("Proposal", None, 5),
    ("Negotiation", None, 7), ("Negotiation", "Public sector", 14), ("Contract", None, 10),
)
# client, days since its cycle started, steps (element id, days after the start)
QUIET_SALES = (
    ("Vega Tools", 6, ()),
    ("Orion Plastics", 20, (("Task_QualificationCall", 2), ("Task_PrepareDemo", 4), ("Task_Presentation", 6),
                            ("Task_Proposal", 8))),
    ("Lyra Cosmetics", 15, (("Task_QualificationCall", 1), ("Task_PrepareDemo", 2), ("Task_Presentation", 3),
                            ("Task_Proposal", 5))),
)
# work type, note, day (0 today, -1 yesterday...), hour, done (None: still planned; days after the plan)
CONTACTS = (
    ("call", "Follow up on the proposal", -6, 10, 0), ("meeting", "Site visit with the engineer", -5, 14, 0),
    ("call", "Check the budget approval", -4, 11, 1), ("email", "Send the reference list", -3, 9, 0),
    ("call", "Remind about the contract draft", -1, 16, None), ("call", "Agree the demo date", 0, 15, None),
    ("meeting", "Lunch with the purchasing manager", 1, 13, None), ("demo", "Show the reporting module", 3, 11, None),
    ("call", "Quarterly check-in", 9, 10, None),
)


def load_demo_contacts(platform: Reglament, actors: dict[str, Actor], language: str = "en") -> dict[str, int]:
    from engine.demo.loader import CLIENTS, DEMO, INTERESTED, PROPOSAL, QUALIFIED, _complete

    def said(text: str) -> str:
        return russian.text(text, language)

    def named(name: str) -> str:
        return russian.client_name(name, CLIENTS, language)

    steps = dict((QUALIFIED, DEMO, INTERESTED, PROPOSAL))
    head = actors["head"]
    added = {"norms": 0, "contacts": 0}
    with platform.query() as s:
        have_norms = bool(clients_repo.count_rows(s, ContactNorm))
        have_contacts = bool(clients_repo.count_rows(s, Activity))
    if not have_norms:
        for stage, segment, max_days in NORMS:
            if language == russian.LANGUAGE:
                stage, segment = said(stage), russian.SEGMENTS.get(segment or "", segment)
            platform.control.save_norm(head, stage, segment, max_days)
            added["norms"] += 1
    if have_contacts:
        return added
    now = platform.ctx.now()
    rnd = random.Random(20261127)
    for name, days_ago, done in QUIET_SALES:
        with platform.query() as s:
            client = clients_repo.client_by_name(s, named(name))
            if client is None or client.owner is None or regulation_repo.cycles_of_client(s, client.id):
                continue
            owner = actors[client.owner.login]
        started = now - timedelta(days=days_ago, hours=rnd.randrange(1, 6))
        with _clock_at(platform, started):
            cycle = platform.regulation.start_cycle(owner, client.id, "new_client_sale")
        for element_id, after in done:
            with _clock_at(platform, started + timedelta(days=after, hours=rnd.randrange(0, 5))):
                values = dict(steps[element_id])
                _complete(platform, actors, cycle.id, element_id,
                          russian.form_values(values) if language == russian.LANGUAGE else values, rnd)
    today = days.start_of_day(now, days.zone(None))
    for login in ("anna", "boris"):
        quiet = {named(name) for name, *_ in QUIET_SALES}
        mine = [c for c in platform.clients.clients(actors[login])
                if c.owner == login and c.name not in quiet]
        for index, (kind, note, day, hour, done_after) in enumerate(CONTACTS):
            chosen = mine[(index * 3 + (login == "boris")) % len(mine)]
            planned = today + timedelta(days=day, hours=hour, minutes=rnd.choice((0, 15, 30)))
            with _clock_at(platform, min(now, planned - timedelta(days=1))):
                contact = platform.planning.plan_contact(actors[login], chosen.id, kind, planned, said(note))
            if done_after is not None:
                with _clock_at(platform, min(now, planned + timedelta(days=done_after, hours=2))):
                    platform.planning.contact_done(actors[login], contact.id, said(rnd.choice(RESULTS)))
            added["contacts"] += 1
    return added


RESULTS = (
    "Interested; wants prices for 50 seats", "Asked to call back after the board meeting",
    "Budget approved, waiting for the purchase order", "Sent the documents they asked for",
    "Met the new IT director; positive",
)


@contextmanager
def _clock_at(platform: Reglament, moment: datetime) -> Iterator[None]:
    """Run the commands inside on a demo clock stopped at ``moment``."""
    real = platform.ctx.now
    platform.ctx.now = lambda: moment
    try:
        yield
    finally:
        platform.ctx.now = real
