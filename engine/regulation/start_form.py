"""The start form of a regulation: ``camunda:formData`` on its none start event, as Camunda Modeler writes it.

Its fields are asked when a sale starts (the start-sale page) and become cycle variables, validated
as task forms are (``forms.validate``). File fields are not offered at the start (there is no
cycle to attach the file to yet).
"""
from __future__ import annotations

from lxml import etree

from engine.regulation import forms
from engine.regulation import xml as bpmn_xml

STARTABLE_TYPES = ("string", "long", "boolean", "date", "enum", "money")
_NS = bpmn_xml.NS


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def fields(xml_text: str, process_key: str) -> list[forms.FormField]:
    """The start form's fields of the process ``process_key`` (empty without one)."""
    tree = bpmn_xml.parse_document(xml_text)
    process = next((p for p in tree.getroot().iterfind("bpmn:process", _NS) if p.get("id") == process_key), None)
    if process is None:
        return []
    out: list[forms.FormField] = []
    for start in process.iterfind("bpmn:startEvent", _NS):
        if any(etree.QName(child).localname.endswith("EventDefinition") for child in start if isinstance(child.tag, str)):
            continue  # a message, timer or signal start: nobody fills it in
        for fld in start.iterfind("bpmn:extensionElements/camunda:formData/camunda:formField", _NS):
            ftype = fld.get("type") or "string"
            if ftype not in STARTABLE_TYPES or not fld.get("id"):
                continue
            checks = {c.get("name"): c.get("config") for c in fld.iterfind("camunda:validation/camunda:constraint", _NS)}
            out.append(forms.FormField(
                id=fld.get("id") or "", label=fld.get("label") or fld.get("id") or "", type=ftype,
                required="required" in checks, readonly="readonly" in checks,
                min=_number(checks.get("min")), max=_number(checks.get("max")),
                minlength=_int(checks.get("minlength")), maxlength=_int(checks.get("maxlength")),
                default=fld.get("defaultValue") or None,
                options=tuple((v.get("id") or "", v.get("name") or v.get("id") or "")
                              for v in fld.iterfind("camunda:value", _NS)),
                currency="RUB" if ftype == "money" else None))
        if out:
            break
    return out
