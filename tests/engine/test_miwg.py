"""The BPMN MIWG reference models: every file imports, is stored, and exports without loss.

Files that cannot run here are kept as non-executable diagrams with problems that name the
element and what is unsupported; none may crash the deploy.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MIWG_DIR as MIWG
from conftest import miwg_files
from lxml import etree

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.errors import RegulationInvalid

FILES = miwg_files()
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"


def test_the_corpus_is_there() -> None:
    assert len(FILES) == 21, f"expected the 21 MIWG reference files in {MIWG}"


def _elements(xml: bytes) -> dict[str, str]:
    root = etree.fromstring(xml)
    return {el.get("id"): etree.QName(el).localname for el in root.iter()
            if isinstance(el.tag, str) and etree.QName(el).namespace == BPMN and el.get("id")}


def _bounds(xml: bytes) -> dict[str, tuple[str, tuple[float, ...]]]:
    root = etree.fromstring(xml)
    out = {}
    for shape in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge"):
        bounds = shape.find(f"{{{DC}}}Bounds")
        box = tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height")) if bounds is not None else ()
        out[shape.get("id")] = (shape.get("bpmnElement"), box)
    return out


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_each_reference_model_is_stored_and_exported_without_loss(platform: Reglament, actors, path: Path) -> None:
    original = path.read_bytes()
    deployed = platform.regulation.deploy(actors["head"], [SourceFile(path.name, original)], keep_if_not_executable=True)
    assert deployed.created
    if not deployed.executable:
        assert deployed.problems, "a diagram that cannot run says why"
        for problem in deployed.problems:
            assert problem.message and "Traceback" not in problem.message
            assert "KeyError" not in problem.message
    exported = platform.regulation.version_xml(deployed.key, deployed.version).encode("utf-8")
    assert _elements(exported) == _elements(original)
    assert _bounds(exported) == _bounds(original)
    # the version list says what it is
    info = platform.regulation.versions(deployed.key)
    assert info.versions[0].executable is deployed.executable


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_a_strict_deploy_of_a_reference_model_runs_it_or_refuses_it_naming_elements(platform: Reglament, actors,
                                                                                  path: Path) -> None:
    try:
        deployed = platform.regulation.deploy(actors["head"], [SourceFile(path.name, path.read_bytes())])
    except RegulationInvalid as refused:
        problems = refused.problems
        assert problems
        element_ids = _elements(path.read_bytes())
        for problem in problems:
            assert problem.element_id is None or problem.element_id in element_ids, problem
        assert [r.key for r in platform.regulation.regulations()] == ["new_client_sale"], "nothing is stored"
    else:  # a model Reglament runs as Camunda would: deployed whole and executable
        assert deployed.executable and not deployed.problems
        assert deployed.key in [r.key for r in platform.regulation.regulations() if r.executable]


def test_activiti_namespace_attributes_are_read_as_camunda(platform: Reglament, actors) -> None:
    path = MIWG / "C.1.1.bpmn"
    deployed = platform.regulation.deploy(actors["head"], [SourceFile(path.name, path.read_bytes())], keep_if_not_executable=True)
    messages = " ".join(p.message for p in deployed.problems)
    # approveInvoice has activiti:assignee="${approver}": it must not be reported as unassigned
    assert not any(p.element_id == "approveInvoice" for p in deployed.problems), messages
    assert any(p.element_id == "archiveInvoice" and "serviceTask" in p.message for p in deployed.problems)


def test_a_diagram_only_regulation_cannot_start_a_cycle(platform: Reglament, actors) -> None:
    path = MIWG / "A.1.0.bpmn"
    deployed = platform.regulation.deploy(actors["head"], [SourceFile(path.name, path.read_bytes())], keep_if_not_executable=True)
    client = platform.clients.create_client(actors["anna"], "Diagram Only Ltd")
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.start_cycle(actors["anna"], client.id, deployed.key)
    assert "cannot run" in refused.value.message
