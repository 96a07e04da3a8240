"""Believable details for the demo clients (issue 5): industry, region, size, source, a tax id
with valid check digits, a status after its sales (won: customer, one under way: prospect), one
contact person each and a note for some. Idempotent: a demo
client that already has a tax id or a contact person is left as it is."""
from __future__ import annotations

from engine.clients.tax_ids import with_check_digits
from engine.demo import russian
from engine.platform.root import Reglament
from storage import keys
from storage.models import ClientEvent, Contact
from storage.repositories import clients as clients_repo

#: client name -> industry, region, size, source
DETAILS: dict[str, tuple[str, str, str, str]] = {
    "Alfa Retail": ("retail", "Moscow", "large", "exhibition"),
    "Beta Foods": ("food", "Saint Petersburg", "medium", "website"),
    "Gamma Steel": ("steel", "Chelyabinsk", "large", "cold call"),
    "Delta Logistics": ("logistics", "Novosibirsk", "medium", "referral"),
    "Epsilon Pharmacy": ("pharmacy", "Kazan", "small", "website"),
    "Zeta Motors": ("machinery", "Togliatti", "large", "exhibition"),
    "Eta Textiles": ("textiles", "Ivanovo", "medium", "cold call"),
    "Theta Bank": ("finance", "Moscow", "large", "referral"),
    "Iota City Hospital": ("health", "Yekaterinburg", "large", "tender"),
    "Kappa Furniture": ("manufacturing", "Kaliningrad", "small", "website"),
    "Lambda Energy": ("energy", "Surgut", "large", "exhibition"),
    "Mu Regional Administration": ("government", "Tver", "large", "tender"),
    "Nu Bakery": ("food", "Tula", "micro", "website"),
    "Xi Chemicals": ("chemicals", "Dzerzhinsk", "large", "cold call"),
    "Omicron Books": ("retail", "Saint Petersburg", "small", "referral"),
    "Pi Construction": ("construction", "Krasnodar", "medium", "exhibition"),
    "Rho Dairy": ("food", "Vologda", "medium", "website"),
    "Sigma Electronics": ("retail", "Moscow", "medium", "website"),
    "Tau School No. 5": ("education", "Samara", "small", "tender"),
    "Upsilon Hotels": ("hospitality", "Sochi", "medium", "referral"),
    "Phi Paper Mill": ("manufacturing", "Arkhangelsk", "large", "cold call"),
    "Chi Telecom": ("telecom", "Nizhny Novgorod", "large", "exhibition"),
    "Psi Clinic": ("health", "Rostov-on-Don", "small", "website"),
    "Omega Supermarkets": ("retail", "Voronezh", "large", "referral"),
    "Vega Tools": ("machinery", "Perm", "small", "website"),
    "Orion Plastics": ("plastics", "Ufa", "medium", "cold call"),
    "Lyra Cosmetics": ("retail", "Moscow", "small", "website"),
    "Altair Water Utility": ("government", "Omsk", "large", "tender"),
    "Sirius Coffee": ("food", "Krasnoyarsk", "micro", "website"),
    "Polaris Glass": ("manufacturing", "Saratov", "medium", "exhibition"),
}
PEOPLE = (
    ("Maria Kuznetsova", "Procurement manager"), ("Dmitry Sokolov", "Commercial director"),
    ("Elena Popova", "CFO"), ("Sergey Lebedev", "IT director"), ("Olga Novikova", "Head of sales"),
    ("Ivan Morozov", "Chief engineer"), ("Anna Volkova", "Office manager"), ("Pavel Fedorov", "CEO"),
)
NOTES = {
    "Alfa Retail": "Budget is approved in January; decisions go through the board.",
    "Gamma Steel": "Prefers calls after 14:00 Yekaterinburg time.",
    "Theta Bank": "Security review needed before any pilot.",
}


def _email_domain(name: str) -> str:
    return keys.name_key(name).split(" ")[0] + "-" + keys.name_key(name).split(" ")[-1] + ".example"


def load_demo_clients(platform: Reglament, language: str = "en") -> dict[str, int]:
    added = {"client_details": 0}
    ru = language == russian.LANGUAGE
    english = list(DETAILS)
    names = [russian.client_name(n, tuple(english), language) for n in english]
    with platform.command() as s:
        for client in clients_repo.clients_by_names(s, names):
            if client.tax_id or client.contacts:
                continue
            index = names.index(client.name)
            client.industry, client.region, client.size, client.source = DETAILS[english[index]]
            if ru and index < len(russian.DETAILS):
                client.industry, client.region = russian.DETAILS[index]
            client.tax_id = with_check_digits(f"77{index + 11:02d}{(index * 7919 + 31337) % 100000:05d}")
            outcomes = clients_repo.cycle_statuses_of_client(s, client.id)
            if "won" in outcomes:
                client.status = "customer"
            elif outcomes & {"active", "incident"}:
                client.status = "prospect"
            person, position = (russian.CONTACT_PEOPLE[index % len(russian.CONTACT_PEOPLE)] if ru
                                else PEOPLE[index % len(PEOPLE)])
            phone = f"+7 (9{index % 10}{(index * 3) % 10}) {100 + index * 7:03d}-{(index * 13) % 100:02d}-{(index * 29) % 100:02d}"
            email = f"{PEOPLE[index % len(PEOPLE)][0].split()[0].lower()}@{_email_domain(english[index])}"
            s.add(Contact(client_id=client.id, name=person, position=position, phone=phone,
                          phone_key=keys.phone_key(phone), email=email, email_key=keys.email_key(email),
                          created_at=client.created_at))
            if english[index] in NOTES:
                s.add(ClientEvent(client_id=client.id, at=client.created_at, type="note",
                                  actor=client.owner.login if client.owner else "head",
                                  data={"text": russian.text(NOTES[english[index]], language)}))
            added["client_details"] += 1
    return added
