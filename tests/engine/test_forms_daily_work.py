"""Task forms for daily work (issue 16): amounts as people type them, a reason required when
refusing, files attached to a step, and what a task shows of the client and of earlier steps."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from cycle_helpers import complete, open_task, start

from engine.platform.root import Reglament
from engine.regulation.forms import (
    MAX_FILE_BYTES,
    FileRef,
    FormField,
    RequiredIf,
    Upload,
    money_value,
    validate,
)
from engine.regulation.versions import SourceFile
from engine.shared.errors import Forbidden, FormInvalid, RegulationInvalid

AMOUNT = FormField("amount", "Deal amount", type="money", required=True, min=1, currency="RUB")
RESULT = FormField("result", "Result", type="enum", required=True,
                   options=(("qualified", "Qualified"), ("refused", "Client refused")))
REASON = FormField("loss_reason", "Loss reason", required_if=RequiredIf("result", ("refused",)))
CONTRACT = FormField("contract", "Contract", type="file")
PDF_ONLY = FormField("contract", "Contract", type="file", accept=(".pdf",))


def _codes(fields: list[FormField], submitted: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    with pytest.raises(FormInvalid) as caught:
        validate(fields, submitted)
    return caught.value.codes


@pytest.mark.parametrize(("typed", "amount"), [
    ("250000.50", "250000.50"), ("250 000,50", "250000.50"), ("250\u00a0000,5", "250000.50"),
    ("1.500.000,50", "1500000.50"), ("1,500,000.50", "1500000.50"), ("1000,125", "1000.13"), (1200, "1200.00"),
    (99.99, "99.99"), ("999999999999.99", "999999999999.99"),
])
def test_an_amount_is_read_as_people_write_it_kopecks_half_up(typed: Any, amount: str) -> None:
    value = validate([AMOUNT], {"amount": typed})["amount"]
    assert money_value(value) == Decimal(amount)


@pytest.mark.parametrize(("typed", "code"), [
    ("250000.50.1", "money"), ("abc", "money"), ("1,500", "money_ambiguous"), ("0", "min"), ("-5", "min"),
    ("1000000000000", "max"), ("", "required"), (True, "money"),
])
def test_a_wrong_amount_names_what_is_wrong(typed: Any, code: str) -> None:
    assert _codes([AMOUNT], {"amount": typed})["amount"][0] == code


def test_the_old_whole_number_refusal_of_kopecks_is_gone() -> None:
    """The defect: "250000.50" was refused as "must be a whole number"."""
    assert money_value(validate([AMOUNT], {"amount": "250000.50"})["amount"]) == Decimal("250000.50")


def test_a_reason_is_required_only_when_refusing() -> None:
    assert validate([RESULT, REASON], {"result": "qualified"})["loss_reason"] is None
    codes = _codes([RESULT, REASON], {"result": "refused", "loss_reason": "  "})
    assert codes == {"loss_reason": ("required_if", {"field": "Result", "value": "Client refused"})}
    assert validate([RESULT, REASON], {"result": "refused", "loss_reason": "Too expensive"})["loss_reason"] == \
        "Too expensive"


def test_required_if_without_values_means_any_value() -> None:
    note = FormField("note", "Note", required_if=RequiredIf.parse("other"))
    other = FormField("other", "Other")
    assert validate([other, note], {})["note"] is None
    assert _codes([other, note], {"other": "x"})["note"][0] == "required_if"


def test_a_file_is_bounded_by_size_and_kind() -> None:
    ok = validate([CONTRACT], {"contract": Upload("C:\\docs\\Договор.docx", b"PK...")})["contract"]
    assert isinstance(ok, Upload) and ok.filename == "Договор.docx"
    big = Upload("contract.pdf", b"x" * (MAX_FILE_BYTES + 1))
    assert _codes([CONTRACT], {"contract": big})["contract"] == ("file_size", {"limit": 5})
    assert _codes([CONTRACT], {"contract": Upload("run.exe", b"MZ")})["contract"][0] == "file_type"
    assert _codes([PDF_ONLY], {"contract": Upload("c.docx", b"PK")})["contract"] == (
        "file_type", {"allowed": ".pdf"})
    assert _codes([CONTRACT], {"contract": Upload("empty.pdf", b"")})["contract"][0] == "file_empty"


def test_a_json_submission_cannot_point_a_file_field_at_a_stored_file() -> None:
    forged = {"file_id": 1, "name": "someone else's.pdf", "size": 10}
    assert _codes([CONTRACT], {"contract": forged})["contract"][0] == "file"
    assert validate([CONTRACT], {"contract": FileRef.of(1, "c.pdf", 10)})["contract"]["file_id"] == 1


# ---------------------------------------------------------------- through the platform

def _qualify(platform: Reglament, anna, cycle_id: int) -> None:
    complete(platform, anna, cycle_id, "Task_QualificationCall", {
        "contact_person": "Maria Ivanova", "budget": "1 500 000,50", "need": "CRM for 40 sellers",
        "result": "qualified"})


def test_refusing_without_a_reason_is_refused_naming_the_field(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna)
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
    with pytest.raises(FormInvalid) as caught:
        platform.regulation.complete_task(anna, task.id, {"contact_person": "Maria", "result": "refused"})
    assert caught.value.field_errors == {"loss_reason": "is required when Result is Client refused"}
    done = platform.regulation.complete_task(anna, task.id, {"contact_person": "Maria", "result": "refused",
                                                             "loss_reason": "No budget this year"})
    assert done.status == "lost" and done.loss_reason == "No budget this year"


def test_the_next_step_sees_the_client_card_and_what_earlier_steps_recorded(platform: Reglament, actors) -> None:
    anna, pavel = actors["anna"], actors["pavel"]
    client = platform.clients.create_client(anna, "Acme", contact={"name": "Maria Ivanova", "phone": "+7 916 123-45-67",
                                                                   "email": "maria@acme.example"})
    cycle = platform.regulation.start_cycle(anna, client.id, "new_client_sale")
    _qualify(platform, anna, cycle.id)
    demo = open_task(platform, pavel, cycle.id, "Task_PrepareDemo")  # presales, another department
    context = platform.regulation.task_context(pavel, demo.id)
    assert context.client.name == "Acme" and context.client.owner_login == "anna"
    assert context.client.contacts[0]["phone"] == "+7 916 123-45-67"
    assert context.client.contacts[0]["email"] == "maria@acme.example"
    [step] = context.steps
    assert step.name == "Qualification call" and step.actor == "anna"
    shown = {v.label: v.value for v in step.values}
    assert shown == {"Contact person": "Maria Ivanova", "Budget": Decimal("1500000.50"),
                     "Need": "CRM for 40 sellers", "Result": "Qualified"}
    assert context.as_dict()["steps"][0]["values"][1] == {
        "field": "budget", "label": "Budget", "type": "money", "value": "1500000.50", "currency": "RUB"}


def test_a_file_sent_with_a_step_is_stored_shown_later_and_downloaded_by_who_may_see(
        platform: Reglament, actors) -> None:
    anna, boris, pavel = actors["anna"], actors["boris"], actors["pavel"]
    cycle = start(platform, anna)
    _qualify(platform, anna, cycle.id)
    complete(platform, pavel, cycle.id, "Task_PrepareDemo", {"demo_date": "2026-12-10"})
    complete(platform, anna, cycle.id, "Task_Presentation", {"result": "interested"})
    proposal = open_task(platform, anna, cycle.id, "Task_Proposal")
    with pytest.raises(FormInvalid) as caught:  # a bad amount: nothing is stored
        platform.regulation.complete_task(anna, proposal.id, {"amount": "1,500"},
                                          {"proposal_file": Upload("offer.pdf", b"%PDF-1.4 offer")})
    assert set(caught.value.field_errors) == {"amount"}
    done = platform.regulation.complete_task(anna, proposal.id, {"amount": "250 000,50"},
                                             {"proposal_file": Upload("offer.pdf", b"%PDF-1.4 offer")})
    ref = done.variables["proposal_file"]
    assert ref["name"] == "offer.pdf" and ref["size"] == 14
    assert money_value(done.variables["amount"]) == Decimal("250000.50")
    negotiation = open_task(platform, anna, cycle.id, "Task_Negotiation")
    steps = platform.regulation.task_context(anna, negotiation.id).steps
    shown = {v.label: v.value for s in steps for v in s.values}
    assert shown["Deal amount"] == Decimal("250000.50") and shown["Proposal document"]["file_id"] == ref["file_id"]
    stored, data = platform.regulation.attachment(anna, ref["file_id"])
    assert (stored.filename, stored.content_type, data) == ("offer.pdf", "application/pdf", b"%PDF-1.4 offer")
    with pytest.raises(Forbidden):
        platform.regulation.attachment(boris, ref["file_id"])


_FORM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="forms_check" name="Forms check" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t" name="T" camunda:assignee="${owner}">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="outcome" label="Outcome" type="string" />
        <camunda:formField id="sum" label="Sum" type="money" />
        <camunda:formField id="doc" label="Doc" type="file" />
        <camunda:formField id="why" label="Why" type="string">
          <camunda:validation><camunda:constraint name="required_if" config="%s" /></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_money_file_and_required_if_deploy_and_a_required_if_on_no_field_is_refused(
        platform: Reglament, actors) -> None:
    head = actors["head"]
    assert platform.regulation.deploy(head, [SourceFile("f.bpmn", (_FORM % "outcome=lost").encode())]).version == 1
    with pytest.raises(RegulationInvalid) as caught:
        platform.regulation.deploy(head, [SourceFile("g.bpmn", (_FORM % "nothing=lost").encode())])
    assert "required_if needs another field of this form" in str(caught.value.details)
