"""The payout calculation, pure: indicators, plan and scheme in, explainable lines out."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from engine.motivation.indicators import (
    Deal,
    Indicators,
    Payment,
    ReversalItem,
    Work,
    activity_attainment,
)
from engine.motivation.payout import (
    CurrencyMismatch,
    Hit,
    PayoutError,
    TableFailed,
    Targets,
    Terms,
    Tiers,
    calculate,
    round_money,
)

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
RATES = Tiers("commission_rate", "attainment", (
    (D("0"), D("0.03"), "below 80 %: 3 %"),
    (D("0.8"), D("0.05"), "80–100 %: 5 %"),
    (D("1.0"), D("0.07"), "100–120 %: 7 %"),
    (D("1.2"), D("0.10"), "120 % and more: 10 % (accelerator)"),
))
QUALITY = Tiers("quality_multiplier", "conversion", (
    (D("0"), D("0.9"), "conversion below 30 %"), (D("0.3"), D("1.0"), "normal"), (D("0.6"), D("1.1"), "high")))
INTENSITY = Tiers("intensity_multiplier", "activity_attainment", (
    (D("0"), D("0.8"), "under half the activity plan"), (D("0.5"), D("1.0"), "normal"),
    (D("1.1"), D("1.05"), "over 110 %")))
TERMS = Terms("Sales", 1, RATES)


def won(*amounts: str, lost: int = 0, **kwargs: Any) -> Indicators:
    deals = tuple(Deal(100 + i, f"Client {i}", D(a), T0 - timedelta(days=20), T0 + timedelta(days=i))
                  for i, a in enumerate(amounts))
    return Indicators("anna", "2026-11", won=deals, lost_count=lost, **kwargs)


def plan(revenue: str, **activities: int) -> Targets:
    return Targets(revenue=D(revenue), activities=activities)


def line(payout, kind: str):
    found = [l for l in payout.lines if l.kind == kind]
    assert len(found) == 1, [l.key for l in payout.lines]
    return found[0]


# ---------------------------------------------------------------- tiers on total attainment

@pytest.mark.parametrize("amounts, rate, rule, commission", [
    (("799999.99",), "0.03", "1", "24000.00"),       # just under 80 %: 799 999.99 × 3 % = 23 999.9997
    (("800000",), "0.05", "2", "40000.00"),          # exactly 80 % reaches the 5 % tier
    (("999999",), "0.05", "2", "49999.95"),
    (("1000000",), "0.07", "3", "70000.00"),         # exactly 100 %
    (("1199999",), "0.07", "3", "83999.93"),
    (("1200000",), "0.10", "4", "120000.00"),        # the accelerator tier, on the whole basis
])
def test_the_commission_rate_is_the_tier_of_the_total_attainment(amounts, rate, rule, commission) -> None:
    payout = calculate(won(*amounts), plan("1000000"), TERMS)
    c = line(payout, "commission")
    assert (c.rate, c.amount) == (D(rate), D(commission))
    assert c.explanation["rule"] == rule and c.explanation["table"] == "commission_rate"
    assert payout.total == D(commission)


def test_the_rate_is_chosen_on_the_period_total_not_deal_by_deal() -> None:
    # two deals of 60 % each: alone each would be 3 %; together 120 % pays 10 % on both
    payout = calculate(won("600000", "600000"), plan("1000000"), TERMS)
    c = line(payout, "commission")
    assert c.rate == D("0.10") and c.amount == D("120000.00")
    assert [x["id"] for x in c.explanation["cycles"]] == [100, 101]
    assert c.explanation["attainment"] == "1.2000"
    assert c.explanation["annotation"] == "120 % and more: 10 % (accelerator)"


def test_accelerators_are_higher_tiers_applied_to_the_whole_basis() -> None:
    at_100 = calculate(won("1000000"), plan("1000000"), TERMS).total
    at_130 = calculate(won("1300000"), plan("1000000"), TERMS).total
    assert at_100 == D("70000.00")
    assert at_130 == D("130000.00")  # 1.3M × 10 %, not 1M × 7 % + 0.3M × 10 %


def test_the_next_tier_says_how_much_more_is_needed() -> None:
    payout = calculate(won("650000"), plan("1000000"), TERMS)
    assert payout.next_tier is not None
    assert (payout.next_tier.amount, payout.next_tier.rate) == (D("150000.00"), D("0.05"))
    top = calculate(won("1500000"), plan("1000000"), TERMS)
    assert top.next_tier is None


def test_without_a_plan_the_commission_is_at_the_lowest_tier_and_says_so() -> None:
    payout = calculate(won("500000"), None, TERMS)
    assert line(payout, "commission").amount == D("15000.00")
    assert payout.attainment is None and payout.next_tier is None
    assert [n["code"] for n in payout.notes] == ["no_target"]


def test_the_paid_basis_pays_on_payments_received() -> None:
    ind = Indicators("anna", "2026-11", won=won("900000").won,
                     payments=(Payment(7, "t-1", "Acme", D("400000"), T0), Payment(8, "t-2", "Beta", D("450000"), T0)))
    payout = calculate(ind, plan("1000000"), Terms("Sales", 1, RATES, basis="paid_amount"))
    c = line(payout, "commission")
    assert c.quantity == D("850000") and c.rate == D("0.05") and c.amount == D("42500.00")
    assert [p["task_id"] for p in c.explanation["payments"]] == ["t-1", "t-2"]


# ---------------------------------------------------------------- multipliers

@pytest.mark.parametrize("amounts, lost_n, quality, difference", [
    (("1000000",), 4, "0.9", "-3000.00"),                  # conversion 20 %: ×0.9 takes 10 % off
    (("500000", "500000"), 2, "1.0", "0.00"),              # 50 %: ×1.0 changes nothing
    (("400000", "300000", "300000"), 1, "1.1", "3000.00"),  # 75 %: ×1.1
])
def test_the_quality_multiplier_applies_to_the_commission_only(amounts, lost_n, quality, difference) -> None:
    ind = won(*amounts, lost=lost_n, work={"call": Work(10)}, with_due=10, on_time=9)
    terms = Terms("Sales", 1, RATES, piece_rates={"call": "100.00"}, multipliers={"quality": QUALITY})
    payout = calculate(ind, plan("2500000"), terms)  # 40 % attainment: 3 % of 1 000 000
    assert line(payout, "commission").amount == D("30000.00")
    m = line(payout, "multiplier")
    assert (m.rate, m.amount) == (D(quality), D(difference))
    assert m.explanation["indicators"] == {"conversion": str(ind.conversion), "on_time_share": "0.9000"}
    assert m.explanation["applies_to"] == "commission" and m.explanation["base"] == "30000.00"
    assert line(payout, "piece").amount == D("1000.00")  # 10 calls × 100, not multiplied
    assert payout.total == D("31000.00") + D(difference)


def test_multipliers_chain_quality_then_intensity() -> None:
    ind = won("1000000", lost=0, work={"call": Work(12), "meeting": Work(6)}, with_due=4, on_time=4)
    terms = Terms("Sales", 1, RATES, multipliers={"quality": QUALITY, "intensity": INTENSITY})
    payout = calculate(ind, plan("1000000", call=10, meeting=5), terms)
    commission, quality, intensity = payout.lines
    assert commission.amount == D("70000.00")
    assert (quality.rate, quality.amount) == (D("1.1"), D("7000.00"))       # conversion 100 %
    assert payout.activity_attainment == D("1.2000")                         # 12/10 and 6/5, capped at 1.2
    assert (intensity.rate, intensity.amount) == (D("1.05"), D("3850.00"))  # 77 000 × 0.05
    assert payout.total == D("80850.00")                                     # 70 000 × 1.1 × 1.05


def test_a_multiplier_without_its_indicators_is_not_applied_and_a_note_says_why() -> None:
    payout = calculate(won(), plan("1000000"), Terms("Sales", 1, RATES, multipliers={"quality": QUALITY}))
    assert [l.kind for l in payout.lines] == ["commission"]
    assert payout.notes == ({"code": "multiplier_skipped", "multiplier": "quality",
                             "missing": ["conversion", "on_time_share"],
                             "text": "the quality multiplier is not applied: no conversion, on_time_share in the period"},)


@pytest.mark.parametrize("done, targets, cap, expected", [
    ({"call": 5}, {"call": 10}, "1.2", "0.5000"),
    ({"call": 30}, {"call": 10}, "1.2", "1.2000"),               # capped
    ({"call": 30, "meeting": 0}, {"call": 10, "meeting": 5}, "1.5", "0.7500"),  # mean of 1.5 and 0
    ({"call": 3}, {}, "1.2", None),
])
def test_activity_attainment_is_the_mean_of_capped_ratios(done, targets, cap, expected) -> None:
    result = activity_attainment(done, targets, D(cap))
    assert (str(result) if result is not None else None) == expected


# ---------------------------------------------------------------- piece rates

def test_piece_rates_pay_each_work_type_count_and_list_the_tasks() -> None:
    ind = won(work={"call": Work(3, ("t1", "t2"), (9,)), "demo": Work(2, ("t3", "t4")), "email": Work(5)})
    terms = Terms("Sales", 1, RATES, piece_rates={"call": "150.00", "demo": "500 RUB", "meeting": "300"})
    payout = calculate(ind, plan("1000000"), terms)
    pieces = {l.key: l for l in payout.lines if l.kind == "piece"}
    assert set(pieces) == {"piece:call", "piece:demo"}  # no rate for e-mails, no meetings done
    assert pieces["piece:call"].amount == D("450.00") and pieces["piece:call"].quantity == 3
    assert pieces["piece:call"].explanation["tasks"] == ["t1", "t2"]
    assert pieces["piece:call"].explanation["activities"] == [9]
    assert pieces["piece:demo"].amount == D("1000.00")


# ---------------------------------------------------------------- clawback

def reversal(id_: int = 1, amount: str | None = None, late: bool = False, kind: str = "cancelled") -> ReversalItem:
    return ReversalItem(id=id_, cycle_id=55, client="Gamma", kind=kind, amount=D(amount) if amount else None,
                        reason="client went bankrupt", at=T0, cycle_amount=D("400000"),
                        paid_amount=D("380000"), won_at=T0 - timedelta(days=40), late=late)


@pytest.mark.parametrize("item, rates, kind, amount, rate", [
    (reversal(), {55: (D("0.05"), "statement 2026-10")}, "clawback", "-20000.00", "0.05"),    # at the rate paid
    (reversal(amount="100000", kind="refunded"), {55: (D("0.07"), "s")}, "clawback", "-7000.00", "0.07"),
    (reversal(), {}, "clawback", "-12000.00", "0.03"),            # no original statement: current rate
    (reversal(late=True), {55: (D("0.05"), "s")}, "correction", "-20000.00", "0.05"),
])
def test_a_reversal_takes_back_its_commission(item, rates, kind, amount, rate) -> None:
    ind = won("100000", reversals=(item,))
    payout = calculate(ind, plan("1000000"), TERMS, rates)
    back = line(payout, kind)
    assert (back.amount, back.rate) == (D(amount), D(rate))
    assert back.explanation["cycle_id"] == 55 and back.explanation["reversal_id"] == item.id
    assert back.explanation["reason"] == "client went bankrupt"
    assert payout.total == D("3000.00") + D(amount)


def test_a_reversal_on_the_paid_basis_takes_back_the_paid_amount() -> None:
    payout = calculate(won(reversals=(reversal(),)), plan("1000000"),
                       Terms("Sales", 1, RATES, basis="paid_amount"), {55: (D("0.05"), "s")})
    assert line(payout, "clawback").amount == D("-19000.00")


# ---------------------------------------------------------------- money and rounding

@pytest.mark.parametrize("value, rule, expected", [
    ("0.005", "ROUND_HALF_UP", "0.01"), ("0.005", "ROUND_HALF_EVEN", "0.00"),
    ("0.015", "ROUND_HALF_EVEN", "0.02"), ("-0.005", "ROUND_HALF_UP", "-0.01"),
    ("0.019", "ROUND_DOWN", "0.01"),
])
def test_rounding_rules(value, rule, expected) -> None:
    assert round_money(D(value), rule) == D(expected)


@pytest.mark.parametrize("rule, commission", [("ROUND_HALF_UP", "0.01"), ("ROUND_HALF_EVEN", "0.00")])
def test_each_line_is_rounded_by_the_scheme_rule_and_the_total_is_the_sum_of_rounded_lines(rule, commission) -> None:
    half_cent = Tiers("commission_rate", "attainment", ((D("0"), D("0.05"), "5 %"),))
    ind = won("0.1", work={"call": Work(1)})
    terms = Terms("Sales", 1, half_cent, rounding=rule, piece_rates={"call": "0.005"})
    payout = calculate(ind, plan("1000000"), terms)
    assert [l.amount for l in payout.lines] == [D(commission), D(commission)]
    assert payout.total == 2 * D(commission)  # not round(0.005 + 0.005) = 0.01


def test_an_unknown_rounding_rule_is_an_error() -> None:
    with pytest.raises(PayoutError, match="ROUND_SIDEWAYS"):
        calculate(won("1"), plan("1"), Terms("Sales", 1, RATES, rounding="ROUND_SIDEWAYS"))


def test_a_plan_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="USD.*RUB"):
        calculate(won("1000"), Targets(revenue=D("1000"), currency="USD"), TERMS)


def test_a_piece_rate_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="call.*EUR"):
        calculate(won(work={"call": Work(1)}), plan("1"), Terms("Sales", 1, RATES, piece_rates={"call": "10 EUR"}))


# ---------------------------------------------------------------- decision table errors

def test_no_matching_row_names_the_table_and_the_inputs() -> None:
    from_80 = Tiers("commission_rate", "attainment", ((D("0.8"), D("0.05"), "80 % and more"),))
    with pytest.raises(TableFailed) as failed:
        calculate(won("500000"), plan("1000000"), Terms("Sales", 1, from_80))
    assert "commission_rate" in failed.value.message and "attainment=0.5" in failed.value.message
    assert failed.value.details["table"] == "commission_rate"


def test_any_error_of_a_table_becomes_a_table_error_naming_it() -> None:
    class Broken:
        name = "quality_multiplier"

        def __call__(self, inputs):
            raise KeyError("conversion_rate")

        def thresholds(self):
            return []

    ind = won("1000000", lost=1, with_due=1, on_time=1)
    with pytest.raises(TableFailed) as failed:
        calculate(ind, plan("1000000"), Terms("Sales", 1, RATES, multipliers={"quality": Broken()}))
    assert "quality_multiplier" in failed.value.message and "conversion_rate" in failed.value.message
    assert failed.value.details["inputs"]["conversion"] == "0.5000"


def test_a_table_hit_carries_its_row_into_the_explanation() -> None:
    class Fixed:
        name = "commission_rate"

        def __call__(self, inputs):
            return Hit(self.name, D("0.04"), "R7", "special offer", {"attainment": inputs["attainment"]})

        def thresholds(self):
            return []

    c = line(calculate(won("100"), plan("1000"), Terms("Sales", 2, Fixed())), "commission")
    assert (c.explanation["rule"], c.explanation["annotation"], c.explanation["scheme"]) == ("R7", "special offer",
                                                                                             "Sales v2")
    assert c.amount == D("4.00")


# ---------------------------------------------------------------- the demo DMN tables as lookups

DMN = Path(__file__).resolve().parents[2] / "bpmn" / "motivation"


def dmn_table(name: str, replace: tuple[str, str] | None = None):
    from engine.motivation import scheme_terms

    xml = (DMN / f"{name}.dmn").read_text()
    if replace:
        xml = xml.replace(*replace)
    return scheme_terms.table(xml, name)


def test_a_dmn_tier_table_gives_the_rate_its_rule_and_its_boundaries() -> None:
    table = dmn_table("commission_rate")
    hit = table({"attainment": D("0.85"), "conversion": None})  # inputs it does not read are ignored
    assert (hit.value, hit.rule, hit.annotation) == (D("0.05"), "3", "80–100 % of plan")
    assert hit.condition == "attainment in [0.8..1)"
    assert list(table.thresholds()) == [D("0.5"), D("0.8"), D("1"), D("1.2")]
    payout = calculate(won("850000"), plan("1000000"), Terms("Sales", 1, table))
    assert payout.next_tier is not None
    assert (payout.next_tier.amount, payout.next_tier.rate) == (D("150000.00"), D("0.07"))


def test_a_dmn_table_with_no_matching_row_names_the_table_and_the_inputs() -> None:
    gap = dmn_table("commission_rate", ("&lt; 0.5", "[0.1..0.5)"))
    with pytest.raises(TableFailed) as failed:
        calculate(won("50000"), plan("1000000"), Terms("Sales", 1, gap))
    assert "commission_rate" in failed.value.message
    assert "no rule matches attainment=0.05" in failed.value.message
    assert failed.value.details["inputs"] == {"attainment": "0.0500"}


def test_a_dmn_quality_table_reads_the_on_time_share() -> None:
    ind = won("1000000", lost=3, with_due=10, on_time=9)  # conversion 25 %, 90 % on time
    terms = Terms("Sales", 1, RATES, multipliers={"quality": dmn_table("quality_multiplier")})
    m = line(calculate(ind, plan("1000000"), terms), "multiplier")
    assert m.rate == D("1.1") and m.explanation["annotation"].startswith("Good")
