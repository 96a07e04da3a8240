"""The event log for process mining: every format loads in pm4py (a test-only dependency, AGPL,
never imported by the product), the OCEL 2.0 JSON has the standard's structure, and the log of a
filter streams a page at a time."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pm4py
import pytest
from analytics_history import build
from conftest import Clock

from engine.control import event_log
from engine.control.filters import Filters
from engine.platform.root import Reglament
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, InputInvalid


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    return build(platform, actors, clock)


def _export(platform: Reglament, actor: Actor, fmt: str, filters: Filters | None = None) -> str:
    _, _, chunks = platform.control.event_log(actor, filters or Filters(), fmt)
    return "".join(chunks)


def _saved(tmp_path: Path, text: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_xes_log_loads_in_pm4py_with_a_case_per_cycle(platform: Reglament, actors, history, tmp_path) -> None:
    text = _export(platform, actors["alex"], "xes")
    frame = pm4py.read_xes(_saved(tmp_path, text, "cycles.xes"), variant="iterparse")
    assert set(frame["case:concept:name"]) == {str(i) for i in history.values()}
    won = frame[frame["case:concept:name"] == str(history["won"])]
    completed = list(won[won["lifecycle:transition"] == "complete"]["concept:name"])
    tasks = [a for a in completed if a in ("Negotiate terms", "Review contract")]
    assert tasks == ["Negotiate terms", "Review contract", "Negotiate terms", "Review contract"], "the loop back"
    assert completed[0] == "Cycle started" and completed[-1] == "Sale won"
    assert set(won["org:resource"].dropna()) == {"anna", "pavel", "lena", "olga"}
    assert set(won["lifecycle:transition"]) == {"complete", "schedule", "assign"}
    assert list(won["time:timestamp"]) == sorted(won["time:timestamp"])
    assert set(won["case:regulation"]) == {"new_client_sale"} and set(won["case:status"]) == {"won"}
    assert set(won["case:segment"]) == {"Retail"} and set(won["case:manager"]) == {"anna"}
    ended = frame[frame["case:concept:name"] == str(history["ended"])]
    assert set(ended["case:status"]) == {"cancelled"}
    # a model mined from it knows the loop: the review's gateway goes back to negotiation
    dfg, _, _ = pm4py.discover_dfg(frame[frame["lifecycle:transition"] == "complete"])
    assert dfg[("Approved?", "Negotiate terms")] == 1 and dfg[("Approved?", "Sign contract")] == 1


def test_the_csv_log_loads_in_pm4py(platform: Reglament, actors, history, tmp_path) -> None:
    text = _export(platform, actors["alex"], "csv")
    frame = pd.read_csv(io.StringIO(text), dtype={"case_id": str})
    assert list(frame.columns) == event_log.csv_columns(True)
    frame = pm4py.format_dataframe(frame, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
    log = pm4py.convert_to_event_log(frame[frame["lifecycle"] == "complete"])
    assert sorted(trace.attributes["concept:name"] for trace in log) == sorted(str(i) for i in history.values())
    lost = [e["concept:name"] for t in log if t.attributes["concept:name"] == str(history["lost"]) for e in t]
    assert lost[0] == "Cycle started" and lost[-1] == "Lost at presentation"
    assert "Hold presentation" in lost


def test_the_ocel_json_has_the_ocel_2_structure_and_loads_in_pm4py(platform: Reglament, actors, history,
                                                                    tmp_path) -> None:
    text = _export(platform, actors["alex"], "ocel-json")
    document = json.loads(text)
    _check_ocel2(document)
    types = {o["type"] for o in document["objects"]}
    assert types == {"client", "cycle", "task", "manager"}
    cycle = next(o for o in document["objects"] if o["id"] == f"cycle-{history['won']}")
    assert {"objectId": "manager-anna", "qualifier": "managed by"} in cycle["relationships"]
    ocel = pm4py.read_ocel2_json(_saved(tmp_path, text, "cycles.jsonocel"))
    assert len(ocel.events) == len(document["events"])
    assert set(ocel.objects["ocel:type"]) == types
    flattened = pm4py.ocel_flattening(ocel, "cycle")
    assert set(flattened["case:concept:name"]) == {f"cycle-{i}" for i in history.values()}


def _check_ocel2(document: dict[str, Any]) -> None:
    """The OCEL 2.0 JSON format: objectTypes and eventTypes with typed attributes; objects with
    id, type, attributes (name, time, value) and relationships (objectId, qualifier); events with
    id, type, time, attributes (name, value) and relationships; ids unique, every type declared,
    every relationship to an object present."""
    assert set(document) == {"objectTypes", "eventTypes", "objects", "events"}
    kinds = {"string", "integer", "float", "boolean", "time"}
    declared: dict[str, dict[str, set[str]]] = {}
    for key in ("objectTypes", "eventTypes"):
        declared[key] = {}
        for item in document[key]:
            assert set(item) == {"name", "attributes"} and isinstance(item["name"], str)
            assert all(set(a) == {"name", "type"} and a["type"] in kinds for a in item["attributes"])
            declared[key][item["name"]] = {a["name"] for a in item["attributes"]}
    ids = [o["id"] for o in document["objects"]]
    assert len(ids) == len(set(ids))
    for obj in document["objects"]:
        assert {"id", "type"} <= set(obj) <= {"id", "type", "attributes", "relationships"}
        assert obj["type"] in declared["objectTypes"]
        for attribute in obj.get("attributes", []):
            assert set(attribute) == {"name", "time", "value"}
            assert attribute["name"] in declared["objectTypes"][obj["type"]]
            assert attribute["time"].endswith(("Z", "+00:00"))
    known = set(ids)
    event_ids = [e["id"] for e in document["events"]]
    assert len(event_ids) == len(set(event_ids))
    for item in [*document["objects"], *document["events"]]:
        for relation in item.get("relationships", []):
            assert set(relation) == {"objectId", "qualifier"} and relation["objectId"] in known, relation
    for event in document["events"]:
        assert set(event) == {"id", "type", "time", "attributes", "relationships"}
        assert event["type"] in declared["eventTypes"]
        assert all(set(a) == {"name", "value"} and a["name"] in declared["eventTypes"][event["type"]]
                   for a in event["attributes"])


def test_a_manager_exports_only_his_own_cycles_and_the_period_bounds_their_start(platform: Reglament, actors,
                                                                                  history) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(platform, actors["boris"], "csv"))))
    assert {r["case_id"] for r in rows} == {str(history["refused"]), str(history["ended"])}
    december = list(csv.DictReader(io.StringIO(
        _export(platform, actors["alex"], "csv", Filters.parse({"from": "2026-12-01"})))))
    assert {r["case_id"] for r in december} == {str(history["open"]), str(history["ended"])}
    with pytest.raises(Forbidden):
        platform.control.event_log(actors["boris"], Filters(manager="anna"), "csv")
    with pytest.raises(InputInvalid):
        platform.control.event_log(actors["alex"], Filters(), "bpmn")


def test_without_person_figures_the_log_names_no_one(platform: Reglament, actors, history) -> None:
    platform.settings = replace(platform.settings, person_figures=False)
    rows = list(csv.DictReader(io.StringIO(_export(platform, actors["alex"], "csv"))))
    assert rows and "resource" not in rows[0] and "manager" not in rows[0]
    xes = _export(platform, actors["alex"], "xes")
    assert "org:resource" not in xes and "anna" not in xes
    document = json.loads(_export(platform, actors["alex"], "ocel-json"))
    _check_ocel2(document)
    assert "manager" not in {o["type"] for o in document["objects"]}


def test_the_log_streams_a_page_at_a_time(platform: Reglament, actors, history, monkeypatch) -> None:
    """Each page is read in its own short transaction: with pages of 5 rows, the whole log comes
    from many small reads and is the same as with one big page."""
    whole = _export(platform, actors["alex"], "xes")
    reads: list[int] = []
    original = event_log.control_repo.event_page

    def counted(*args: Any) -> Any:
        page = original(*args)
        reads.append(len(page))
        return page

    monkeypatch.setattr(event_log, "PAGE", 5)
    monkeypatch.setattr(event_log, "CHUNK", 1)
    monkeypatch.setattr(event_log.control_repo, "event_page", counted)
    _, _, chunks = platform.control.event_log(actors["alex"], Filters(), "xes")
    first = next(chunks)
    assert first.startswith("<?xml") and reads == [], "nothing read before it is asked for"
    assert first + "".join(chunks) == whole
    assert len(reads) > 10 and max(reads) == 5


def test_the_product_never_imports_pm4py() -> None:
    """pm4py is AGPL: only these tests use it."""
    import ast

    root = Path(__file__).resolve().parents[2]
    found = [f"{path.relative_to(root)}" for top in ("engine", "storage", "web") for path in (root / top).rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, (ast.Import, ast.ImportFrom))
             and any((name or "").split(".")[0] == "pm4py"
                     for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]))]
    assert found == []
