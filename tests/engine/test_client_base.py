"""The client base: creating and editing clients with per-field errors, tax ids, contact persons,
notes, search with the one box and the filters, who sees and changes what, duplicates refused
unless confirmed, distribution of clients created without an owner."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cycle_helpers import open_task
from sqlalchemy import select

from engine.clients import tax_ids
from engine.clients.records import Filters
from engine.organization.views import NewClient
from engine.platform.root import Reglament
from engine.shared.errors import (
    ClientMerged,
    DuplicateClient,
    Forbidden,
    InputInvalid,
    NotFound,
)
from storage import keys
from storage.models import Client, ClientEvent, Contact
from storage.repositories import clients as clients_repo

ALFA_TAX = "7707083893"  # a real company's tax id: valid check digit
PERSON_TAX = "500100732259"  # a valid 12-digit tax id of a person


def fields_of(exc: pytest.ExceptionInfo[Any]) -> dict[str, str]:
    return exc.value.details["fields"]


def events(platform: Reglament, client_id: int, type_: str | None = None) -> list[ClientEvent]:
    with platform.query() as s:
        return list(clients_repo.client_events(s, client_id, type_))


def contacts(platform: Reglament, client_id: int) -> list[Contact]:
    with platform.query() as s:
        return list(s.scalars(select(Contact).where(Contact.client_id == client_id).order_by(Contact.id)))


def stored(platform: Reglament, client_id: int) -> Client:
    with platform.query() as s:
        client = clients_repo.client_by_id(s, client_id)
        assert client is not None
        return client


def names(page: Any) -> list[str]:
    return [c.name for c in page.clients]


def full_client(platform: Reglament, who, name: str = "Alfa Retail", **fields: Any) -> NewClient:
    values = {"kind": "company", "tax_id": ALFA_TAX, "industry": "retail", "region": "Moscow", "size": "large",
              "source": "exhibition", "status": "prospect"} | fields
    return platform.clients.create_client(who, name, "Retail", fields=values, contact={
        "name": "Maria Kuznetsova", "position": "Buyer", "phone": "+7 (916) 123-45-67", "email": "Maria@Alfa.example"})


# ---------------------------------------------------------------- tax ids

@pytest.mark.parametrize(("value", "kind", "code"), [
    ("7707083893", "company", None),
    ("500100732259", "person", None),
    ("7707083894", "company", "checksum"),
    ("500100732258", "person", "checksum"),
    ("500100732259", "company", "company_length"),
    ("7707083893", "person", "person_length"),
    ("77070838", "company", "company_length"),
    ("77O7083893", "company", "not_digits"),
])
def test_tax_ids_are_checked_by_length_for_the_kind_and_by_check_digits(value: str, kind: str,
                                                                        code: str | None) -> None:
    problem = tax_ids.problem(value, kind)
    assert (problem.code if problem else None) == code


def test_valid_tax_ids_can_be_made_from_their_leading_digits() -> None:
    assert tax_ids.with_check_digits("770708389") == "7707083893"
    assert tax_ids.with_check_digits("5001007322") == "500100732259"


# ---------------------------------------------------------------- creating and editing

def test_a_client_is_created_with_every_field_its_first_contact_and_a_created_event(platform, actors) -> None:
    created = full_client(platform, actors["anna"])
    assert {k: getattr(created.client, k) for k in ("name", "kind", "tax_id", "industry", "region", "size", "segment",
                                                    "source", "status", "owner")} == {
        "name": "Alfa Retail", "kind": "company", "tax_id": ALFA_TAX, "industry": "retail", "region": "Moscow",
        "size": "large", "segment": "Retail", "source": "exhibition", "status": "prospect", "owner": "anna"}
    assert stored(platform, created.id).name_key == "alfa retail"
    (person,) = contacts(platform, created.id)
    assert (person.name, person.phone_key, person.email_key) == ("Maria Kuznetsova", "79161234567", "maria@alfa.example")
    (event,) = events(platform, created.id, "created")
    assert event.actor == "anna" and event.data["tax_id"] == ALFA_TAX and event.data["contact"] == "Maria Kuznetsova"


def test_bad_values_are_refused_field_by_field(platform, actors) -> None:
    with pytest.raises(InputInvalid) as exc:
        platform.clients.create_client(actors["anna"], "", "Moon", fields={"tax_id": "7707083894", "size": "huge"},
                               contact={"email": "maria-at-alfa", "phone": "call me"})
    errors = fields_of(exc)
    assert set(errors) == {"name", "segment", "tax_id", "size", "contact_email", "contact_phone"}
    assert errors["name"] == "is required"
    assert "check digit" in errors["tax_id"]
    assert "e-mail" in errors["contact_email"]
    assert exc.value.details["codes"]["tax_id"]["code"] == "tax_checksum"
    assert platform.clients.clients(actors["head"]) == [], "nothing was created"


def test_the_tax_id_error_says_how_many_digits_the_kind_needs(platform, actors) -> None:
    with pytest.raises(InputInvalid) as exc:
        platform.clients.create_client(actors["anna"], "Ivanov", fields={"kind": "company", "tax_id": PERSON_TAX})
    assert fields_of(exc)["tax_id"].startswith("a company's tax id has 10 digits, not 12")
    with pytest.raises(InputInvalid) as exc:
        platform.clients.create_client(actors["anna"], "Ivanov", fields={"kind": "person", "tax_id": ALFA_TAX})
    assert fields_of(exc)["tax_id"].startswith("a person's tax id has 12 digits, not 10")
    person = platform.clients.create_client(actors["anna"], "Ivanov", fields={"kind": "person", "tax_id": "5001 0073 2259"})
    assert person.client.tax_id == PERSON_TAX, "spaces typed inside the number are dropped"


def test_an_edit_records_what_changed_old_to_new_and_keeps_the_name_key(platform, actors, clock) -> None:
    client = full_client(platform, actors["anna"])
    clock.advance(hours=1)
    platform.clients.update_client(actors["anna"], client.id, {"name": "Alfa Retail Group", "region": "Tver",
                                                          "industry": "retail", "status": "customer"})
    after = stored(platform, client.id)
    assert (after.name, after.name_key, after.region, after.status) == ("Alfa Retail Group", "alfa retail group",
                                                                         "Tver", "customer")
    (edited,) = events(platform, client.id, "edited")
    assert edited.data["changes"] == {"name": ["Alfa Retail", "Alfa Retail Group"], "region": ["Moscow", "Tver"],
                                      "status": ["prospect", "customer"]}
    assert after.updated_at == clock.now
    platform.clients.update_client(actors["anna"], client.id, {"region": "Tver"})
    assert len(events(platform, client.id, "edited")) == 1, "saving without a change records nothing"


def test_a_bad_edit_changes_nothing(platform, actors) -> None:
    client = full_client(platform, actors["anna"])
    with pytest.raises(InputInvalid) as exc:
        platform.clients.update_client(actors["anna"], client.id, {"region": "Tver", "tax_id": "1234567890",
                                                              "status": "merged"})
    assert set(fields_of(exc)) == {"tax_id", "status"}
    assert stored(platform, client.id).region == "Moscow"
    assert events(platform, client.id, "edited") == []


def test_contact_persons_are_added_changed_and_removed_with_their_keys(platform, actors) -> None:
    anna = actors["anna"]
    client = full_client(platform, anna)
    added = platform.clients.add_client_contact(anna, client.id, {"name": "Oleg", "phone": "8 (903) 000-11-22"})
    assert contacts(platform, client.id)[1].phone_key == "79030001122"
    platform.clients.update_client_contact(anna, added.id, {"phone": "+7 903 000 11 23", "email": "OLEG@alfa.example"})
    changed = contacts(platform, client.id)[1]
    assert (changed.phone_key, changed.email_key, changed.name) == ("79030001123", "oleg@alfa.example", "Oleg")
    with pytest.raises(InputInvalid) as exc:
        platform.clients.add_client_contact(anna, client.id, {"position": "Driver"})
    assert "name" in fields_of(exc)
    with pytest.raises(InputInvalid):
        platform.clients.update_client_contact(anna, added.id, {"email": "oleg@"})
    platform.clients.delete_client_contact(anna, added.id)
    assert [c.name for c in contacts(platform, client.id)] == ["Maria Kuznetsova"]
    actions = [e.data.get("action") for e in events(platform, client.id, "edited")]
    assert actions == ["added", "changed", "removed"]
    with pytest.raises(NotFound):
        platform.clients.delete_client_contact(anna, added.id)


def test_notes_are_client_events_and_must_say_something(platform, actors) -> None:
    client = full_client(platform, actors["anna"])
    note = platform.clients.add_client_note(actors["anna"], client.id, "  Budget in January  ")
    assert note.text == "Budget in January"
    assert [e.data["text"] for e in events(platform, client.id, "note")] == ["Budget in January"]
    with pytest.raises(InputInvalid):
        platform.clients.add_client_note(actors["anna"], client.id, "   ")


# ---------------------------------------------------------------- who sees and changes what

def test_a_manager_sees_his_clients_and_the_unowned_queue_not_other_managers(platform, actors) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    mine = platform.clients.create_client(anna, "Anna Corp")
    theirs = platform.clients.create_client(boris, "Boris Corp")
    queue = platform.clients.create_client(head, "Queue Corp")
    assert queue.client.owner is None, "no team takes it: it waits in the queue"
    assert names(platform.clients.client_list(anna)) == ["Anna Corp", "Queue Corp"]
    assert names(platform.clients.client_list(head)) == ["Anna Corp", "Boris Corp", "Queue Corp"]
    with pytest.raises(Forbidden):
        platform.clients.client_card(anna, theirs.id)
    with pytest.raises(Forbidden):
        platform.clients.update_client(anna, theirs.id, {"region": "Tver"})
    with pytest.raises(Forbidden):
        platform.clients.add_client_note(anna, theirs.id, "Mine now")
    assert platform.clients.client_card(anna, mine.id).may_change is True


def test_a_manager_takes_an_unowned_client_but_may_not_give_one_away(platform, actors) -> None:
    anna, head = actors["anna"], actors["head"]
    queue = platform.clients.create_client(head, "Queue Corp")
    with pytest.raises(Forbidden):
        platform.clients.update_client(anna, queue.id, {"owner": "boris"})
    platform.clients.update_client(anna, queue.id, {"owner": "anna"})
    assert stored(platform, queue.id).owner.login == "anna"
    (event,) = events(platform, queue.id, "owner")
    assert (event.data["from"], event.data["to"], event.data["how"], event.actor) == (None, "anna", "taken", "anna")
    with pytest.raises(Forbidden):
        platform.clients.update_client(anna, queue.id, {"owner": ""})


def test_a_manager_who_starts_a_sale_with_an_unowned_client_takes_it_on_its_timeline(platform, actors) -> None:
    queue = platform.clients.create_client(actors["head"], "Queue Start Corp")
    platform.regulation.start_cycle(actors["anna"], queue.id, "new_client_sale")
    assert stored(platform, queue.id).owner.login == "anna"
    (event,) = events(platform, queue.id, "owner")
    assert (event.data["from"], event.data["to"], event.data["how"], event.actor) == (None, "anna", "taken", "anna")


def test_the_head_changing_the_owner_hands_the_client_over_with_its_tasks(platform, actors) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    client = platform.clients.create_client(anna, "Moving Corp")
    cycle = platform.regulation.start_cycle(anna, client.id, "new_client_sale")
    platform.clients.update_client(head, client.id, {"owner": "boris"})
    assert stored(platform, client.id).owner.login == "boris"
    assert open_task(platform, boris, cycle.id, "Task_QualificationCall").assignee == "boris"
    (event,) = events(platform, client.id, "owner")
    assert (event.data["from"], event.data["to"]) == ("anna", "boris")


def test_the_analyst_reads_every_client_and_changes_nothing(platform, actors) -> None:
    alex = actors["alex"]
    client = full_client(platform, actors["anna"])
    card = platform.clients.client_card(alex, client.id)
    assert card.data.name == "Alfa Retail" and card.may_change is False
    assert names(platform.clients.client_list(alex)) == ["Alfa Retail"]
    person = contacts(platform, client.id)[0]
    for change in (lambda: platform.clients.create_client(alex, "Analyst Corp"),
                   lambda: platform.clients.update_client(alex, client.id, {"region": "Tver"}),
                   lambda: platform.clients.add_client_contact(alex, client.id, {"name": "Spy"}),
                   lambda: platform.clients.update_client_contact(alex, person.id, {"name": "Spy"}),
                   lambda: platform.clients.delete_client_contact(alex, person.id),
                   lambda: platform.clients.add_client_note(alex, client.id, "Seen")):
        with pytest.raises(Forbidden):
            change()
    assert stored(platform, client.id).region == "Moscow" and len(contacts(platform, client.id)) == 1


# ---------------------------------------------------------------- search and filters

@pytest.fixture
def base(platform: Reglament, actors) -> dict[str, dict[str, Any]]:
    head = actors["head"]
    alfa = full_client(platform, actors["anna"])
    beta = platform.clients.create_client(head, "Beta Foods LLC", "Manufacturing", "boris", fields={"status": "customer"},
                                  contact={"name": "Pyotr Smirnov", "phone": "89031112233", "email": "pyotr@beta.example"})
    gamma = platform.clients.create_client(head, "ООО «Гамма»", "Public sector", "anna", fields={"status": "lead"},
                                   contact={"name": "Irina", "email": "IRINA@GAMMA.example"})
    return {"alfa": alfa, "beta": beta, "gamma": gamma}


@pytest.mark.parametrize(("text", "found"), [
    ("retail", ["Alfa Retail"]),  # a part of the name, any case
    ("ALFA", ["Alfa Retail"]),
    ("гамма", ["ООО «Гамма»"]),  # quotes and the legal form do not matter
    ("+7 (916) 123-45-67", ["Alfa Retail"]),  # the phone as written on the card
    ("89161234567", ["Alfa Retail"]),  # the same phone with the national 8
    ("123-45", ["Alfa Retail"]),  # a part of a phone
    ("pyotr@BETA.example", ["Beta Foods LLC"]),  # e-mail in another case
    ("irina@gamma", ["ООО «Гамма»"]),
    ("smirnov", ["Beta Foods LLC"]),  # a contact person's name
    ("kuznetsova", ["Alfa Retail"]),
    (ALFA_TAX, ["Alfa Retail"]),  # digits: also the tax id
    ("zzz", []),
])
def test_one_box_finds_clients_by_name_contact_phone_or_e_mail(platform, actors, base, text: str,
                                                               found: list[str]) -> None:
    assert names(platform.clients.client_list(actors["head"], Filters(text=text))) == found


def test_filters_narrow_the_list_and_a_manager_never_sees_anothers_clients(platform, actors, base) -> None:
    head, anna = actors["head"], actors["anna"]
    assert names(platform.clients.client_list(head, Filters(segment="retail"))) == ["Alfa Retail"]
    assert names(platform.clients.client_list(head, Filters(owner="anna"))) == ["Alfa Retail", "ООО «Гамма»"]
    assert names(platform.clients.client_list(head, Filters(status="customer"))) == ["Beta Foods LLC"]
    assert names(platform.clients.client_list(head, Filters(owner="anna", status="lead"))) == ["ООО «Гамма»"]
    assert names(platform.clients.client_list(anna, Filters(text="beta"))) == [], "boris's client stays hidden"
    assert names(platform.clients.client_list(anna, Filters(owner="boris"))) == []
    with pytest.raises(InputInvalid) as exc:
        platform.clients.client_list(head, Filters(segment="Moon", status="merged"))
    assert set(fields_of(exc)) == {"segment", "status"}


def test_the_list_is_paged_by_fifty_sorted_by_name(platform, actors) -> None:
    anna = actors["anna"]
    for i in range(51, 0, -1):
        platform.clients.create_client(anna, f"Client {i:03d}")
    first = platform.clients.client_list(anna)
    assert len(first.clients) == 50 and first.has_next
    assert names(first)[:2] == ["Client 001", "Client 002"]
    second = platform.clients.client_list(anna, Filters(page=2))
    assert names(second) == ["Client 051"] and not second.has_next


# ---------------------------------------------------------------- duplicates

@pytest.mark.parametrize(("name", "fields", "contact", "reason", "hidden_reason"), [
    ("Totally Other", {"tax_id": ALFA_TAX}, None, f"the same tax id {ALFA_TAX}", f"the same tax id {ALFA_TAX}"),
    ("Totally Other", {}, {"phone": "8 916 123 45 67"}, "the same phone +7 (916) 123-45-67",
     "the same phone 8 916 123 45 67"),
    ("Totally Other", {}, {"email": "MARIA@alfa.example"}, "the same e-mail Maria@Alfa.example",
     "the same e-mail MARIA@alfa.example"),
    ("ALFA-RETAIL LLC", {}, None, "a similar name", "a similar name"),
])
def test_a_possible_duplicate_is_refused_with_the_reason_until_confirmed(platform, actors, name: str,
                                                                         fields: dict[str, Any],
                                                                         contact: dict[str, Any] | None,
                                                                         reason: str, hidden_reason: str) -> None:
    alfa = full_client(platform, actors["anna"])
    with pytest.raises(DuplicateClient) as exc:
        platform.clients.create_client(actors["head"], name, fields=fields, contact=contact, check_duplicates=True)
    (found,) = exc.value.details["duplicates"]
    assert (found["id"], found["name"], found["owner"]) == (alfa.id, "Alfa Retail", "anna")
    assert reason in [r["text"] for r in found["reasons"]]
    assert f"{reason} as #{alfa.id} Alfa Retail" in exc.value.message
    # boris may learn that the client exists, not whose it is or what it is called
    with pytest.raises(DuplicateClient) as exc:
        platform.clients.create_client(actors["boris"], name, fields=fields, contact=contact, check_duplicates=True)
    (found,) = exc.value.details["duplicates"]
    assert found == {"id": None, "name": "a client of another manager", "status": None, "owner": None,
                     "hidden": True, "reasons": found["reasons"]}
    assert [r["text"] for r in found["reasons"]] == [hidden_reason]
    assert "Alfa" not in exc.value.message.replace("alfa.example", "") and "anna" not in exc.value.message
    assert f"{hidden_reason} as a client of another manager" in exc.value.message
    assert len(platform.clients.client_list(actors["head"]).clients) == 1, "nothing created yet"
    anyway = platform.clients.create_client(actors["boris"], name, fields=fields, contact=contact, check_duplicates=False)
    assert anyway.client.owner == "boris"
    assert len(platform.clients.client_list(actors["head"]).clients) == 2


def test_an_exact_duplicate_is_found_however_many_clients_share_the_first_letters(platform, actors) -> None:
    """The soak of issue 14: past 50 clients starting alike, exact duplicates were accepted."""
    names = [f"Alfa Group {hashlib.sha1(str(i).encode()).hexdigest()[:10]}" for i in range(121)]
    with platform.command() as s:  # alike in their first letters, not similar names
        s.add_all([Client(name=name, name_key=keys.name_key(name)) for name in names[:120]])
    for i in (0, 57, 119):
        with pytest.raises(DuplicateClient) as exc:
            platform.clients.create_client(actors["head"], f"«{names[i].upper()}» LLC", check_duplicates=True)
        assert [d["name"] for d in exc.value.details["duplicates"]] == [names[i]]
    created = platform.clients.create_client(actors["head"], names[120], check_duplicates=True)
    assert created.client.name == names[120]
    with platform.command() as s:  # tax ids, phones and e-mails shared by many never hide the one asked
        many = [Client(name=f"Beta {i}", name_key=f"beta {i}", tax_id=f"77{i:08d}") for i in range(60)]
        s.add_all(many)
        s.flush()
        s.add_all([Contact(client_id=c.id, name="x", phone="+7 900 000 00 00", phone_key="79000000000",
                           email=f"x{i}@beta.example", email_key=f"x{i}@beta.example") for i, c in enumerate(many)])
    with pytest.raises(DuplicateClient) as exc:
        platform.clients.create_client(actors["head"], "Gamma", contact={"email": "X59@beta.example"},
                                       check_duplicates=True)
    assert [d["name"] for d in exc.value.details["duplicates"]] == ["Beta 59"]


def test_a_managers_own_client_card_names_only_the_duplicates_he_may_see(platform, actors) -> None:
    full_client(platform, actors["anna"])
    mine = platform.clients.create_client(actors["boris"], "Alfa Retail", fields={"tax_id": ALFA_TAX})
    card = platform.clients.client_card(actors["boris"], mine.id)
    assert [(d.name, d.id, [r.text for r in d.reasons]) for d in card.duplicates] == [
        ("a client of another manager", None, [f"the same tax id {ALFA_TAX}", "a similar name"])]
    card = platform.clients.client_card(actors["head"], mine.id)
    assert [d.name for d in card.duplicates] == ["Alfa Retail"]


def test_a_client_unlike_any_other_is_created_at_once(platform, actors) -> None:
    full_client(platform, actors["anna"])
    created = platform.clients.create_client(actors["boris"], "Zeta Motors", fields={"tax_id": "7736050003"},
                                     check_duplicates=True)
    assert created.client.name == "Zeta Motors"


# ---------------------------------------------------------------- distribution of unowned new clients

@pytest.fixture
def retail_team(platform: Reglament, actors) -> None:
    head = actors["head"]
    team = platform.organization.save_team(head, None, "Retail team", "round_robin", [{"login": "boris"}])
    ids = {x.name: x.id for x in platform.organization.segment_list(head)}
    platform.organization.save_segment(head, ids["Retail"], "Retail", [], team.id)


def test_a_client_the_head_creates_without_an_owner_is_distributed_with_the_reason(platform, actors,
                                                                                   retail_team) -> None:
    created = platform.clients.create_client(actors["head"], "Omega Supermarkets", "Retail")
    assert created.client.owner == "boris"
    assert created.distribution.owner == "boris" and "Retail team" in created.distribution.reason
    (decision,) = events(platform, created.id, "distributed")
    assert decision.data["chosen"] == "boris"
    mine = platform.clients.create_client(actors["anna"], "Anna's Own Store", "Retail")
    assert mine.client.owner == "anna" and mine.distribution is None, "a manager's new client stays his"
    assert events(platform, mine.id, "distributed") == []


def test_a_client_nobody_can_take_waits_unowned_with_the_decision_recorded(platform, actors, retail_team) -> None:
    created = platform.clients.create_client(actors["head"], "Mu Regional Administration", "Public sector")
    assert created.client.owner is None and created.distribution.owner is None
    (decision,) = events(platform, created.id, "distributed")
    assert "left for manual distribution" in decision.data["text"]


def test_a_merged_client_is_gone_from_get(platform, actors) -> None:
    a = platform.clients.create_client(actors["anna"], "First")
    b = platform.clients.create_client(actors["anna"], "Second")
    platform.clients.merge_clients(actors["anna"], a.id, b.id)
    with pytest.raises(ClientMerged) as exc:
        platform.clients.client_card(actors["anna"], b.id)
    assert exc.value.details["merged_into_id"] == a.id


def test_search_text_is_matched_literally_not_as_a_pattern(platform, actors) -> None:
    anna = actors["anna"]
    platform.clients.create_client(anna, "A_B Trading")
    platform.clients.create_client(anna, "AXB Trading")
    assert names(platform.clients.client_list(anna, Filters(text="a_b"))) == ["A_B Trading"]
    assert names(platform.clients.client_list(anna, Filters(text="%"))) == []
