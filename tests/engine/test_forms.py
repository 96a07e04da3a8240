"""Task forms: what a submission may hold, how it is typed, and what happens when it is wrong."""
from __future__ import annotations

from typing import Any

import pytest
from cycle_helpers import events, open_task, start

from engine.platform.root import Reglament
from engine.regulation.forms import MAX_TEXT, FormField, validate
from engine.shared.errors import FormInvalid

TEXT = FormField("text", "Text")
REQUIRED_TEXT = FormField("text", "Text", required=True)
SHORT_TEXT = FormField("text", "Text", minlength=3, maxlength=5)
NUMBER = FormField("number", "Number", type="long")
BOUNDED = FormField("number", "Number", type="long", min=1, max=30)
REQUIRED_NUMBER = FormField("number", "Number", type="long", required=True)
FLAG = FormField("flag", "Flag", type="boolean")
DAY = FormField("day", "Day", type="date")
REQUIRED_DAY = FormField("day", "Day", type="date", required=True)
CHOICE = FormField("choice", "Choice", type="enum", options=(("yes", "Yes"), ("no", "No")))
REQUIRED_CHOICE = FormField("choice", "Choice", type="enum", required=True,
                            options=(("yes", "Yes"), ("no", "No")))


def _one(field: FormField, raw: Any) -> Any:
    return validate([field], {field.id: raw})[field.id]


def _error(field: FormField, raw: Any) -> str:
    with pytest.raises(FormInvalid) as caught:
        validate([field], {field.id: raw})
    assert set(caught.value.field_errors) == {field.id}
    return caught.value.field_errors[field.id]


ACCEPTED = [
    # string: HTML posts text, JSON may post numbers; text is trimmed, blanks become None
    (TEXT, "  Maria  ", "Maria"),
    (TEXT, "", None),
    (TEXT, "   ", None),
    (TEXT, None, None),
    (TEXT, 42, "42"),
    (TEXT, "x" * MAX_TEXT, "x" * MAX_TEXT),
    (SHORT_TEXT, "abc", "abc"),
    (SHORT_TEXT, "abcde", "abcde"),
    (SHORT_TEXT, "", None),  # an optional field left empty is not held to minlength
    # long: HTML strings with spaces and signs, JSON ints and integral floats
    (NUMBER, "1500000", 1_500_000),
    (NUMBER, " 1 500 000 ", 1_500_000),
    (NUMBER, "1\u00a0500", 1500),
    (NUMBER, "-7", -7),
    (NUMBER, "+7", 7),
    (NUMBER, 12, 12),
    (NUMBER, 12.0, 12),
    (NUMBER, "", None),
    (NUMBER, 2**63 - 1, 2**63 - 1),
    (BOUNDED, "1", 1),
    (BOUNDED, 30, 30),
    # boolean: HTML checkbox values and JSON booleans; an absent checkbox is false
    (FLAG, "on", True),
    (FLAG, "true", True),
    (FLAG, "TRUE", True),
    (FLAG, "1", True),
    (FLAG, "yes", True),
    (FLAG, "off", False),
    (FLAG, "false", False),
    (FLAG, "0", False),
    (FLAG, "no", False),
    (FLAG, "", False),
    (FLAG, None, False),
    (FLAG, True, True),
    (FLAG, False, False),
    # date: ISO dates, and ISO date-times reduced to their date
    (DAY, "2026-11-20", "2026-11-20"),
    (DAY, " 2026-11-20 ", "2026-11-20"),
    (DAY, "2026-11-20T10:30:00Z", "2026-11-20"),
    (DAY, "2026-11-20T10:30:00+03:00", "2026-11-20"),
    (DAY, "", None),
    # enum: the option id
    (CHOICE, "yes", "yes"),
    (CHOICE, "no", "no"),
    (CHOICE, "", None),
]


@pytest.mark.parametrize(("field", "raw", "expected"), ACCEPTED,
                         ids=[f"{f.type}-{r!r}"[:60] for f, r, _ in ACCEPTED])
def test_valid_values_are_typed(field: FormField, raw: Any, expected: Any) -> None:
    assert _one(field, raw) == expected
    assert type(_one(field, raw)) is type(expected)


REFUSED = [
    (REQUIRED_TEXT, "", "is required"),
    (REQUIRED_TEXT, "   ", "is required"),
    (REQUIRED_TEXT, None, "is required"),
    (TEXT, True, "must be text"),
    (TEXT, ["a"], "must be text"),
    (TEXT, {"a": 1}, "must be text"),
    (TEXT, "x" * (MAX_TEXT + 1), f"must be at most {MAX_TEXT} characters"),
    (SHORT_TEXT, "ab", "must be at least 3 characters"),
    (SHORT_TEXT, "  ab  ", "must be at least 3 characters"),
    (SHORT_TEXT, "abcdef", "must be at most 5 characters"),
    (REQUIRED_NUMBER, "", "is required"),
    (REQUIRED_NUMBER, None, "is required"),
    (NUMBER, "12.5", "must be a whole number"),
    (NUMBER, 12.5, "must be a whole number"),
    (NUMBER, "1e3", "must be a whole number"),
    (NUMBER, "twelve", "must be a whole number"),
    (NUMBER, True, "must be a whole number"),
    (NUMBER, [1], "must be a whole number"),
    (NUMBER, "9" * 20, "must be a whole number"),
    (NUMBER, 2**63, "is too large"),
    (BOUNDED, "0", "must be at least 1"),
    (BOUNDED, -5, "must be at least 1"),
    (BOUNDED, "31", "must be at most 30"),
    (FLAG, "maybe", "must be true or false"),
    (FLAG, 1, "must be true or false"),
    (FLAG, [True], "must be true or false"),
    (REQUIRED_DAY, "", "is required"),
    (DAY, "2026-02-30", "must be a date (YYYY-MM-DD)"),
    (DAY, "20.11.2026", "must be a date (YYYY-MM-DD)"),
    (DAY, "tomorrow", "must be a date (YYYY-MM-DD)"),
    (DAY, 20261120, "must be a date (YYYY-MM-DD)"),
    (REQUIRED_CHOICE, "", "is required"),
    (CHOICE, "maybe", "must be one of: yes, no"),
    (CHOICE, "Yes", "must be one of: yes, no"),  # the label is not the value
    (CHOICE, 1, "must be one of: yes, no"),
    (CHOICE, ["yes"], "must be one of: yes, no"),
]


@pytest.mark.parametrize(("field", "raw", "message"), REFUSED,
                         ids=[f"{f.type}-{r!r}"[:60] for f, r, _ in REFUSED])
def test_invalid_values_are_refused_with_a_message_for_the_field(field: FormField, raw: Any,
                                                                  message: str) -> None:
    assert _error(field, raw) == message


@pytest.mark.parametrize("raw", ["--5", "+-5", "\u00b2"])
def test_malformed_signs_and_digits_read_must_be_a_whole_number(raw: str) -> None:
    assert _error(NUMBER, raw) == "must be a whole number"


def test_fields_left_out_of_a_submission_are_none_or_false() -> None:
    assert validate([TEXT, NUMBER, FLAG, DAY, CHOICE], {}) == {
        "text": None, "number": None, "flag": False, "day": None, "choice": None}


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(FormInvalid) as caught:
        validate([REQUIRED_TEXT, BOUNDED, REQUIRED_CHOICE], {"number": "99"})
    assert caught.value.field_errors == {"text": "is required", "number": "must be at most 30",
                                         "choice": "is required"}
    assert caught.value.details == {"fields": caught.value.field_errors,
                                    "codes": {"text": {"code": "required"}, "number": {"code": "max", "limit": "30"},
                                              "choice": {"code": "required"}}}


@pytest.mark.parametrize("key", ["owner", "client_id", "cycle_id", "loss_reason", "__class__"])
def test_a_submission_cannot_set_variables_that_are_not_fields_of_the_form(key: str) -> None:
    with pytest.raises(FormInvalid) as caught:
        validate([TEXT], {"text": "fine", key: "boris"})
    assert caught.value.field_errors == {key: "is not a field of this form"}


def test_a_readonly_field_keeps_the_cycle_value_whatever_is_submitted() -> None:
    field = FormField("amount", "Amount", type="long", readonly=True, default="10")
    assert validate([field], {"amount": "999"}, {"amount": 1_200_000}) == {"amount": 1_200_000}
    assert validate([field], {}, {"amount": 1_200_000}) == {"amount": 1_200_000}


def test_a_readonly_field_with_no_cycle_value_takes_its_typed_default() -> None:
    field = FormField("amount", "Amount", type="long", readonly=True, default="10")
    assert validate([field], {"amount": "999"}, {}) == {"amount": 10}
    assert validate([FormField("note", "Note", readonly=True)], {"note": "x"}) == {"note": None}


def test_a_form_field_without_maxlength_still_has_the_global_text_limit() -> None:
    assert _error(TEXT, "y" * 20_000) == f"must be at most {MAX_TEXT} characters"


# ---------------------------------------------------------------- through the facade

def test_the_demo_forms_are_read_from_the_diagram(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna)
    [(task, fields)] = platform.regulation.inbox(anna, cycle_id=cycle.id, with_forms=True)
    by_id = {f.id: f for f in fields}
    assert list(by_id) == ["contact_person", "budget", "need", "result", "loss_reason"]
    assert by_id["contact_person"].required and by_id["contact_person"].type == "string"
    assert by_id["budget"].type == "money" and by_id["budget"].min == 0 and by_id["budget"].currency == "RUB"
    assert by_id["need"].maxlength == 500
    assert by_id["result"].type == "enum" and by_id["result"].required
    assert by_id["result"].options == (("qualified", "Qualified"), ("refused", "Client refused"))
    _, form, variables = platform.regulation.task(anna, task.id)
    assert form == fields and variables["owner"] == "anna" and variables["client_name"] == "Acme"


def test_an_invalid_submission_is_refused_and_changes_nothing(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna)
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
    before = platform.regulation.cycle(anna, cycle.id)
    history_before = platform.regulation.history(anna, cycle.id)
    with pytest.raises(FormInvalid) as caught:
        platform.regulation.complete_task(anna, task.id, {"contact_person": " ", "budget": "-1", "need": "n" * 501,
                                               "result": "maybe", "owner": "boris"})
    assert caught.value.code == "form_invalid"
    assert caught.value.field_errors == {
        "contact_person": "is required", "budget": "must be at least 0",
        "need": "must be at most 500 characters", "result": "must be one of: qualified, refused",
        "owner": "is not a field of this form"}
    assert open_task(platform, anna, cycle.id, "Task_QualificationCall").id == task.id
    after = platform.regulation.cycle(anna, cycle.id)
    assert after == before and after.variables["owner"] == "anna"
    history = platform.regulation.history(anna, cycle.id)
    assert history == history_before and events(history, "completed") == []


def test_a_corrected_submission_after_a_refused_one_completes_the_task(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna)
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
    with pytest.raises(FormInvalid):
        platform.regulation.complete_task(anna, task.id, {"contact_person": "Maria", "result": "qualified",
                                               "owner": "boris"})
    done = platform.regulation.complete_task(anna, task.id, {"contact_person": "Maria", "result": "qualified"})
    assert done.stage == "Presentation" and done.variables["owner"] == "anna"
    [completed] = events(platform.regulation.history(anna, cycle.id), "completed")
    assert completed.actor == "anna" and completed.data["variables"]["contact_person"] == "Maria"
