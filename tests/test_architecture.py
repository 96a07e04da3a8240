"""The import rules of the code base: web -> engine -> storage, and inside engine/ the regulation
core below the four management functions, which do not import one another.

A rule broken here is a design decision to discuss, not a test to relax (see CONTRIBUTING.md).
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: engine packages by layer: a package may import its own modules and packages of lower layers only
ENGINE_LAYERS: dict[str, int] = {
    'shared': 0,  # the kernel package engine/shared (nothing outside the repository)
    "accounts": 1, "notify": 1,
    "clients": 2,
    "regulation": 3,
    "planning": 4, "organization": 4, "motivation": 4, "control": 4,
    "platform": 5,
    "demo": 6,
}
#: web reads and writes only through the engine's services: never storage's models, queries or database
TOP_LEVEL = {"storage": {"storage"}, "engine": {"engine", "storage"}, "web": {"web", "engine"}}


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _sources(top: str) -> list[Path]:
    return sorted(p for p in (ROOT / top).rglob("*.py") if "migrations" not in p.parts or top != "storage")


@pytest.mark.parametrize("top", sorted(TOP_LEVEL))
def test_dependencies_point_from_web_to_engine_to_storage(top: str) -> None:
    allowed = TOP_LEVEL[top]
    broken = [f"{path.relative_to(ROOT)}:{line} imports {module}"
              for path in _sources(top) for line, module in _imports(path)
              if module.split(".")[0] in TOP_LEVEL and module.split(".")[0] not in allowed]
    assert not broken, "\n".join(broken)


def test_the_check_reports_web_reaching_into_storage(tmp_path: Path) -> None:
    """A view importing a repository or a model is what the rule above reports."""
    module = tmp_path / "view.py"
    module.write_text("from storage.repositories import clients\nfrom engine.platform.root import Reglament\n")
    reached = [m for _, m in _imports(module) if m.split(".")[0] not in TOP_LEVEL["web"]]
    assert reached == ["storage.repositories"]


def test_every_engine_package_has_a_layer() -> None:
    packages = {p.name for p in (ROOT / "engine").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(ENGINE_LAYERS)
    loose = [p.name for p in (ROOT / "engine").glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"engine modules outside any package: {loose}"


def test_engine_packages_import_only_lower_layers() -> None:
    broken = []
    for path in _sources("engine"):
        rel = path.relative_to(ROOT / "engine")
        if len(rel.parts) < 2:
            continue
        own = rel.parts[0]
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] != "engine" or len(parts) < 2 or parts[1] == own:
                continue
            if ENGINE_LAYERS[parts[1]] >= ENGINE_LAYERS[own]:
                broken.append(f"engine/{rel}:{line}: {own} (layer {ENGINE_LAYERS[own]}) imports {module} "
                              f"(layer {ENGINE_LAYERS[parts[1]]})")
    assert not broken, "\n".join(broken)


def test_the_check_detects_an_upward_import(tmp_path: Path) -> None:
    """The rule itself: a module of the client base importing distribution would be reported."""
    module = tmp_path / "m.py"
    module.write_text("from engine.organization import distribution\nimport storage.db\n")
    found = [m for _, m in _imports(module)]
    assert found == ["engine.organization", "storage.db"]
    assert ENGINE_LAYERS["organization"] >= ENGINE_LAYERS["clients"]


#: a module grows past this only by mixing concerns: cut it along its seams instead
MAX_MODULE_LINES = 410


def test_no_engine_or_storage_module_grows_past_the_limit() -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines"
            for top in ("engine", "storage") for p in _sources(top)
            if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not long, "\n".join(long)
