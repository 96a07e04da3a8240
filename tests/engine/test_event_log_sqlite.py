"""The event log as an OCEL 2.0 SQLite database: the standard's relational schema (checked by
pm4py's OCEL 2.0 relational validation), the same events, objects and values as the OCEL 2.0 JSON
export when pm4py reads both (a test-only dependency, AGPL, never imported by the product), a file
made only when asked for and removed after, and its download from the page and the API, on the
fixed history of tests/analytics_history.py."""
from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from collections import Counter
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pm4py
import pytest
from analytics_history import build
from conftest import Clock
from flask.testing import FlaskClient
from pm4py.objects.ocel.validation import ocel20_rel_validation

from engine.control import event_log
from engine.control.filters import Filters
from engine.demo import loader as demo
from engine.platform.root import Reglament
from engine.shared.access import Actor
from web.app import create_app

LINK = {"en": "OCEL 2.0 SQLite (a database file)", "ru": "OCEL 2.0 SQLite (файл базы данных)"}
#: hand-counted objects of the history: five clients and cycles; a "task" per element run (tasks,
#: gateways and events passed: won 20 with the loop, lost 7, refused 4, open 7, ended 3); the people
#: who acted or manage (anna, boris, pavel, lena, olga)
OBJECTS = {"client": 5, "cycle": 5, "task": 41, "manager": 5}


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    return build(platform, actors, clock)


def _sqlite(platform: Reglament, actor: Actor, tmp_path: Path, filters: Filters | None = None) -> Path:
    content_type, extension, chunks = platform.control.event_log(actor, filters or Filters(), "ocel-sqlite")
    assert (content_type, extension) == ("application/vnd.sqlite3", "sqlite")
    path = tmp_path / "cycles.sqlite"
    path.write_bytes(b"".join(chunks))  # type: ignore[arg-type]
    return path


def _json(platform: Reglament, actor: Actor, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    _, _, chunks = platform.control.event_log(actor, Filters(), "ocel-json")
    text = "".join(chunks)  # type: ignore[arg-type]
    path = tmp_path / "cycles.jsonocel"
    path.write_text(text, encoding="utf-8")
    return json.loads(text), path


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def test_pm4py_reads_the_same_log_from_sqlite_as_from_json(platform: Reglament, actors, history, tmp_path) -> None:
    document, json_path = _json(platform, actors["alex"], tmp_path)
    path = _sqlite(platform, actors["alex"], tmp_path)
    assert ocel20_rel_validation.apply(str(path))[1] == [], "every constraint of the OCEL 2.0 relational format"
    ocel, expected = pm4py.read_ocel2_sqlite(str(path)), pm4py.read_ocel2_json(str(json_path))
    assert Counter(ocel.objects["ocel:type"]) == Counter(o["type"] for o in document["objects"]) == OBJECTS
    assert len(ocel.events) == len(expected.events) == len(document["events"]) == 85
    assert set(ocel.events["ocel:eid"]) == {e["id"] for e in document["events"]}
    times = dict(zip(ocel.events["ocel:eid"], ocel.events["ocel:timestamp"], strict=True))
    assert times == dict(zip(expected.events["ocel:eid"], expected.events["ocel:timestamp"], strict=True))
    assert Counter(ocel.events["ocel:activity"]) == Counter(e["type"] for e in document["events"])
    relations = {(r["ocel:eid"], r["ocel:oid"], r["ocel:qualifier"]) for _, r in ocel.relations.iterrows()}
    assert relations == {(e["id"], r["objectId"], r["qualifier"]) for e in document["events"] for r in e["relationships"]}
    objects = ocel.objects.set_index("ocel:oid")
    won = objects.loc[f"cycle-{history['won']}"]
    assert (won["regulation"], won["version"], won["status"], won["outcome"]) == ("new_client_sale", 1, "won", "won")
    assert objects.loc[objects["name"] == "Won Ltd", "segment"].tolist() == ["Retail"]
    assert all(objects.loc[o["id"], a["name"]] == a["value"] for o in document["objects"] for a in o["attributes"])
    events = ocel.events.set_index("ocel:eid")
    assert all(events.loc[e["id"], a["name"]] == a["value"] for e in document["events"] for a in e["attributes"])
    o2o = {(r["ocel:oid"], r["ocel:oid_2"], r["ocel:qualifier"]) for _, r in ocel.o2o.iterrows()}
    assert o2o == {(o["id"], r["objectId"], r["qualifier"]) for o in document["objects"] for r in o.get("relationships", [])}
    assert (f"cycle-{history['won']}", "manager-anna", "managed by") in o2o
    flattened = pm4py.ocel_flattening(ocel, "cycle")
    assert set(flattened["case:concept:name"]) == {f"cycle-{i}" for i in history.values()}


def test_the_tables_are_the_standards(platform: Reglament, actors, history, tmp_path) -> None:
    path = _sqlite(platform, actors["alex"], tmp_path)
    tables = {name for (name,) in _rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"event", "object", "event_object", "object_object", "event_map_type", "object_map_type",
            "object_Client", "object_Cycle", "object_Task", "object_Manager", "event_CycleStarted"} <= tables
    columns = [name for _, name, kind, *_ in _rows(path, "PRAGMA table_info(object_Cycle)")]
    assert columns == ["ocel_id", "ocel_time", "ocel_changed_field", "regulation", "version", "status", "outcome",
                       "started_at"]
    kinds = {name: kind for _, name, kind, *_ in _rows(path, "PRAGMA table_info(event_CycleStarted)")}
    assert kinds == {"ocel_id": "TEXT", "ocel_time": "TIMESTAMP", "lifecycle": "TEXT", "event_type": "TEXT",
                     "element_id": "TEXT", "stage": "TEXT"}
    maps = dict(_rows(path, "SELECT ocel_type, ocel_type_map FROM event_map_type"))
    assert maps["Cycle started"] == "CycleStarted" and maps["Negotiate terms (assign)"] == "NegotiateTermsAssign"
    assert len({m.casefold() for m in maps.values()}) == len(maps) == len(
        {t for (t,) in _rows(path, "SELECT DISTINCT ocel_type FROM event")})
    [(when, changed, version)] = _rows(path, f"SELECT ocel_time, ocel_changed_field, version FROM object_Cycle "
                                             f"WHERE ocel_id = 'cycle-{history['won']}'")
    assert (when, changed, version) == ("2026-11-26T09:00:00.000+00:00", None, 1)
    assert _rows(path, "SELECT count(*) FROM event_object WHERE ocel_qualifier = 'resource'")[0][0] > 0


def test_without_person_figures_the_database_names_no_one(platform: Reglament, actors, history, tmp_path) -> None:
    platform.settings = replace(platform.settings, person_figures=False)
    path = _sqlite(platform, actors["alex"], tmp_path)
    assert ocel20_rel_validation.apply(str(path))[1] == []
    assert b"anna" not in path.read_bytes() and b"manager" not in path.read_bytes()
    assert {t for (t,) in _rows(path, "SELECT ocel_type FROM object_map_type")} == {"client", "cycle", "task"}


def test_a_manager_gets_his_own_cycles_and_the_period_bounds_their_start(platform: Reglament, actors, history,
                                                                         tmp_path) -> None:
    mine = _sqlite(platform, actors["boris"], tmp_path)
    assert {i for (i,) in _rows(mine, "SELECT ocel_id FROM object WHERE ocel_type = 'cycle'")} == {
        f"cycle-{history['refused']}", f"cycle-{history['ended']}"}
    december = _sqlite(platform, actors["alex"], tmp_path, Filters.parse({"from": "2026-12-01"}))
    assert {i for (i,) in _rows(december, "SELECT ocel_id FROM object WHERE ocel_type = 'cycle'")} == {
        f"cycle-{history['open']}", f"cycle-{history['ended']}"}


def test_the_file_is_made_when_asked_for_a_page_at_a_time_and_removed_after(platform: Reglament, actors, history,
                                                                            tmp_path, monkeypatch) -> None:
    whole = _sqlite(platform, actors["alex"], tmp_path).read_bytes()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    reads: list[int] = []
    original = event_log.control_repo.event_page

    def counted(*args: Any) -> Any:
        page = original(*args)
        reads.append(len(page))
        return page

    monkeypatch.setattr(event_log, "PAGE", 5)
    monkeypatch.setattr(event_log, "CHUNK", 4096)
    monkeypatch.setattr(event_log.control_repo, "event_page", counted)
    _, _, chunks = platform.control.event_log(actors["alex"], Filters(), "ocel-sqlite")
    assert reads == [] and list(scratch.iterdir()) == [], "nothing read or written before it is asked for"
    first = next(chunks)
    assert first.startswith(b"SQLite format 3\x00") and len(first) == 4096 and len(list(scratch.iterdir())) == 1
    rest = b"".join(chunks)  # type: ignore[arg-type]
    assert list(scratch.iterdir()) == [], "the temporary file goes when the stream ends"
    assert len(first + rest) == len(whole) and len(reads) > 10 and max(reads) == 5
    _, _, abandoned = platform.control.event_log(actors["alex"], Filters(), "ocel-sqlite")
    next(abandoned)
    abandoned.close()  # type: ignore[attr-defined]
    assert list(scratch.iterdir()) == [], "and when the download is abandoned"


def _logged_in(platform: Reglament, who: str) -> FlaskClient:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}, platform=platform)
    client = app.test_client()
    assert client.post("/login", data={"login": who, "password": demo.PASSWORD}).status_code == 302
    return client


def _check_download(response: Any) -> bytes:
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/vnd.sqlite3"
    assert re.fullmatch(r'attachment; filename="event-log-\d{4}-\d\d-\d\d\.sqlite"', response.headers["Content-Disposition"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    data: bytes = response.get_data()
    assert data.startswith(b"SQLite format 3\x00")
    return data


@pytest.mark.parametrize(("who", "language"), [("alex", "en"), ("boris", "ru")])
def test_the_page_offers_the_database_in_english_and_russian(platform: Reglament, history, tmp_path, who: str,
                                                             language: str) -> None:
    client = _logged_in(platform, who)
    page = client.get("/control/funnel").get_data(as_text=True)
    [link] = re.findall(r'<a href="(/control/event-log\?[^"]*format=ocel-sqlite[^"]*)">([^<]+)</a>', page)
    assert link[1] == LINK[language] and LINK["en" if language == "ru" else "ru"] not in page
    path = tmp_path / "page.sqlite"
    path.write_bytes(_check_download(client.get(link[0].replace("&amp;", "&"))))
    assert len(pm4py.read_ocel2_sqlite(str(path)).events) > 0


def test_the_api_serves_the_database(platform: Reglament, history, tmp_path) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}, platform=platform)
    client = app.test_client()
    token = client.post("/api/v1/token", json={"login": "boris", "password": demo.PASSWORD}).get_json()["token"]
    response = client.get("/api/v1/event-log?format=ocel-sqlite", headers={"Authorization": f"Bearer {token}"})
    path = tmp_path / "api.sqlite"
    path.write_bytes(_check_download(response))
    ocel = pm4py.read_ocel2_sqlite(str(path))
    assert set(ocel.objects[ocel.objects["ocel:type"] == "cycle"]["ocel:oid"]) == {
        f"cycle-{history['refused']}", f"cycle-{history['ended']}"}
    wrong = client.get("/api/v1/event-log?format=sqlite", headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 422 and "ocel-sqlite" in wrong.get_json()["message"]
