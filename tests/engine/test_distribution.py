"""Distribution of new clients: segment rules, teams and their strategies, absences, caps,
and the reason recorded with every decision."""
from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import Clock
from sqlalchemy import select

from engine.organization import distribution, segments
from engine.organization.views import TeamView
from engine.platform.root import Reglament
from engine.shared.errors import Forbidden, InputInvalid
from storage import keys
from storage.models import Client, ClientEvent, Notification
from storage.repositories import accounts as accounts_repo
from storage.repositories import clients as clients_repo

RETAIL = [{"field": "industry", "op": "in", "value": ["retail", "food"]}]


@pytest.fixture
def org(platform: Reglament, actors) -> dict[str, Any]:
    """The demo segments (every test starts with them, no rules, no team) by name."""
    return {x.name: x.id for x in platform.organization.segment_list(actors["head"])}


def team(platform: Reglament, actors, strategy: str, members: list[dict[str, Any]],
         segment: str = "Retail", rules: list[dict[str, Any]] | None = None, name: str = "Retail team",
         segment_ids: dict[str, int] | None = None) -> TeamView:
    """A team of ``members`` serving ``segment`` (whose rules become ``rules``, retail by default)."""
    head = actors["head"]
    created = platform.organization.save_team(head, None, name, strategy, members)
    ids = segment_ids or {x.name: x.id for x in platform.organization.segment_list(head)}
    platform.organization.save_segment(head, ids[segment], segment, RETAIL if rules is None else rules, created.id)
    return created


def leads(platform: Reglament, clock: Clock, count: int = 1, **fields: Any) -> list[distribution.Decision]:
    """``count`` new unowned clients with these fields, distributed as client creation does."""
    fields = {"industry": "retail", **fields}
    with platform.command() as s:
        start = s.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0
        clients = [Client(name=f"Lead {start + i + 1}", name_key=keys.name_key(f"Lead {start + i + 1}"),
                          created_at=clock.now, **fields) for i in range(count)]
        s.add_all(clients)
        s.flush()
        return distribution.distribute_new(s, clock.now, "head", clients)


def owners(decisions: list[distribution.Decision]) -> list[str | None]:
    return [d.owner for d in decisions]


def absent(platform: Reglament, actors, login: str, first: str, last: str, kind: str = "vacation") -> None:
    platform.organization.add_absence(actors["head"], login, kind, first, last)


def own(platform: Reglament, login: str, count: int, status: str = "lead") -> None:
    """Give ``login`` ``count`` existing clients of that status."""
    with platform.command() as s:
        user = accounts_repo.user_by_login(s, login)
        for i in range(count):
            s.add(Client(name=f"{login} own {status} {i}", name_key=f"{login} own {status} {i}",
                         owner_id=user.id, status=status))


# ---------------------------------------------------------------- round robin

def test_round_robin_gives_clients_in_member_order(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "anna"}, {"login": "boris"}, {"login": "pavel"}])
    assert owners(leads(platform, clock, 4)) == ["anna", "boris", "pavel", "anna"]
    assert owners(leads(platform, clock, 2)) == ["boris", "pavel"], "the turn carries over between runs"


def test_round_robin_skips_an_absent_member_and_says_so(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "anna"}, {"login": "boris"}, {"login": "pavel"}])
    absent(platform, actors, "boris", "2026-11-25", "2026-12-03")
    decisions = leads(platform, clock, 3)
    assert owners(decisions) == ["anna", "pavel", "anna"]
    assert "skipped" not in decisions[0].reason, "anna's turn skipped nobody"
    assert decisions[1].reason == ("segment Retail (by its rules), team Retail team, round robin: pavel; "
                                   "skipped boris (vacation until 3 Dec)")
    assert decisions[1].data["skipped"] == [{"login": "boris", "why": "absent", "kind": "vacation",
                                             "until": "2026-12-03"}]


def test_a_returning_member_takes_his_normal_turn_not_a_burst(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "anna"}, {"login": "boris"}, {"login": "pavel"}])
    absent(platform, actors, "boris", "2026-11-26", "2026-12-03")
    assert owners(leads(platform, clock, 4)) == ["anna", "pavel", "anna", "pavel"]
    clock.now = clock.now.replace(day=4, month=12)  # boris is back
    assert owners(leads(platform, clock, 6)) == ["anna", "boris", "pavel", "anna", "boris", "pavel"]


def test_absence_is_judged_by_the_day_where_the_member_lives(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "boris"}, {"login": "anna"}])
    absent(platform, actors, "boris", "2026-11-27", "2026-11-30")
    with platform.command() as s:  # boris lives in Vladivostok (UTC+10)
        accounts_repo.user_by_login(s, "boris").timezone = "Asia/Vladivostok"
    clock.now = clock.now.replace(hour=15)  # 26 Nov 15:00 UTC is 27 Nov 01:00 in Vladivostok
    try:
        assert owners(leads(platform, clock, 1)) == ["anna"]
    finally:
        with platform.command() as s:
            accounts_repo.user_by_login(s, "boris").timezone = "UTC"


def test_back_to_back_absences_report_the_end_of_the_whole_stretch(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "boris"}, {"login": "anna"}])
    absent(platform, actors, "boris", "2026-11-20", "2026-11-30")
    absent(platform, actors, "boris", "2026-12-01", "2026-12-05", kind="sick")
    [decision] = leads(platform, clock, 1)
    assert decision.owner == "anna"
    assert decision.reason.endswith("skipped boris (vacation until 5 Dec)")


# ---------------------------------------------------------------- weighted

def test_weighted_shares_three_to_one_in_the_smooth_order(platform, actors, clock, org) -> None:
    team(platform, actors, "weighted", [{"login": "anna", "share": 3}, {"login": "boris", "share": 1}])
    assert owners(leads(platform, clock, 8)) == ["anna", "anna", "boris", "anna"] * 2


def test_weighted_member_earns_no_credit_while_away(platform, actors, clock, org) -> None:
    team(platform, actors, "weighted", [{"login": "anna", "share": 1}, {"login": "boris", "share": 1}])
    assert owners(leads(platform, clock, 1)) == ["anna"]
    absent(platform, actors, "boris", "2026-11-26", "2026-11-30")
    assert owners(leads(platform, clock, 5)) == ["anna"] * 5
    clock.now = clock.now.replace(month=12, day=1)
    assert owners(leads(platform, clock, 6)) == ["boris", "anna"] * 3, "back level with anna: no burst"


# ---------------------------------------------------------------- caps, least loaded

def test_a_member_at_his_cap_is_skipped(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "anna", "cap": 2}, {"login": "boris"}])
    own(platform, "anna", 1)
    own(platform, "anna", 3, status="customer")  # customers without an active cycle do not count
    decisions = leads(platform, clock, 4)
    assert owners(decisions) == ["anna", "boris", "boris", "boris"]
    assert decisions[2].reason.endswith("skipped anna (at the cap of 2 active clients)")


def test_when_everybody_is_away_or_full_the_client_waits_with_the_reason(platform, actors, clock, org) -> None:
    team(platform, actors, "weighted", [{"login": "anna", "cap": 0}, {"login": "boris"}])
    absent(platform, actors, "boris", "2026-11-26", "2026-11-26", kind="sick")
    [decision] = leads(platform, clock, 1)
    assert decision.owner is None
    assert decision.data["rule"] == "nobody_available"
    assert decision.reason == ("segment Retail (by its rules), team Retail team, weighted: nobody available; "
                               "skipped anna (at the cap of 0 active clients), boris (sick leave until 26 Nov); "
                               "left for manual distribution")


def test_least_loaded_picks_the_fewest_active_clients(platform, actors, clock, org) -> None:
    team(platform, actors, "least_loaded", [{"login": "anna"}, {"login": "boris"}, {"login": "pavel"}])
    own(platform, "anna", 2)
    own(platform, "pavel", 1, status="prospect")
    assert owners(leads(platform, clock, 4)) == ["boris", "boris", "pavel", "anna"]


# ---------------------------------------------------------------- unowned outcomes

@pytest.mark.parametrize("setup, fields, rule, text", [
    ("manual", {}, "manual",
     "segment Retail (by its rules), team Retail team distributes by hand; left for manual distribution"),
    ("no team", {}, "no_team", "segment Retail (by its rules) has no team; left for manual distribution"),
    ("empty team", {}, "no_members",
     "segment Retail (by its rules), team Retail team has no members; left for manual distribution"),
    ("round_robin", {"industry": "aerospace"}, "no_segment",
     "no segment's rules match the client; left for manual distribution"),
], ids=["manual-team", "segment-without-team", "team-without-members", "no-segment"])
def test_clients_left_for_manual_distribution_say_why(platform, actors, clock, org, setup, fields, rule,
                                                      text) -> None:
    if setup == "no team":
        platform.organization.save_segment(actors["head"], org["Retail"], "Retail", RETAIL, None)
    elif setup == "empty team":
        team(platform, actors, "round_robin", [])
    else:
        team(platform, actors, setup, [{"login": "anna"}])
    [decision] = leads(platform, clock, 1, **fields)
    assert (decision.owner, decision.data["rule"], decision.reason) == (None, rule, text)
    with platform.query() as s:
        assert s.get(Client, decision.client_id).owner_id is None


def test_every_decision_is_a_client_event_and_the_owner_is_told(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "anna"}])
    [given] = leads(platform, clock, 1)
    [waiting] = leads(platform, clock, 1, industry="aerospace")
    with platform.query() as s:
        [event] = clients_repo.client_events(s, given.client_id, "distributed")
        assert (event.actor, event.at, event.data["chosen"], event.data["team"], event.data["strategy"]) == \
            ("head", clock.now, "anna", "Retail team", "round_robin")
        assert event.data["text"] == given.reason
        assert s.get(Client, given.client_id).owner.login == "anna"
        [other] = clients_repo.client_events(s, waiting.client_id, "distributed")
        assert other.data["rule"] == "no_segment"
        notes = list(s.scalars(select(Notification).where(Notification.login == "anna")))
    assert [(n.kind, n.title, n.link) for n in notes] == [
        ("client_assigned", f"New client: Lead {given.client_id}", f"/clients/{given.client_id}")]


def test_clients_with_an_owner_are_not_redistributed(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "anna"}, {"login": "boris"}])
    with platform.command() as s:
        boris = accounts_repo.user_by_login(s, "boris")
        client = Client(name="Taken", name_key="taken", industry="retail", owner_id=boris.id)
        s.add(client)
        s.flush()
        assert distribution.distribute_new(s, clock.now, "head", [client]) == []
        assert clients_repo.client_events(s, client.id) == []


def test_the_head_distributes_unowned_clients_on_demand(platform, actors, clock, org) -> None:
    with platform.command() as s:  # clients that arrived before the team existed
        s.add_all([Client(name=f"Old {i}", name_key=f"old {i}", industry="food") for i in range(3)])
        s.add(Client(name="Dormant", name_key="dormant", industry="food", status="inactive"))
    assert platform.organization.unowned_count(actors["head"]) == 3
    team(platform, actors, "round_robin", [{"login": "anna"}, {"login": "boris"}])
    decisions = platform.organization.distribute(actors["head"])
    assert [d.owner for d in decisions] == ["anna", "boris", "anna"]
    assert [d.client for d in decisions] == ["Old 0", "Old 1", "Old 2"]
    assert platform.organization.unowned_count(actors["head"]) == 0
    again = platform.organization.distribute(actors["head"], [decisions[0].client_id])
    assert [(d.owner, d.reason) for d in again] == [("anna", "already owned by anna")]


@pytest.mark.parametrize("who", ["anna", "alex"])
def test_only_the_head_distributes_on_demand(platform, actors, org, who) -> None:
    with pytest.raises(Forbidden):
        platform.organization.distribute(actors[who])


def test_two_distributions_at_once_never_take_the_same_turn(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "anna"}, {"login": "boris"}])
    results: list[list[distribution.Decision]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(5):
                results.append(leads(platform, clock, 1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with platform.query() as s:
        events = list(s.scalars(select(ClientEvent).where(ClientEvent.type == "distributed")
                                .order_by(ClientEvent.id)))
    assert [e.data["chosen"] for e in events] == ["anna", "boris"] * 5


# ---------------------------------------------------------------- segment rules

def _client(**fields: Any) -> Client:
    return Client(name=fields.pop("name", "X"), **fields)


@pytest.mark.parametrize("rule, fields, expected", [
    ({"field": "industry", "op": "equals", "value": "Retail"}, {"industry": " retail "}, True),
    ({"field": "industry", "op": "equals", "value": "retail"}, {"industry": "retail chain"}, False),
    ({"field": "industry", "op": "in", "value": ["food", "retail"]}, {"industry": "FOOD"}, True),
    ({"field": "industry", "op": "in", "value": "food, retail"}, {"industry": "retail"}, True),
    ({"field": "industry", "op": "in", "value": ["food"]}, {"industry": None}, False),
    ({"field": "tax_id", "op": "starts_with", "value": "77"}, {"tax_id": "7701234567"}, True),
    ({"field": "tax_id", "op": "starts_with", "value": "77"}, {"tax_id": "5077123456"}, False),
    ({"field": "name", "op": "contains", "value": "school"}, {"name": "Tau School No. 5"}, True),
    ({"field": "region", "op": "contains", "value": "siberia"}, {"region": None}, False),
    ({"field": "kind", "op": "equals", "value": "person"}, {"kind": "company"}, False),
    ({"field": "size", "op": "in", "value": ["large", "medium"]}, {"size": "Large"}, True),
    ({"field": "source", "op": "equals", "value": "exhibition"}, {"source": "Exhibition"}, True),
])
def test_a_rule_compares_a_client_field_case_insensitively(rule, fields, expected) -> None:
    [parsed] = segments.parse_rules([rule])
    assert segments.matches(_client(**fields), [parsed]) is expected


def test_all_rules_of_a_segment_must_hold() -> None:
    rules = segments.parse_rules([{"field": "industry", "op": "equals", "value": "retail"},
                                  {"field": "region", "op": "equals", "value": "Moscow"}])
    assert segments.matches(_client(industry="retail", region="moscow"), rules)
    assert not segments.matches(_client(industry="retail", region="Kazan"), rules)
    assert not segments.matches(_client(industry="retail"), []), "a segment by hand matches nothing"


def test_the_first_matching_segment_in_order_wins(platform, actors, clock, org) -> None:
    head = actors["head"]
    big = platform.organization.save_segment(head, None, "Key accounts", [{"field": "size", "op": "equals", "value": "large"}],
                                None)
    platform.organization.save_segment(head, org["Retail"], "Retail", RETAIL, None)
    [first] = leads(platform, clock, 1, size="large")
    assert first.data["segment"] == "Retail", "Retail comes first"
    platform.organization.move_segment(head, big.id, -1)
    platform.organization.move_segment(head, big.id, -1)
    platform.organization.move_segment(head, big.id, -1)
    assert [x.name for x in platform.organization.segment_list(head)] == ["Key accounts", "Retail", "Manufacturing",
                                                                "Public sector"]
    [second] = leads(platform, clock, 1, size="large")
    assert second.data["segment"] == "Key accounts"
    [small] = leads(platform, clock, 1, size="small")
    assert small.data["segment"] == "Retail"


def test_a_client_with_a_segment_keeps_it(platform, actors, clock, org) -> None:
    team(platform, actors, "round_robin", [{"login": "anna"}], segment="Public sector",
         rules=[{"field": "industry", "op": "equals", "value": "government"}])
    [decision] = leads(platform, clock, 1, industry="retail", segment_id=org["Public sector"])
    assert (decision.owner, decision.data["segment"], decision.data["segment_by_rules"]) == \
        ("anna", "Public sector", False)


@pytest.mark.parametrize("rules, errors", [
    ([{"field": "colour", "op": "equals", "value": "red"}],
     {"rules.1.field": "unknown field 'colour'; known: industry, region, size, source, kind, tax_id, name, status"}),
    ([{"field": "industry", "op": "equals", "value": "x"}, {"field": "region", "op": "like", "value": "x"}],
     {"rules.2.op": "unknown operation 'like'; known: equals, in, starts_with, contains"}),
    ([{"field": "industry", "op": "in", "value": []}],
     {"rules.1.value": "industry: give at least one value (a list, or separated by commas)"}),
    ([{"field": "region", "op": "equals", "value": "  "}], {"rules.1.value": "region: give one value to compare with"}),
    ([{"op": "equals", "value": "x"}], {"rules.1.field": "is required"}),
    ("industry=retail", {"rules": "must be a list of {field, op, value}"}),
])
def test_invalid_rules_are_refused_naming_the_rule_and_field(rules, errors) -> None:
    with pytest.raises(InputInvalid) as caught:
        segments.parse_rules(rules)
    assert caught.value.details["fields"] == errors


def test_saving_a_segment_reports_every_problem(platform, actors, org) -> None:
    with pytest.raises(InputInvalid) as caught:
        platform.organization.save_segment(actors["head"], None, "Retail", [{"field": "colour", "op": "in", "value": "x"}], 999)
    assert set(caught.value.details["fields"]) == {"name", "team", "rules.1.field"}
    assert caught.value.details["fields"]["name"] == "a segment named 'Retail' exists already"


@pytest.mark.parametrize("who", ["anna", "alex"])
def test_only_the_head_defines_segments_and_teams(platform, actors, org, who) -> None:
    with pytest.raises(Forbidden):
        platform.organization.save_segment(actors[who], None, "Mine", [], None)
    with pytest.raises(Forbidden):
        platform.organization.save_team(actors[who], None, "Mine", "round_robin", [])


def test_team_members_are_validated(platform, actors, org) -> None:
    with pytest.raises(InputInvalid) as caught:
        platform.organization.save_team(actors["head"], None, "T", "fastest", [
            {"login": "anna", "share": "0"}, {"login": "anna"}, {"login": "alex"}, {"login": "ghost"},
            {"login": "boris", "cap": "-1"}])
    assert caught.value.details["fields"] == {
        "strategy": "must be one of round_robin, weighted, least_loaded, manual",
        "members.1.share": "must be a whole number from 1 to 100",
        "members.2.login": "anna is in the team twice",
        "members.3.login": "alex is not an active manager",
        "members.4.login": "no user 'ghost'",
        "members.5.cap": "must be a whole number, 0 or more (empty: no cap)"}


def test_changing_a_team_keeps_turns_unless_the_strategy_changes(platform, actors, clock, org) -> None:
    created = team(platform, actors, "round_robin", [{"login": "anna"}, {"login": "boris"}])
    assert owners(leads(platform, clock, 1)) == ["anna"]
    platform.organization.save_team(actors["head"], created.id, "Retail team", "round_robin",
                       [{"login": "anna"}, {"login": "boris"}, {"login": "pavel"}])
    assert owners(leads(platform, clock, 1)) == ["boris"]
    platform.organization.save_team(actors["head"], created.id, "Retail team", "weighted",
                       [{"login": "anna"}, {"login": "boris"}, {"login": "pavel"}])
    assert owners(leads(platform, clock, 3)) == ["anna", "boris", "pavel"]


# ---------------------------------------------------------------- absences

def test_absences_heads_enter_anyones_managers_their_own(platform, actors, clock, org) -> None:
    anna, head, alex = actors["anna"], actors["head"], actors["alex"]
    mine = platform.organization.add_absence(anna, None, "sick", "2026-11-27", "2026-11-28", "flu")
    assert (mine.login, mine.kind) == ("anna", "sick")
    with pytest.raises(Forbidden):
        platform.organization.add_absence(anna, "boris", "vacation", "2026-12-01", "2026-12-02")
    with pytest.raises(Forbidden):
        platform.organization.add_absence(alex, None, "vacation", "2026-12-01", "2026-12-02")
    theirs = platform.organization.add_absence(head, "boris", "vacation", "2026-12-01", "2026-12-10")
    assert [a.login for a in platform.organization.absence_list(anna)] == ["anna"]
    assert [a.login for a in platform.organization.absence_list(alex)] == ["anna", "boris"]
    with pytest.raises(Forbidden):
        platform.organization.delete_absence(anna, theirs.id)
    platform.organization.delete_absence(anna, mine.id)
    assert [a.login for a in platform.organization.absence_list(head)] == ["boris"]


@pytest.mark.parametrize("values, errors", [
    (("vacation", "2026-12-10", "2026-12-01"), {"ends_on": "must be on or after the first day"}),
    (("holiday", "2026-12-01", "2026-12-02"), {"kind": "must be one of vacation, sick, other"}),
    (("vacation", "1 Dec", ""), {"starts_on": "must be a date (YYYY-MM-DD)", "ends_on": "is required"}),
])
def test_an_absence_needs_a_kind_and_days_in_order(platform, actors, org, values, errors) -> None:
    with pytest.raises(InputInvalid) as caught:
        platform.organization.add_absence(actors["head"], "boris", *values)
    assert caught.value.details["fields"] == errors


def test_who_is_absent_on_a_day(platform, actors, org) -> None:
    from engine.organization import absences

    absent(platform, actors, "boris", "2026-12-01", "2026-12-03")
    with platform.query() as s:
        boris = accounts_repo.user_by_login(s, "boris").id
        assert list(absences.absent_on(s, date(2026, 12, 3))) == [boris]
        assert absences.absent_on(s, date(2026, 12, 3) + timedelta(days=1)) == {}
