"""What the area services answer the web: typed read models, never database rows.

Every public method of a service in ``engine/platform`` is walked through its return annotation,
into tuples, lists, mappings, unions and the fields of the dataclasses it names: no type on the way
may be a storage model (an ORM row would reach the templates and the API, lazy loads and all).
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import sys
import typing
from types import ModuleType

import engine.platform
from storage.models.base import Base

SKIPPED = {"command", "query", "lookup"}


def _services() -> list[tuple[ModuleType, type]]:
    found = []
    for info in pkgutil.iter_modules(engine.platform.__path__):
        module = importlib.import_module(f"engine.platform.{info.name}")
        found += [(module, cls) for name, cls in inspect.getmembers(module, inspect.isclass)
                  if cls.__module__ == module.__name__ and name.endswith("Service")]
    return found


def _rows_in(tp: object, path: str, seen: set[type]) -> list[str]:
    args = typing.get_args(tp)
    if args:
        return [found for arg in args for found in _rows_in(arg, path, seen)]
    if not isinstance(tp, type) or tp in seen:
        return []
    if issubclass(tp, Base):
        return [f"{path}: {tp.__name__}"]
    seen.add(tp)
    if not dataclasses.is_dataclass(tp):
        return []
    hints = typing.get_type_hints(tp, vars(sys.modules[tp.__module__]))
    return [found for f in dataclasses.fields(tp) for found in _rows_in(hints[f.name], f"{path}.{f.name}", seen)]


def test_the_services_are_found() -> None:
    assert {cls.__name__ for _, cls in _services()} >= {"RegulationService", "ClientsService", "PlanningService"}


def test_no_service_answers_a_database_row() -> None:
    rows = []
    for module, cls in _services():
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_") or name in SKIPPED:
                continue
            answer = typing.get_type_hints(method, vars(module)).get("return")
            rows += _rows_in(answer, f"{cls.__name__}.{name}", set())
    assert not rows, "\n".join(rows)


def test_the_walk_finds_a_row_inside_a_read_model() -> None:
    from engine.clients.records import Created

    assert _rows_in(list[Created] | None, "x", set()) == ["x.client: Client"]
