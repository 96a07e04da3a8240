"""Deploying regulations: validate, pre-check, store an immutable version."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import bpmn_xml, runtime
from engine.access import PROCESS_OWNERS, Actor, require
from engine.bpmn_parser import RegulationParser
from engine.errors import NotFound, Problem, RegulationInvalid
from storage import repositories as repo
from storage.models import Regulation, RegulationVersion


@dataclass(frozen=True)
class SourceFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class Deployed:
    key: str
    name: str
    version: int
    created: bool  # False when the XML was unchanged and the latest version was kept

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "version": self.version, "created": self.created}


@dataclass
class Compiled:
    key: str
    name: str
    xml: str
    dmn: list[str]
    specs: dict[str, Any]
    stages: list[str]
    digest: str


def compile_regulation(files: list[SourceFile], session: Session | None = None) -> Compiled:
    """Parse, inspect and compile one regulation (a BPMN file plus DMN files)."""
    bpmn_docs: list[tuple[SourceFile, etree._ElementTree]] = []
    dmn_docs: list[tuple[SourceFile, etree._ElementTree]] = []
    for f in files:
        tree = bpmn_xml.parse_document(f.content, f.name)
        (dmn_docs if bpmn_xml.is_dmn(tree) else bpmn_docs).append((f, tree))
    if len(bpmn_docs) != 1:
        raise RegulationInvalid([Problem(None, f"a regulation is one BPMN file (with any DMN files); "
                                         f"got {len(bpmn_docs)} BPMN files")])
    source, tree = bpmn_docs[0]
    facts = bpmn_xml.inspect(tree, source.name)
    if facts.problems:
        raise RegulationInvalid(facts.problems)
    main = [p for p in facts.executable if p not in facts.called]
    if not main:
        raise RegulationInvalid([Problem(None, f"{source.name} has no executable process "
                                         "(set isExecutable=\"true\" on the process to run)")])
    if len(main) > 1:
        raise RegulationInvalid([Problem(main[1], f"{source.name} has {len(main)} executable "
                                         f"top-level processes ({', '.join(main)}); a regulation "
                                         "runs one: mark the others non-executable or call them "
                                         "from the main process")])
    key = main[0]
    parser = RegulationParser()
    try:
        for dmn_source, dmn_tree in dmn_docs:
            parser.add_dmn_xml(dmn_tree.getroot(), filename=dmn_source.name)
        parser.add_bpmn_xml(tree, filename=source.name)
        missing = sorted(c for c in facts.called if c not in facts.process_names)
        for called in missing:
            _add_deployed_process(parser, session, called)
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except RegulationInvalid:
        raise
    except ValidationException as exc:
        raise RegulationInvalid([_problem_from_validation(exc, tree)]) from None
    except SpiffWorkflowException as exc:
        raise RegulationInvalid([Problem(None, f"SpiffWorkflow cannot use this diagram: {exc}")]) from None
    except (KeyError, IndexError, AttributeError, TypeError, ValueError, AssertionError) as exc:
        raise RegulationInvalid([Problem(None, f"the diagram uses a construct Reglament cannot run "
                                         f"({type(exc).__name__}: {exc})")]) from None
    xml = etree.tostring(tree, encoding="unicode")
    dmn = [etree.tostring(t, encoding="unicode") for _, t in dmn_docs]
    digest = hashlib.sha256("\x00".join([xml, *dmn]).encode("utf-8")).hexdigest()
    return Compiled(key=key, name=facts.process_names.get(key) or key, xml=xml, dmn=dmn,
                    specs=runtime.specs_to_dict(spec, subprocess_specs),
                    stages=facts.stages.get(key, []), digest=digest)


def _add_deployed_process(parser: RegulationParser, session: Session | None, key: str) -> None:
    regulation = repo.regulation_by_key(session, key) if session is not None else None
    if regulation is None:
        raise RegulationInvalid([Problem(None, f"a call activity calls {key!r}, which is neither in "
                                         "this file nor a deployed regulation")])
    latest = repo.version(session, regulation.id, regulation.latest_version)  # type: ignore[arg-type]
    assert latest is not None
    parser.add_bpmn_xml(bpmn_xml.parse_document(latest.xml.encode("utf-8"), f"{key}.bpmn"),
                        filename=f"{key}.bpmn")


def _problem_from_validation(exc: ValidationException, tree: etree._ElementTree) -> Problem:
    element_id = getattr(exc, "id", None) or None
    line = None
    if element_id:
        found = tree.getroot().xpath("//*[@id=$id]", id=element_id)
        if found:
            line = found[0].sourceline
    message = str(exc.args[0]) if exc.args else str(exc)
    return Problem(element_id, message, line=line, element_name=getattr(exc, "name", None) or None)


def deploy(session: Session, actor: Actor, files: list[SourceFile]) -> Deployed:
    require(actor, PROCESS_OWNERS, "deploy regulations")
    compiled = compile_regulation(files, session)
    regulation = repo.regulation_by_key(session, compiled.key)
    if regulation is None:
        regulation = Regulation(key=compiled.key, name=compiled.name, latest_version=0)
        session.add(regulation)
        session.flush()
    else:
        latest = repo.version(session, regulation.id, regulation.latest_version)
        if latest is not None and latest.xml_sha256 == compiled.digest:
            return Deployed(regulation.key, regulation.name, latest.number, created=False)
    regulation.latest_version += 1
    regulation.name = compiled.name
    session.add(RegulationVersion(
        regulation_id=regulation.id, number=regulation.latest_version, xml=compiled.xml,
        xml_sha256=compiled.digest, dmn=compiled.dmn, spec=compiled.specs, stages=compiled.stages,
        created_by=actor.login))
    session.flush()
    return Deployed(regulation.key, regulation.name, regulation.latest_version, created=True)


def latest_version(session: Session, key: str) -> RegulationVersion:
    found = repo.latest_version(session, key)
    if found is None:
        raise NotFound(f"no regulation {key!r}; deploy it first")
    return found


def list_regulations(session: Session) -> list[dict[str, Any]]:
    return [{"key": r.key, "name": r.name, "version": r.latest_version}
            for r in repo.regulations(session)]
