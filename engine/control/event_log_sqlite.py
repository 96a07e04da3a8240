"""The event log as an OCEL 2.0 SQLite database: the standard's relational format.

The content is the OCEL 2.0 JSON export's (engine.control.event_log hands over the same object
types, objects and events, read a page at a time); this module only lays it out as the
specification's tables:

- ``event`` (ocel_id, ocel_type) and ``object`` (ocel_id, ocel_type);
- ``event_object`` (ocel_event_id, ocel_object_id, ocel_qualifier) and ``object_object``
  (ocel_source_id, ocel_target_id, ocel_qualifier): the relationships;
- ``event_map_type`` and ``object_map_type`` (ocel_type, ocel_type_map): each type's table suffix;
- ``event_<map>`` (ocel_id, ocel_time, the event type's attributes) per event type and
  ``object_<map>`` (ocel_id, ocel_time, ocel_changed_field, the object type's attributes) per
  object type; an object has one row, its initial values (ocel_changed_field NULL) at the time the
  JSON export gives its attributes.

Keys and foreign keys are the specification's. Times are ISO 8601 strings in UTC, the JSON
export's. The database is written with the standard library's sqlite3 into a temporary file
(nothing of it held in memory beyond SQLite's page cache and one batch of rows), then streamed out
in chunks; the file is removed when the stream ends or is closed.
"""
from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from typing import Any

CONTENT_TYPE = "application/vnd.sqlite3"
EXTENSION = "sqlite"
#: OCEL 2.0 attribute type -> the SQLite column type the specification names for it
COLUMN_TYPES = {"string": "TEXT", "integer": "INTEGER", "float": "REAL", "boolean": "BOOLEAN", "time": "TIMESTAMP"}
#: rows kept before they are written
BATCH = 1000
_EPOCH = "1970-01-01T00:00:00Z"
_WORD = re.compile(r"[^\W_]+")

_SCHEMA = """
CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT NOT NULL);
CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT NOT NULL);
CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT NOT NULL REFERENCES event_map_type (ocel_type));
CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT NOT NULL REFERENCES object_map_type (ocel_type));
CREATE TABLE event_object (
  ocel_event_id TEXT NOT NULL REFERENCES event (ocel_id),
  ocel_object_id TEXT NOT NULL REFERENCES object (ocel_id),
  ocel_qualifier TEXT NOT NULL,
  PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier));
CREATE TABLE object_object (
  ocel_source_id TEXT NOT NULL REFERENCES object (ocel_id),
  ocel_target_id TEXT NOT NULL REFERENCES object (ocel_id),
  ocel_qualifier TEXT NOT NULL,
  PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier));
"""


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class _Tables:
    """Type names -> table suffixes, unique whatever the case (SQLite's names ignore it) and never
    one that would name a table of the fixed schema (``event_object``, ``object_object``)."""

    def __init__(self) -> None:
        self.used = {"object"}

    def suffix(self, name: str) -> str:
        base = "".join(w[:1].upper() + w[1:] for w in _WORD.findall(name))[:100] or "Type"
        candidate, number = base, 2
        while candidate.casefold() in self.used:
            candidate, number = f"{base}_{number}", number + 1
        self.used.add(candidate.casefold())
        return candidate


class _Writer:
    """Inserts in batches of BATCH rows, whatever the tables."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.pending: dict[str, list[tuple[Any, ...]]] = {}
        self.count = 0

    def add(self, statement: str, row: tuple[Any, ...]) -> None:
        self.pending.setdefault(statement, []).append(row)
        self.count += 1
        if self.count >= BATCH:
            self.flush()

    def flush(self) -> None:
        for statement, rows in self.pending.items():
            self.db.executemany(statement, rows)
        self.pending, self.count = {}, 0


def _create_type_table(db: sqlite3.Connection, kind: str, suffix: str, attributes: list[dict[str, str]]) -> str:
    """Creates the table ``<kind>_<suffix>`` of one event or object type; returns its INSERT
    statement (the fixed columns, then the attributes in their declared order)."""
    table = _quoted(f"{kind}_{suffix}")
    fixed = (["ocel_id TEXT PRIMARY KEY REFERENCES event (ocel_id)", "ocel_time TIMESTAMP NOT NULL"] if kind == "event"
             else ["ocel_id TEXT NOT NULL REFERENCES object (ocel_id)", "ocel_time TIMESTAMP NOT NULL",
                   "ocel_changed_field TEXT"])
    columns = [f"{_quoted(a['name'])} {COLUMN_TYPES.get(a['type'], 'TEXT')}" for a in attributes]
    db.execute(f"CREATE TABLE {table} ({', '.join(fixed + columns)})")
    names = [c.split(" ")[0] for c in fixed] + [_quoted(a["name"]) for a in attributes]
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def write(path: str, object_types: list[dict[str, Any]], event_attributes: list[dict[str, str]],
          objects: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]]) -> None:
    """Writes the log into a new SQLite database at ``path``. ``object_types`` and the objects and
    events are in the OCEL 2.0 JSON export's form; every event type has ``event_attributes``."""
    tables = _Tables()
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode = OFF")  # a file made once and then only read
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_SCHEMA)
        rows = _Writer(db)
        object_inserts: dict[str, tuple[str, list[str]]] = {}
        for kind in object_types:
            suffix = tables.suffix(kind["name"])
            db.execute("INSERT INTO object_map_type VALUES (?, ?)", (kind["name"], suffix))
            statement = _create_type_table(db, "object", suffix, kind["attributes"])
            object_inserts[kind["name"]] = (statement, [a["name"] for a in kind["attributes"]])
        for obj in objects:
            rows.add("INSERT INTO object VALUES (?, ?)", (obj["id"], obj["type"]))
            statement, names = object_inserts[obj["type"]]
            values = {a["name"]: a["value"] for a in obj.get("attributes", [])}
            time = next((a["time"] for a in obj.get("attributes", [])), _EPOCH)
            rows.add(statement, (obj["id"], time, None, *(values.get(n) for n in names)))
            for relation in obj.get("relationships", []):
                rows.add("INSERT OR IGNORE INTO object_object VALUES (?, ?, ?)",
                         (obj["id"], relation["objectId"], relation["qualifier"]))
        event_inserts: dict[str, str] = {}
        names = [a["name"] for a in event_attributes]
        for event in events:
            if event["type"] not in event_inserts:
                suffix = tables.suffix(event["type"])
                db.execute("INSERT INTO event_map_type VALUES (?, ?)", (event["type"], suffix))
                event_inserts[event["type"]] = _create_type_table(db, "event", suffix, event_attributes)
            rows.add("INSERT INTO event VALUES (?, ?)", (event["id"], event["type"]))
            values = {a["name"]: a["value"] for a in event["attributes"]}
            rows.add(event_inserts[event["type"]], (event["id"], event["time"], *(values.get(n) for n in names)))
            for relation in event["relationships"]:
                rows.add("INSERT OR IGNORE INTO event_object VALUES (?, ?, ?)",
                         (event["id"], relation["objectId"], relation["qualifier"]))
        rows.flush()
        db.commit()


def stream(object_types: list[dict[str, Any]], event_attributes: list[dict[str, str]],
           objects: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]], chunk: int) -> Iterator[bytes]:
    """The database's bytes, ``chunk`` at a time. Nothing is read or written before the first
    chunk is asked for; the temporary file goes when the stream ends or is closed."""
    handle, path = tempfile.mkstemp(prefix="reglament-event-log-", suffix=".sqlite")
    os.close(handle)  # an empty file: SQLite makes a new database in it
    try:
        write(path, object_types, event_attributes, objects, events)
        with open(path, "rb") as file:
            while block := file.read(chunk):
                yield block
    finally:
        os.unlink(path)
