"""engine/schemes.py: motivation scheme versions, drafts, activation, the scheme in force,
who may edit and read, and the demo scheme."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from engine.demo.schemes import NAME as DEMO_NAME
from engine.demo.schemes import load_demo_scheme
from engine.motivation import schemes
from engine.platform.root import Reglament
from engine.regulation.decisions import dmn
from engine.shared.errors import DmnError, Forbidden, InputInvalid, NotFound
from storage.models import Team, TeamMember
from storage.repositories import motivation as motivation_repo

COMMISSION = (Path(__file__).resolve().parents[2] / "bpmn" / "motivation" / "commission_rate.dmn").read_text("utf-8")
TERMS: dict[str, Any] = {"effective_from": "2026-01-01", "role": "manager", "piece_rates": {"call": "150"},
                         "tables": {"commission_rate": COMMISSION}}


def rate_of(platform: Reglament, actor: Any, name: str, attainment: str, version: int | None = None) -> Decimal:
    return platform.motivation.evaluate_scheme_table(actor, name, "commission_rate", {"attainment": Decimal(attainment)},
                                          version).value


def with_rate(xml: str, old: str, new: str) -> str:
    assert f"<text>{old}</text>" in xml
    return xml.replace(f"<text>{old}</text>", f"<text>{new}</text>", 1)


@pytest.fixture
def team(platform: Reglament, actors: dict[str, Any]) -> int:
    """The team "North" with anna in it."""
    with platform.command() as s:
        north = Team(name="North")
        s.add(north)
        s.flush()
        s.add(TeamMember(team_id=north.id, user_id=actors["anna"].id))
        return north.id


# ----------------------------------------------------------------------------- versions

def test_a_new_scheme_is_a_draft_version_1(platform: Reglament, actors: dict[str, Any]) -> None:
    head = actors["head"]
    created = platform.motivation.create_scheme(head, "sales", TERMS)
    assert (created.version, created.status, created.editable) == (1, "draft", True)
    assert (created.basis, created.currency, created.rounding) == ("won_amount", "RUB", "ROUND_HALF_UP")
    assert created.piece_rates == {"call": "150.00"}
    assert created.effective_from == date(2026, 1, 1)
    assert created.created_by == "head"
    assert rate_of(platform, head, "sales", "1.1") == Decimal("0.07")


def test_a_new_scheme_without_tables_starts_with_a_blank_commission_table(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.motivation.create_scheme(head, "blank", {"effective_from": date(2026, 1, 1)})
    loaded = platform.motivation.scheme(head, "blank").loaded
    assert list(loaded) == ["commission_rate"]
    assert loaded["commission_rate"].variables == ("attainment",)
    assert rate_of(platform, head, "blank", "5") == Decimal("0")
    assert dmn.load_table(schemes.blank_table("quality_multiplier"), "quality_multiplier").variables == (
        "conversion", "on_time_share")


def test_a_draft_is_saved_in_place_and_activation_makes_it_immutable(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.motivation.create_scheme(head, "sales", TERMS)
    saved = platform.motivation.save_scheme_table(head, "sales", "commission_rate", with_rate(COMMISSION, "0.07", "0.075"))
    assert (saved.version, saved.status) == (1, "draft")
    assert platform.motivation.activate_scheme(head, "sales", 1).status == "active"

    edited = platform.motivation.save_scheme(head, "sales", {"piece_rates": {"call": "175.5"}})
    assert (edited.version, edited.status) == (2, "draft")
    assert edited.piece_rates == {"call": "175.50"}
    assert edited.tables == ("commission_rate",)  # copied from version 1
    assert rate_of(platform, head, "sales", "1", version=2) == Decimal("0.075")
    platform.motivation.save_scheme_table(head, "sales", "commission_rate", with_rate(COMMISSION, "0.07", "0.08"))
    assert [v.version for v in platform.motivation.scheme_versions(head, "sales")] == [1, 2]  # still one draft
    assert rate_of(platform, head, "sales", "1", version=1) == Decimal("0.075")  # the active one is untouched
    assert platform.motivation.scheme(head, "sales", 1).piece_rates == {"call": "150.00"}

    platform.motivation.activate_scheme(head, "sales", 2)
    assert [(v.version, v.status) for v in platform.motivation.scheme_versions(head, "sales")] == [
        (1, "retired"), (2, "active")]
    assert rate_of(platform, head, "sales", "1") == Decimal("0.08")
    with pytest.raises(InputInvalid, match="Version 1 of sales is retired; only a draft can be activated"):
        platform.motivation.activate_scheme(head, "sales", 1)


def test_an_invalid_table_is_refused_and_nothing_is_saved(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.motivation.create_scheme(head, "sales", TERMS)
    platform.motivation.activate_scheme(head, "sales", 1)
    broken = COMMISSION.replace("<text>[1..1.2)</text>", "<text>[1..1,2)</text>")
    with pytest.raises(DmnError) as caught:
        platform.motivation.save_scheme_table(head, "sales", "commission_rate", broken)
    assert caught.value.message.startswith("table commission_rate: rule 4, input attainment: unsupported FEEL '[1..1,2)'")
    assert [v.version for v in platform.motivation.scheme_versions(head, "sales")] == [1]  # no draft was made
    with pytest.raises(DmnError, match="table bonus: the file is not well-formed XML"):
        platform.motivation.create_scheme(head, "other", {**TERMS, "tables": {"bonus": "<definitions"}})
    assert [s.name for s in platform.motivation.schemes(head)] == ["sales"]


def test_an_overlapping_unique_table_is_refused_at_save_naming_both_rules_and_where(platform: Reglament,
                                                                                      actors) -> None:
    head = actors["head"]
    platform.motivation.create_scheme(head, "sales", TERMS)
    platform.motivation.activate_scheme(head, "sales", 1)
    overlapping = COMMISSION.replace("<text>[0.8..1)</text>", "<text>[0.75..1)</text>")  # rule 3 reaches into rule 2
    with pytest.raises(DmnError) as caught:
        platform.motivation.save_scheme_table(head, "sales", "commission_rate", overlapping)
    message = caught.value.message
    assert message.startswith("table commission_rate: rules 2 and 3 both match attainment in [0.75..0.8)")
    assert "for example attainment=0.75" in message and "hit policy UNIQUE" in message
    assert caught.value.details["rules"] == [2, 3]
    assert caught.value.details["overlaps"][0]["region"] == {"attainment": "[0.75..0.8)"}
    assert [v.version for v in platform.motivation.scheme_versions(head, "sales")] == [1]  # nothing saved
    with pytest.raises(DmnError, match="rules 2 and 3 both match"):
        platform.motivation.create_scheme(head, "other", {**TERMS, "tables": {"commission_rate": overlapping}})


def test_piece_rates_are_amounts_as_people_type_them_rounded_to_kopecks(platform: Reglament, actors) -> None:
    head = actors["head"]
    created = platform.motivation.create_scheme(head, "sales", {**TERMS, "piece_rates": {
        "call": "1 500,50", "meeting": "250000.50", "demo": "0.125", "email": Decimal("12.5")}})
    assert created.piece_rates == {"call": "1500.50", "demo": "0.13", "email": "12.50", "meeting": "250000.50"}


@pytest.mark.parametrize(("old", "new", "where"), [
    ("<text>[0.8..1)</text>", "<text>[0.85..1)</text>", "attainment in [0.8..0.85) (for example attainment=0.8)"),
    ("&lt; 0.5", "[0.1..0.5)", "attainment < 0.1 (for example attainment=0)"),
])
def test_a_unique_table_with_a_gap_is_refused_at_save_naming_where(platform: Reglament, actors, old: str, new: str,
                                                                    where: str) -> None:
    """A payout would end on "no rule matches" for someone in the gap: refused when it is saved."""
    head = actors["head"]
    platform.motivation.create_scheme(head, "sales", TERMS)
    with pytest.raises(DmnError) as caught:
        platform.motivation.save_scheme_table(head, "sales", "commission_rate", COMMISSION.replace(old, new))
    assert caught.value.message.startswith(f"table commission_rate: no rule matches {where}")
    assert caught.value.details["gap"]["example"] == {"attainment": where.rsplit("=", 1)[1].rstrip(")")}
    below_zero = COMMISSION.replace("&lt; 0.5", "[0..0.5)")  # attainment is never negative: no gap
    assert platform.motivation.save_scheme_table(head, "sales", "commission_rate", below_zero).version == 1


@pytest.mark.parametrize(("changes", "field", "says", "code"), [
    ({"basis": "profit"}, "basis", "'profit' is not one of won_amount, paid_amount", "choice"),
    ({"currency": "roubles"}, "currency", "three-letter currency code", "currency"),
    ({"rounding": "ROUND_NICELY"}, "rounding", "is not one of ROUND_HALF_UP", "choice"),
    ({"effective_from": "1 Jan"}, "effective_from", "a day like 2026-01-01", "date"),
    ({"piece_rates": {"call": "1.2.3"}}, "piece_rates", "it must be an amount, like 250000.50 or 250 000,50",
     "piece_rate"),
    ({"piece_rates": {"call": "-1"}}, "piece_rates", "it must be an amount of zero or more", "piece_rate"),
    ({"piece_rates": {"call": "1,500"}}, "piece_rates", "is ambiguous", "piece_rate"),
    ({"piece_rates": {"call": "2000000000"}}, "piece_rates", "an amount from 0", "piece_rate"),
    ({"piece_rates": {"Call!": "1"}}, "piece_rates", "not a work type name", "work_type_name"),
    ({"role": "boss"}, "role", "'boss' is not a role", "choice"),
    ({"team": "Nowhere"}, "team", "there is no team 'Nowhere'", "unknown_team"),
    ({"settings": "{not json"}, "settings", "not valid JSON", "settings_json"),
    ({"settings": [1, 2]}, "settings", "must be a JSON object", "settings_object"),
])
def test_invalid_terms_are_refused_naming_the_field(platform: Reglament, actors, changes: dict[str, Any],
                                                    field: str, says: str, code: str) -> None:
    """Each wrong term is named with its problem code (which the pages and the API render in the
    user's language) and the engine's English."""
    platform.motivation.create_scheme(actors["head"], "sales", TERMS)
    with pytest.raises(InputInvalid) as caught:
        platform.motivation.save_scheme(actors["head"], "sales", changes)
    assert field in caught.value.details["fields"], caught.value.details
    assert caught.value.details["codes"][field]["code"] == code
    assert says in caught.value.message


def test_a_scheme_is_for_a_role_or_a_team_not_both(platform: Reglament, actors, team: int) -> None:
    head = actors["head"]
    with pytest.raises(InputInvalid, match="choose a role or a team, not both"):
        platform.motivation.create_scheme(head, "north", {**TERMS, "team": "North"})
    created = platform.motivation.create_scheme(head, "north", {**TERMS, "role": None, "team": "north"})
    assert (created.team, created.team_id, created.role) == ("North", team, None)
    switched = platform.motivation.save_scheme(head, "north", {"role": "manager"})
    assert (switched.team, switched.role) == (None, "manager")


@pytest.mark.parametrize(("name", "says"), [("", "name must be 1-100"), ("sales/2", "name must be 1-100"),
                                             ("sales", "exists")])
def test_scheme_names_are_checked(platform: Reglament, actors, name: str, says: str) -> None:
    platform.motivation.create_scheme(actors["head"], "sales", TERMS)
    with pytest.raises(InputInvalid, match=says):
        platform.motivation.create_scheme(actors["head"], name, TERMS)


def test_activation_needs_a_commission_table(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.motivation.create_scheme(head, "sales", TERMS)
    platform.motivation.remove_scheme_table(head, "sales", "commission_rate")
    with pytest.raises(InputInvalid, match="needs a commission_rate table before it can be activated"):
        platform.motivation.activate_scheme(head, "sales", 1)


def test_table_names_are_checked(platform: Reglament, actors) -> None:
    platform.motivation.create_scheme(actors["head"], "sales", TERMS)
    with pytest.raises(InputInvalid, match="The table name '1st' must be letters"):
        platform.motivation.save_scheme_table(actors["head"], "sales", "1st", COMMISSION)


# ----------------------------------------------------------------------------- who may

def test_only_heads_edit_schemes(platform: Reglament, actors) -> None:
    platform.motivation.create_scheme(actors["head"], "sales", TERMS)
    for who in ("anna", "alex"):
        with pytest.raises(Forbidden, match="may not edit motivation schemes"):
            platform.motivation.save_scheme(actors[who], "sales", {"currency": "USD"})
        with pytest.raises(Forbidden):
            platform.motivation.save_scheme_table(actors[who], "sales", "commission_rate", COMMISSION)
        with pytest.raises(Forbidden):
            platform.motivation.create_scheme(actors[who], "mine", TERMS)
        with pytest.raises(Forbidden):
            platform.motivation.activate_scheme(actors[who], "sales", 1)
    assert platform.motivation.scheme(actors["admin"], "sales").currency == "RUB"


def test_managers_read_the_activated_schemes_that_apply_to_them(platform: Reglament, actors, team: int) -> None:
    head, anna, boris = actors["head"], actors["anna"], actors["boris"]
    platform.motivation.create_scheme(head, "sales", TERMS)
    platform.motivation.create_scheme(head, "heads", {**TERMS, "role": "head"})
    platform.motivation.create_scheme(head, "north", {**TERMS, "role": None, "team": "North"})
    for name in ("sales", "heads", "north"):
        platform.motivation.activate_scheme(head, name, 1)
    platform.motivation.save_scheme(head, "sales", {"currency": "USD"})  # a draft v2 nobody but heads sees

    assert [s.name for s in platform.motivation.schemes(anna)] == ["north", "sales"]
    assert [(s.name, s.version) for s in platform.motivation.schemes(boris)] == [("sales", 1)]
    assert [v.version for v in platform.motivation.scheme_versions(anna, "sales")] == [1]
    assert platform.motivation.scheme(anna, "sales").version == 1
    assert platform.motivation.scheme(head, "sales").version == 2  # heads open the draft by default
    assert [s.name for s in platform.motivation.schemes(actors["alex"])] == ["heads", "north", "sales"]
    with pytest.raises(NotFound):
        platform.motivation.scheme(anna, "sales", 2)
    with pytest.raises(NotFound):
        platform.motivation.scheme(boris, "north")
    with pytest.raises(NotFound):
        platform.motivation.scheme_table_xml(anna, "heads", "commission_rate")
    assert rate_of(platform, anna, "sales", "1.3") == Decimal("0.09")


# ----------------------------------------------------------------------------- in force

def in_force(platform: Reglament, on: date, **who: Any) -> tuple[str, int] | None:
    with platform.query() as s:
        found = schemes.in_force(s, on, **who)
        return (found.name, found.version) if found else None


def test_the_scheme_in_force_is_the_newest_activated_version_effective_that_day(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.motivation.create_scheme(head, "sales", TERMS)
    assert in_force(platform, date(2026, 6, 1), login="anna") is None  # a draft is never in force
    platform.motivation.activate_scheme(head, "sales", 1)
    assert in_force(platform, date(2025, 12, 31), login="anna") is None
    assert in_force(platform, date(2026, 1, 1), login="anna") == ("sales", 1)
    assert in_force(platform, date(2026, 1, 1), login="head") is None  # the scheme is for managers
    assert in_force(platform, date(2026, 1, 1), role="manager") == ("sales", 1)

    platform.motivation.save_scheme(head, "sales", {"effective_from": "2026-07-01"})
    platform.motivation.activate_scheme(head, "sales", 2)
    assert in_force(platform, date(2026, 6, 30), login="anna") == ("sales", 1)  # retired, but in force then
    assert in_force(platform, date(2026, 7, 1), login="anna") == ("sales", 2)

    platform.motivation.save_scheme(head, "sales", {"effective_from": "2026-03-01"})  # a correction from March on
    platform.motivation.activate_scheme(head, "sales", 3)
    assert in_force(platform, date(2026, 2, 28), login="anna") == ("sales", 1)
    assert in_force(platform, date(2026, 3, 1), login="anna") == ("sales", 3)
    assert in_force(platform, date(2026, 12, 1), login="anna") == ("sales", 3)


def test_a_team_scheme_comes_before_a_role_scheme_before_one_for_everyone(platform: Reglament, actors,
                                                                           team: int) -> None:
    head = actors["head"]
    platform.motivation.create_scheme(head, "everyone", {**TERMS, "role": None})
    platform.motivation.create_scheme(head, "managers", {**TERMS, "effective_from": "2026-02-01"})
    platform.motivation.create_scheme(head, "north", {**TERMS, "role": None, "team": "North", "effective_from": "2026-03-01"})
    for name in ("everyone", "managers", "north"):
        platform.motivation.activate_scheme(head, name, 1)
    day = date(2026, 4, 1)
    assert in_force(platform, day, login="anna") == ("north", 1)
    assert in_force(platform, date(2026, 2, 15), login="anna") == ("managers", 1)
    assert in_force(platform, day, login="boris") == ("managers", 1)
    assert in_force(platform, day, login="alex") == ("everyone", 1)
    assert in_force(platform, day, team="North") == ("north", 1)
    assert in_force(platform, day, team=team) == ("north", 1)
    with pytest.raises(NotFound):
        in_force(platform, day, login="nobody")
    assert platform.motivation.scheme_in_force(actors["anna"], "anna", day).name == "north"
    with pytest.raises(Forbidden):
        platform.motivation.scheme_in_force(actors["anna"], "boris", day)


def test_a_team_with_a_scheme_cannot_be_deleted_so_its_scheme_never_becomes_everyones(
        platform: Reglament, actors, team: int) -> None:
    head = actors["head"]
    platform.motivation.create_scheme(head, "north", {**TERMS, "role": None, "team": "North"})
    platform.motivation.activate_scheme(head, "north", 1)
    with pytest.raises(InputInvalid, match="north"):
        platform.organization.delete_team(head, team)
    assert in_force(platform, date(2026, 4, 1), login="boris") is None  # still North's scheme only
    assert platform.motivation.scheme(head, "north").team == "North"


# ----------------------------------------------------------------------------- the demo scheme

def test_the_demo_scheme_is_loaded_once_and_active(platform: Reglament, actors) -> None:
    head = actors["head"]
    assert load_demo_scheme(platform, head) == 1
    assert load_demo_scheme(platform, head) == 0
    [scheme] = platform.motivation.scheme_versions(head, DEMO_NAME)
    assert (scheme.status, scheme.role, scheme.basis) == ("active", "manager", "won_amount")
    assert scheme.tables == ("commission_rate", "intensity_multiplier", "quality_multiplier")
    assert in_force(platform, date(2026, 11, 30), login="anna") == (DEMO_NAME, 1)
    assert rate_of(platform, actors["anna"], DEMO_NAME, "1.25") == Decimal("0.09")
    result = platform.motivation.evaluate_scheme_table(actors["anna"], DEMO_NAME, "quality_multiplier",
                                            {"conversion": Decimal("0.35"), "on_time_share": Decimal("0.95")})
    assert result.value == Decimal("1.2")
    with platform.query() as s:
        assert len(motivation_repo.scheme_versions(s, DEMO_NAME)) == 1
