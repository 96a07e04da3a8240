"""What changed between two versions of a regulation: elements added, removed, changed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.regulation.xml import BPMN_NS, parse_document

DI_NAMESPACES = (
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
)


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    type: str
    name: str | None
    change: str  # added | removed | changed
    details: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"element_id": self.element_id, "type": self.type, "name": self.name,
                "change": self.change, "details": list(self.details)}


@dataclass(frozen=True)
class DiagramDiff:
    """What changed between two versions, added first, then removed, then changed."""

    changes: tuple[ElementChange, ...] = ()
    layout_changed: bool = False

    def of(self, kind: str) -> list[ElementChange]:
        return [c for c in self.changes if c.change == kind]

    def element_ids(self, kind: str) -> list[str]:
        return [c.element_id for c in self.of(kind)]

    def as_dict(self) -> dict[str, Any]:
        return {"changes": [c.as_dict() for c in self.changes], "layout_changed": self.layout_changed}


@dataclass(frozen=True)
class _Element:
    type: str
    name: str | None
    attributes: dict[str, str]
    parts: dict[str, str]  # semantic children (conditions, properties, forms...) as canonical text


def _semantic_elements(xml: str) -> tuple[dict[str, _Element], str]:
    root = parse_document(xml.encode("utf-8")).getroot()
    elements: dict[str, _Element] = {}
    layout: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        if qname.namespace in DI_NAMESPACES:
            if qname.namespace == DI_NAMESPACES[0]:
                layout.append(etree.tostring(el, method="c14n").decode("utf-8"))
            continue
        if qname.namespace != BPMN_NS or not el.get("id"):
            continue
        parts: dict[str, str] = {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            cq = etree.QName(child)
            if cq.namespace == BPMN_NS and child.get("id"):
                continue  # a semantic element of its own
            if cq.namespace in DI_NAMESPACES:
                continue
            label = cq.localname
            text = etree.tostring(child, method="c14n").decode("utf-8")
            parts[label] = parts.get(label, "") + text
        attributes = {etree.QName(k).localname if "}" in k else k: v
                      for k, v in el.attrib.items() if k != "id"}
        elements[el.get("id")] = _Element(qname.localname, el.get("name"), attributes, parts)
    return elements, "".join(sorted(layout))


def diff(old_xml: str, new_xml: str) -> DiagramDiff:
    old, old_layout = _semantic_elements(old_xml)
    new, new_layout = _semantic_elements(new_xml)
    changes: list[ElementChange] = []
    for element_id, el in new.items():
        if element_id not in old:
            changes.append(ElementChange(element_id, el.type, el.name, "added"))
    for element_id, el in old.items():
        if element_id not in new:
            changes.append(ElementChange(element_id, el.type, el.name, "removed"))
    for element_id, el in new.items():
        before = old.get(element_id)
        if before is None or before == el:
            continue
        details: list[str] = []
        if before.type != el.type:
            details.append(f"type {before.type} -> {el.type}")
        if before.name != el.name:
            details.append(f"name {before.name!r} -> {el.name!r}")
        for attr in sorted(set(before.attributes) | set(el.attributes)):
            if attr != "name" and before.attributes.get(attr) != el.attributes.get(attr):
                details.append(f"{attr}: {before.attributes.get(attr)!r} -> {el.attributes.get(attr)!r}")
        for part in sorted(set(before.parts) | set(el.parts)):
            if before.parts.get(part) != el.parts.get(part):
                details.append(f"{part} changed")
        changes.append(ElementChange(element_id, el.type, el.name, "changed", tuple(details)))
    order = {"added": 0, "removed": 1, "changed": 2}
    changes.sort(key=lambda c: (order[c.change], c.type, c.element_id))
    return DiagramDiff(tuple(changes), layout_changed=old_layout != new_layout)
