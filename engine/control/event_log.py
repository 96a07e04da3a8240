"""The cycles' history as an event log for process mining: XES, OCEL 2.0 JSON or SQLite, or CSV.

A case is a cycle; its events are its history (engine.regulation.cycles records them), in the
order they were recorded. The filters are the analytics' ones (engine.control.filters) and the
period bounds the cycles' start, so every case is whole. The log streams out a page of ``PAGE``
rows at a time, each page read in its own short transaction: no whole log is held in memory and
nothing stays open between pages.

Each event has an activity (the task's or element's name, else "Cycle started" and the like) and a
lifecycle transition of the XES standard lifecycle model (IEEE 1849): a task opened is
``schedule``, assigned or claimed ``assign``, released ``reassign``, completed ``complete``, cancelled
by the regulation ``withdraw``; an incident ``suspend``s and a retry ``resume``s the cycle; the
start, elements passed and the end are ``complete``. Its resource (org:resource) is the login of the
person who acted, left out for the engine's own steps and when per-person figures are off.

OCEL 2.0 JSON has four object types: client, cycle, task and manager (a person of the department:
whoever manages a cycle or acted in one); an event's type is its activity, with the lifecycle
transition in brackets unless it is ``complete``. OCEL 2.0 SQLite has the same content in the
standard's relational tables (engine.control.event_log_sqlite).
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy.orm import Session

from engine.clients.files import escape_formula
from engine.control import event_log_sqlite
from storage.repositories import control as control_repo

Units = Callable[[], AbstractContextManager[Session]]
#: a log's chunks: text, or bytes for the SQLite database
Chunks = Iterator[str] | Iterator[bytes]

#: format name -> (content type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "xes": ("application/xml; charset=utf-8", "xes"),
    "ocel-json": ("application/json", "jsonocel"),
    "ocel-sqlite": (event_log_sqlite.CONTENT_TYPE, event_log_sqlite.EXTENSION),
    "csv": ("text/csv; charset=utf-8", "csv"),
}
PAGE = 1000
#: cycles whose events one run of pages reads (their ids select the events by index)
CYCLES_PAGE = 200
#: about how many characters each streamed chunk holds
CHUNK = 64 * 1024
#: history event type -> XES lifecycle transition (standard model)
LIFECYCLE = {"created": "schedule", "assigned": "assign", "claimed": "assign", "released": "reassign",
             "completed": "complete", "passed": "complete", "cancelled": "withdraw", "incident": "suspend",
             "retried": "resume", "started": "complete", "ended": "complete"}
#: activities of events that belong to no element
CYCLE_ACTIVITIES = {"started": "Cycle started", "ended": "Cycle ended", "incident": "Incident",
                    "retried": "Cycle retried"}
_EPOCH = "1970-01-01T00:00:00Z"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def lifecycle(row: Any) -> str:
    return LIFECYCLE.get(row.type, "complete")


def activity(row: Any) -> str:
    return str(row.task_name or row.element_id or CYCLE_ACTIVITIES.get(row.type) or row.type)


def event_type(row: Any) -> str:
    """The OCEL event type: the activity, with the transition in brackets unless ``complete``."""
    transition = lifecycle(row)
    return activity(row) if transition == "complete" else f"{activity(row)} ({transition})"


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _stage(row: Any) -> str | None:
    stage = (row.data or {}).get("stage") if isinstance(row.data, dict) else None
    return str(stage) if stage else None


def _cycle_pages(query: Units, scope: control_repo.Scope) -> Iterator[list[int]]:
    """The ids of the cycles in scope, CYCLES_PAGE at a time."""
    after = 0
    while True:
        with query() as s:
            ids = control_repo.cycle_ids(s, scope, after, CYCLES_PAGE)
        if ids:
            yield ids
        if len(ids) < CYCLES_PAGE:
            return
        after = ids[-1]


def _events(query: Units, scope: control_repo.Scope) -> Iterator[Any]:
    for ids in _cycle_pages(query, scope):
        yield from _pages(query, partial(_event_page, ids), (0, 0), lambda r: (r.cycle_id, r.id))


def _event_page(ids: list[int], session: Session, after: tuple[int, int]) -> Any:
    return control_repo.event_page(session, ids, after, PAGE)


def _task_page(ids: list[int], session: Session, after: str) -> Any:
    return control_repo.task_page(session, ids, after, PAGE)


def _buffered(parts: Iterator[str]) -> Iterator[str]:
    """Joins small pieces into chunks of about CHUNK characters."""
    size = CHUNK
    buffer: list[str] = []
    length = 0
    for part in parts:
        buffer.append(part)
        length += len(part)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def stream(query: Units, scope: control_repo.Scope, fmt: str, person_figures: bool) -> Chunks:
    """The log in ``fmt`` (one of FORMATS) as chunks: text, bytes for ``ocel-sqlite``."""
    if fmt == "ocel-sqlite":
        events = (_ocel_event(row, person_figures) for row in _events(query, scope))
        return event_log_sqlite.stream(_object_types(person_figures), _type("", *EVENT_ATTRIBUTES)["attributes"],
                                       _ocel_objects(query, scope, person_figures), events, CHUNK)
    if fmt == "xes":
        return _buffered(_xes(query, scope, person_figures))
    if fmt == "ocel-json":
        return _buffered(_ocel(query, scope, person_figures))
    return _buffered(_csv(query, scope, person_figures))


# ---------------------------------------------------------------- XES (IEEE 1849)

def _attr(kind: str, key: str, value: Any) -> str:
    text = _time(value) if kind == "date" else str(value)
    return f'<{kind} key="{escape(key)}" value="{escape(_NOT_XML.sub("", text), {chr(34): "&quot;"})}"/>'


_XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="Activity with transition" keys="concept:name lifecycle:transition"/>
  <string key="concept:name" value="Reglament cycles"/>
  <string key="lifecycle:model" value="standard"/>
"""


def _xes(query: Units, scope: control_repo.Scope, persons: bool) -> Iterator[str]:
    yield _XES_HEAD
    current = None
    for row in _events(query, scope):
        if row.cycle_id != current:
            if current is not None:
                yield "  </trace>\n"
            current = row.cycle_id
            case = [_attr("string", "concept:name", row.cycle_id), _attr("int", "client_id", row.client_id),
                    _attr("string", "client", row.client_name), _attr("string", "regulation", row.regulation),
                    _attr("int", "version", row.version), _attr("string", "status", row.status),
                    _attr("date", "started_at", row.started_at)]
            optional = [("segment", row.segment), ("outcome", row.outcome), ("loss_reason", row.loss_reason)]
            if persons:
                optional.append(("manager", row.manager))
            case += [_attr("string", k, v) for k, v in optional if v]
            if row.ended_at:
                case.append(_attr("date", "ended_at", row.ended_at))
            yield "  <trace>\n    " + "\n    ".join(case) + "\n"
        attrs = [_attr("string", "concept:name", activity(row)), _attr("date", "time:timestamp", row.at),
                 _attr("string", "lifecycle:transition", lifecycle(row)), _attr("string", "event_type", row.type)]
        if persons and row.actor:
            attrs.append(_attr("string", "org:resource", row.actor))
        extra = [("element_id", row.element_id), ("task_id", row.task_id), ("stage", _stage(row))]
        attrs += [_attr("string", k, v) for k, v in extra if v]
        yield "    <event>\n      " + "\n      ".join(attrs) + "\n    </event>\n"
    if current is not None:
        yield "  </trace>\n"
    yield "</log>\n"


# ---------------------------------------------------------------- OCEL 2.0 JSON

def _type(name: str, *attributes: tuple[str, str]) -> dict[str, Any]:
    return {"name": name, "attributes": [{"name": n, "type": t} for n, t in attributes]}


EVENT_ATTRIBUTES = (("lifecycle", "string"), ("event_type", "string"), ("element_id", "string"),
                    ("stage", "string"))


def _object_types(persons: bool) -> list[dict[str, Any]]:
    found = [_type("client", ("name", "string"), ("segment", "string")),
             _type("cycle", ("regulation", "string"), ("version", "integer"), ("status", "string"),
                   ("outcome", "string"), ("started_at", "time")),
             _type("task", ("element_id", "string"), ("name", "string"), ("stage", "string"))]
    if persons:
        found.append(_type("manager", ("login", "string"), ("name", "string")))
    return found


def _values(time: str, **values: Any) -> list[dict[str, Any]]:
    return [{"name": k, "time": time, "value": v} for k, v in values.items() if v is not None]


def _pages(query: Units, read: Callable[[Session, Any], Any], first: Any, key: Callable[[Any], Any]) -> Iterator[Any]:
    after = first
    while True:
        with query() as s:
            page = read(s, after)
        yield from page
        if len(page) < PAGE:
            return
        after = key(page[-1])


def _ocel_objects(query: Units, scope: control_repo.Scope, persons: bool) -> Iterator[dict[str, Any]]:
    for c in _pages(query, lambda s, a: control_repo.client_page(s, scope, a, PAGE), 0, lambda r: r.id):
        yield {"id": f"client-{c.id}", "type": "client",
               "attributes": _values(_time(c.created_at), name=c.name, segment=c.segment)}
    for c in _pages(query, lambda s, a: control_repo.cycle_page(s, scope, a, PAGE), 0, lambda r: r.cycle_id):
        relationships = [{"objectId": f"client-{c.client_id}", "qualifier": "for client"}]
        if persons and c.manager:
            relationships.append({"objectId": f"manager-{c.manager}", "qualifier": "managed by"})
        yield {"id": f"cycle-{c.cycle_id}", "type": "cycle",
               "attributes": _values(_time(c.started_at), regulation=c.regulation, version=c.version,
                                     status=c.status, outcome=c.outcome, started_at=_time(c.started_at)),
               "relationships": relationships}
    tasks = (t for ids in _cycle_pages(query, scope)
             for t in _pages(query, partial(_task_page, ids), "", lambda r: r.task_id))
    for t in tasks:
        yield {"id": f"task-{t.task_id}", "type": "task",
               "attributes": _values(_time(t.first_at), element_id=t.element_id, name=t.name, stage=t.stage),
               "relationships": [{"objectId": f"cycle-{t.cycle_id}", "qualifier": "part of"}]}
    if persons:
        with query() as s:
            people = control_repo.people(s, scope)
        for login, name in people:
            yield {"id": f"manager-{login}", "type": "manager", "attributes": _values(_EPOCH, login=login, name=name)}


def _ocel_event(row: Any, persons: bool) -> dict[str, Any]:
    relationships = [{"objectId": f"cycle-{row.cycle_id}", "qualifier": "cycle"},
                     {"objectId": f"client-{row.client_id}", "qualifier": "client"}]
    if row.task_id:
        relationships.append({"objectId": f"task-{row.task_id}", "qualifier": "task"})
    if persons and row.actor:
        relationships.append({"objectId": f"manager-{row.actor}", "qualifier": "resource"})
    values = {"lifecycle": lifecycle(row), "event_type": row.type, "element_id": row.element_id, "stage": _stage(row)}
    return {"id": f"event-{row.id}", "type": event_type(row), "time": _time(row.at),
            "attributes": [{"name": k, "value": v} for k, v in values.items() if v is not None],
            "relationships": relationships}


def _ocel(query: Units, scope: control_repo.Scope, persons: bool) -> Iterator[str]:
    yield '{"objectTypes": ' + json.dumps(_object_types(persons), ensure_ascii=False) + ',\n"objects": ['
    for number, obj in enumerate(_ocel_objects(query, scope, persons)):
        yield ("," if number else "") + "\n" + json.dumps(obj, ensure_ascii=False)
    yield '\n],\n"events": ['
    types: set[str] = set()
    for number, row in enumerate(_events(query, scope)):
        event = _ocel_event(row, persons)
        types.add(event["type"])
        yield ("," if number else "") + "\n" + json.dumps(event, ensure_ascii=False)
    event_types = [_type(name, *EVENT_ATTRIBUTES) for name in sorted(types)]
    yield '\n],\n"eventTypes": ' + json.dumps(event_types, ensure_ascii=False) + "}\n"


# ---------------------------------------------------------------- CSV

def csv_columns(persons: bool) -> list[str]:
    columns = ["case_id", "activity", "timestamp", "lifecycle", "resource", "event_type", "element_id", "task_id",
               "stage", "client_id", "client", "segment", "regulation", "version", "manager", "status", "outcome"]
    return columns if persons else [c for c in columns if c not in ("resource", "manager")]


def _csv(query: Units, scope: control_repo.Scope, persons: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = csv_columns(persons)
    writer.writerow(columns)
    for row in _events(query, scope):
        values = {"case_id": row.cycle_id, "activity": activity(row), "timestamp": _time(row.at),
                  "lifecycle": lifecycle(row), "resource": row.actor, "event_type": row.type,
                  "element_id": row.element_id, "task_id": row.task_id, "stage": _stage(row),
                  "client_id": row.client_id, "client": row.client_name, "segment": row.segment,
                  "regulation": row.regulation, "version": row.version, "manager": row.manager,
                  "status": row.status, "outcome": row.outcome}
        writer.writerow([escape_formula(str(values[c])) if values[c] is not None else "" for c in columns])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
