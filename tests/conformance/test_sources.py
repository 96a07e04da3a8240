"""The corpus list that bench/corpus.py reads: each source pinned to a commit, with patterns."""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402  (bench/ is not a package)


def test_every_source_names_a_repository_a_commit_and_patterns() -> None:
    sources = tomllib.loads((ROOT / "tests" / "conformance" / "sources.toml").read_text())["source"]
    assert len(sources) >= 4
    for source in sources:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", source["repo"]), source
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), source
        assert source["patterns"] and all(p.startswith("**/") for p in source["patterns"]), source


def test_refusals_are_sorted_into_by_design_and_runnable() -> None:
    assert corpus.by_design("scriptTask refused: script tasks run code") == "scripts run code"
    assert corpus.by_design("camunda:class refused: it would run code") == "Java delegate or delegate expression"
    assert corpus.by_design("condition: Expression '${bean.getValue()}': the method 'getValue' may not be "
                            "called") == "calls a method of a Java object (Spring bean, Spin)"
    assert corpus.by_design("camunda:inputOutput refused: input/output mappings are not supported") is None
    assert corpus.by_design("user task has no assignee, no candidate group and no lane") is None
    assert corpus.reason_key("decision 'd1' is in no DMN file") == corpus.reason_key("decision 'x' is in no DMN file")


def test_what_camunda_refuses_too_is_by_design_by_its_message_and_runnable_otherwise() -> None:
    """The class follows the refusal's own words ("Camunda 7 refuses it too"), never a file name."""
    camunda = "Camunda 7 refuses it too (its BpmnParse)"
    assert corpus.by_design("call activity has no calledElement (the process it calls): Camunda 7 refuses it "
                            "too") == camunda
    assert corpus.by_design("process must define a startEvent element (Camunda 7 refuses it too)") == camunda
    assert corpus.by_design("call activity calls a CMMN case (camunda:caseRef): Reglament runs BPMN processes "
                            "only") == "CMMN cases (camunda:caseRef)"
    assert corpus.by_design("form field 'a': constraint validator refused: a Java validator class or bean would "
                            "run code") == "form validators (Java classes or beans)"
    assert corpus.by_design("an error or escalation event subprocess inside an embedded subprocess is not "
                            "supported") is None
    reviewed = corpus.REVIEWED
    assert reviewed and all(path.endswith((".bpmn", ".bpmn20.xml")) and len(reason) > 40
                            for path, reason in reviewed.items())
