"""The demo organisation (design notes §4): idempotent, password ``demo`` for all."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from engine.demo import russian
from engine.platform.root import Reglament
from engine.regulation import versions as regulations
from engine.regulation import work_types
from engine.shared.access import Actor
from engine.shared.errors import ReglamentError
from storage.models import Client
from storage.repositories import clients as clients_repo
from storage.repositories import regulation as regulation_repo

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
PASSWORD = "demo"
LANGUAGES = ("en", "ru")

GROUPS = ("Sales", "Presales", "Legal", "Accounting")
SEGMENTS = ("Retail", "Manufacturing", "Public sector")
USERS: tuple[tuple[str, str, list[str], list[str], str], ...] = (
    # login, name, roles, groups, locale
    ("head", "Nikolai Head", ["head", "owner"], ["Sales"], "en"),
    ("anna", "Anna Smirnova", ["manager"], ["Sales"], "en"),
    ("boris", "Boris Ivanov", ["manager"], ["Sales"], "ru"),
    ("pavel", "Pavel Orlov", ["manager"], ["Presales"], "en"),
    ("lena", "Lena Volkova", ["manager"], ["Legal"], "en"),
    ("olga", "Olga Petrova", ["manager"], ["Accounting"], "en"),
    ("alex", "Alex Analyst", ["analyst"], [], "en"),
    ("admin", "Administrator", ["admin", "owner"], [], "en"),
)
CLIENTS = (
    "Alfa Retail", "Beta Foods", "Gamma Steel", "Delta Logistics", "Epsilon Pharmacy",
    "Zeta Motors", "Eta Textiles", "Theta Bank", "Iota City Hospital", "Kappa Furniture",
    "Lambda Energy", "Mu Regional Administration", "Nu Bakery", "Xi Chemicals", "Omicron Books",
    "Pi Construction", "Rho Dairy", "Sigma Electronics", "Tau School No. 5", "Upsilon Hotels",
    "Phi Paper Mill", "Chi Telecom", "Psi Clinic", "Omega Supermarkets", "Vega Tools",
    "Orion Plastics", "Lyra Cosmetics", "Altair Water Utility", "Sirius Coffee", "Polaris Glass",
)
# How far each demo cycle goes: a list of (task element id, submitted values)
QUALIFIED: tuple[str, dict[str, Any]] = ("Task_QualificationCall", {"contact_person": "Maria", "budget": 1_500_000,
                                                                    "need": "CRM roll-out", "result": "qualified"})
DEMO: tuple[str, dict[str, Any]] = ("Task_PrepareDemo", {"demo_date": "2026-12-03", "demo_notes": "Focus on reporting"})
INTERESTED: tuple[str, dict[str, Any]] = ("Task_Presentation", {"result": "interested"})
PROPOSAL: tuple[str, dict[str, Any]] = ("Task_Proposal", {"amount": 1_200_000, "discount_pct": 5})
AGREED: tuple[str, dict[str, Any]] = ("Task_Negotiation", {"result": "agreed"})
REVIEWED = ("Task_ContractReview", {"contract_number": "C-2026-001", "approved": True})
SIGNED = ("Task_SignContract", {"result": "signed"})
INVOICED: tuple[str, dict[str, Any]] = ("Task_IssueInvoice", {"invoice_number": "INV-1001"})
PAID: tuple[str, dict[str, Any]] = ("Task_ConfirmPayment", {"paid_amount": 1_140_000, "payment_date": "2026-11-20"})
SCENARIOS: tuple[list[tuple[str, dict[str, Any]]], ...] = (
    [], [QUALIFIED], [QUALIFIED, DEMO], [QUALIFIED, DEMO, INTERESTED],
    [QUALIFIED, DEMO, INTERESTED, PROPOSAL], [QUALIFIED, DEMO, INTERESTED, PROPOSAL, AGREED],
    [QUALIFIED, DEMO, INTERESTED, PROPOSAL, AGREED, REVIEWED],
    [QUALIFIED, DEMO, INTERESTED, PROPOSAL, AGREED, REVIEWED, SIGNED],
    [QUALIFIED, DEMO, INTERESTED, PROPOSAL, AGREED, REVIEWED, SIGNED, INVOICED],
    [QUALIFIED, DEMO, INTERESTED, PROPOSAL, AGREED, REVIEWED, SIGNED, INVOICED, PAID],
    [("Task_QualificationCall", {"contact_person": "Ivan", "result": "refused", "loss_reason": "No budget this year"})],
    [QUALIFIED, DEMO, ("Task_Presentation", {"result": "refused", "loss_reason": "Chose a competitor"})],
)


def create_demo_user(platform: Reglament, login: str, name: str, roles: list[str], groups: list[str],
                     locale: str | None = None, timezone: str | None = None) -> Actor:
    """A demo user with the documented password ``demo``: the one explicit path that skips the
    password policy (never offered by the administration pages or the API)."""
    return platform.accounts.create_user(login, name, PASSWORD, roles, groups, locale, timezone, password_policy=False)


def set_russian_defaults(platform: Reglament) -> None:
    """The Russian demo's organization works in Russian and Moscow time (an admin's stored choice stays)."""
    stored = platform.accounts.organization_defaults()
    if stored.stored_time_zone is None and stored.stored_language is None:
        platform.accounts.set_organization_defaults(platform.accounts.authenticate("admin", PASSWORD),
                                                    russian.TIME_ZONE, russian.LANGUAGE)


def load_demo(platform: Reglament, language: str = "en") -> dict[str, int]:
    """Create what is missing of the demo organisation; returns counts of what was added.
    ``language="ru"``: the Russian demo (engine.demo.russian): Russian names, groups, segments,
    clients and regulation; the organization's language Russian and its time zone Europe/Moscow
    (unless the admin stored others), which every demo user follows."""
    if language not in LANGUAGES:
        raise ValueError(f"the demo comes in {', '.join(LANGUAGES)}, not {language!r}")
    ru = language == russian.LANGUAGE
    added = {"users": 0, "clients": 0, "cycles": 0}
    existing = {a.login for a in platform.accounts.users()}
    for login, name, roles, groups, locale in USERS:
        if login not in existing:
            if ru:
                name, groups = russian.user(login, name, groups)
            # the English demo's users follow the organization (boris chose Russian himself)
            create_demo_user(platform, login, name, roles, groups, None if ru or locale == "en" else locale)
            added["users"] += 1
    if ru:
        set_russian_defaults(platform)
    segments = [russian.SEGMENTS.get(s, s) for s in SEGMENTS] if ru else list(SEGMENTS)
    with platform.command() as s:
        from engine.clients.records import ensure_segment

        for segment in segments:
            ensure_segment(s, segment)
        work_types.ensure_defaults(s)
    head = platform.accounts.authenticate("head", PASSWORD)
    for path in sorted(BPMN_DIR.glob("*.bpmn")):
        xml = russian.regulation_xml(path.read_text(encoding="utf-8")).encode() if ru else path.read_bytes()
        platform.regulation.deploy(head, [regulations.SourceFile(path.name, xml)])
    from engine.demo.clients import load_demo_clients
    from engine.demo.contacts import load_demo_contacts
    from engine.demo.motivation import load_demo_motivation
    from engine.demo.organisation import load_demo_organisation
    from engine.demo.schemes import load_demo_scheme

    added["schemes"] = load_demo_scheme(platform, head)
    with platform.query() as s:
        have_clients = clients_repo.count_rows(s, Client)
    if have_clients:
        added.update(load_demo_clients(platform, language))
        added.update(load_demo_contacts(platform, {a.login: a for a in platform.accounts.users()}, language))
        added.update(load_demo_organisation(platform, head, language))
        added.update(load_demo_motivation(platform, {a.login: a for a in platform.accounts.users()}, new_cycles=False))
        return added
    actors = {login: platform.accounts.authenticate(login, PASSWORD) for login, *_ in USERS}
    rnd = random.Random(20261126)
    for index, name in enumerate(russian.CLIENTS if ru else CLIENTS):
        owner = ("anna", "boris")[index % 2]
        client = platform.clients.create_client(head, name, segments[index % 3], owner)
        added["clients"] += 1
        if index >= 24:
            continue  # a few clients with no cycle yet
        cycle = platform.regulation.start_cycle(actors[owner], client.id, "new_client_sale")
        added["cycles"] += 1
        for element_id, values in SCENARIOS[index % len(SCENARIOS)]:
            _complete(platform, actors, cycle.id, element_id, russian.form_values(values) if ru else dict(values), rnd)
    added.update(load_demo_clients(platform, language))
    added.update(load_demo_contacts(platform, actors, language))
    added.update(load_demo_organisation(platform, head, language))
    added.update(load_demo_motivation(platform, actors, new_cycles=True))
    from engine.demo.history import load_history

    if not ru:  # its year of past cycles is written in English
        added.update(load_history(platform))  # a year of cycles for the dashboard and analytics
    return added


def _complete(platform: Reglament, actors: dict[str, Actor], cycle_id: int, element_id: str,
              values: dict[str, object], rnd: random.Random) -> None:
    with platform.query() as s:
        task = next(t for t in regulation_repo.open_tasks_of_cycle(s, cycle_id) if t.element_id == element_id)
        candidates = [task.assignee] if task.assignee else [
            a.login for a in actors.values() if a.candidate_keys & set(task.candidate_groups)]
    if "amount" in values:
        values["amount"] = rnd.randrange(100, 500) * 1000  # deals a month's commission can be paid on
    if "paid_amount" in values:  # the client pays the deal's amount
        values["paid_amount"] = platform.regulation.cycle(actors["head"], cycle_id).variables.get("amount") or values["paid_amount"]
    try:
        platform.regulation.complete_task(actors[candidates[0]], task.id, values)
    except ReglamentError as exc:  # pragma: no cover - demo data must load
        raise RuntimeError(f"demo data could not complete {element_id}: {exc.message}") from exc
