"""Deploying regulations: validate, pre-check, store an immutable version."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy.orm import Session

from engine.regulation import diff as diagram_diff
from engine.regulation import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    late_calls,
    problem_texts,  # noqa: F401  (the codes of the problems below)
    runtime,
    structure,
)
from engine.regulation import xml as bpmn_xml
from engine.regulation.decisions import catalogue
from engine.regulation.parser import RegulationParser
from engine.shared.access import PROCESS_OWNERS, Actor, require
from engine.shared.errors import InputInvalid, NotFound, Problem, RegulationInvalid
from engine.shared.notices import coded, notice_of
from storage.models import Regulation, RegulationVersion
from storage.repositories import regulation as regulation_repo


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
    executable: bool = True
    problems: tuple[Problem, ...] = ()
    #: what deployed but will fail when it runs (a call to a process not deployed yet...), per element
    warnings: tuple[Problem, ...] = ()
    #: the file's other executable top-level processes, each deployed as its own regulation
    others: tuple[Deployed, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out = {"key": self.key, "name": self.name, "version": self.version, "created": self.created,
               "executable": self.executable, "problems": [p.as_dict() for p in self.problems]}
        if self.warnings:
            out["warnings"] = [w.as_dict() for w in self.warnings]
        if self.others:
            out["others"] = [o.as_dict() for o in self.others]
        return out


@dataclass
class Compiled:
    key: str
    name: str
    xml: str
    dmn: list[str]
    specs: dict[str, Any] | None
    stages: list[str]
    digest: str
    problems: list[Problem] = field(default_factory=list)
    #: the other executable top-level processes of the file (deployed as regulations of their own)
    also: list[str] = field(default_factory=list)
    #: deployed, but a cycle will go into incident (or not start) there until the cause is fixed
    warnings: list[Problem] = field(default_factory=list)

    @property
    def executable(self) -> bool:
        return self.specs is not None


def _read(files: list[SourceFile]) -> tuple[SourceFile, etree._ElementTree, list[tuple[SourceFile, etree._ElementTree]]]:
    """Parse every file safely; exactly one must be BPMN, the others DMN."""
    bpmn_docs: list[tuple[SourceFile, etree._ElementTree]] = []
    dmn_docs: list[tuple[SourceFile, etree._ElementTree]] = []
    for f in files:
        tree = bpmn_xml.parse_document(f.content, f.name)
        (dmn_docs if bpmn_xml.is_dmn(tree) else bpmn_docs).append((f, tree))
    if len(bpmn_docs) != 1:
        raise RegulationInvalid([Problem.coded(None, "regulation_bpmn_files", {"count": str(len(bpmn_docs))})])
    return bpmn_docs[0][0], bpmn_docs[0][1], dmn_docs


def compile_regulation(files: list[SourceFile], session: Session | None = None,
                       keep_if_not_executable: bool = False, process: str | None = None) -> Compiled:
    """Parse, inspect and compile one regulation (a BPMN file plus DMN files).

    With ``keep_if_not_executable`` a well-formed BPMN document that cannot run here comes
    back without specs and with its problems, to be stored for viewing and export.
    Unsafe or unreadable files are always refused.
    """
    source, original, dmn_docs = _read(files)
    xml = etree.tostring(original, encoding="unicode")
    tree = bpmn_xml.camunda_dialect(original)
    try:
        facts = bpmn_xml.inspect(tree, source.name)
    except RecursionError:
        raise RegulationInvalid([Problem.coded(None, "document_nested_too_deeply",
                                               {"filename": source.name})]) from None
    dmn = [etree.tostring(t, encoding="unicode") for _, t in dmn_docs]
    digest = hashlib.sha256("\x00".join([xml, *dmn]).encode("utf-8")).hexdigest()
    try:
        if not facts.process_names and not facts.problems:
            raise RegulationInvalid([Problem.coded(None, "document_no_process", {"filename": source.name})])
        key, specs, warnings = _compile(source, tree, dmn_docs, facts, session, process)
    except RegulationInvalid as exc:
        if not keep_if_not_executable or bpmn_xml.is_bpmn(tree) is False:
            raise
        key = process or _display_key(tree, facts, source.name)
        return Compiled(key=key, name=_display_name(tree, facts, key), xml=xml, dmn=dmn, specs=None,
                        stages=facts.stages.get(key, []), digest=digest, problems=exc.problems)
    also = [] if process is not None else [p for p in facts.executable if p not in facts.called and p != key]
    return Compiled(key=key, name=facts.process_names.get(key) or key, xml=xml, dmn=dmn, specs=specs,
                    stages=facts.stages.get(key, []), digest=digest, also=also, warnings=warnings)


def _compile(source: SourceFile, tree: etree._ElementTree, dmn_docs: list[tuple[SourceFile, etree._ElementTree]],
             facts: bpmn_xml.DocumentFacts, session: Session | None,
             process: str | None = None) -> tuple[str, dict[str, Any], list[Problem]]:
    if facts.problems:
        raise RegulationInvalid(facts.problems)
    own = {pid: facts.calls.get(pid, []) for pid in facts.process_names}
    call_cycles = structure.call_cycle_problems(own, lambda key: _deployed_calls(session, key))
    if call_cycles:
        raise RegulationInvalid(call_cycles)
    main = [p for p in facts.executable if p not in facts.called]
    if not main:
        raise RegulationInvalid([Problem.coded(None, "document_no_executable_process", {"filename": source.name})])
    # several executable top-level processes: each is a regulation of its own, as in Camunda
    key = process if process in main else main[0]
    parser = RegulationParser()
    try:
        parser.decisions.earlier = catalogue.deployed_lookup(session)  # decisions/catalogue.py
        for dmn_source, dmn_tree in dmn_docs:
            parser.decisions.add_document(dmn_tree.getroot(), dmn_source.name)
        parser.add_bpmn_xml(tree, filename=source.name)
        missing = sorted(c for c in facts.called if c not in facts.process_names)
        # as Camunda: a called process that is not deployed yet is looked up when the call runs
        late = [called for called in missing if not _add_deployed_process(parser, session, called)]
        spec = parser.get_spec(key)
        subprocess_specs = _subprocess_specs(parser, key)
    except RegulationInvalid:
        raise
    except ValidationException as exc:
        raise RegulationInvalid([_problem_from_validation(exc, tree)]) from None
    except SpiffWorkflowException as exc:
        raise RegulationInvalid([Problem.coded(None, "spiff_cannot_use", {"reason": str(exc)})]) from None
    except (KeyError, IndexError, AttributeError, TypeError, ValueError, AssertionError, RecursionError) as exc:
        raise RegulationInvalid([Problem.coded(None, "construct_unsupported",
                                               {"error": type(exc).__name__, "reason": str(exc)})]) from None
    specs = runtime.specs_to_dict(spec, subprocess_specs)
    warnings = [*late_calls.warnings(facts.calls, late), *parser.decisions.warnings]
    return key, specs, warnings


def _subprocess_specs(parser: RegulationParser, key: str) -> dict[str, Any]:
    """The processes ``key`` calls (and embeds), transitively; a called process that is not
    deployed yet is left out (``late_calls``: the call activity finds it when it runs)."""
    found: dict[str, Any] = {}
    pending = [key]
    while pending:
        for task_spec in parser.get_spec(pending.pop()).task_specs.values():
            name = getattr(task_spec, "spec", None)
            if not isinstance(task_spec, SubWorkflowTask) or not isinstance(name, str) or name in found:
                continue
            called = parser.get_spec(name, required=False)
            if called is not None:
                found[name] = called
                pending.append(name)
    return found


_KEY_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


def _display_key(tree: etree._ElementTree, facts: bpmn_xml.DocumentFacts, filename: str) -> str:
    for candidate in (*facts.executable, *facts.process_names, tree.getroot().get("id") or "",
                      filename.rsplit(".", 1)[0]):
        key = _KEY_CHARS.sub("_", candidate).strip("_")
        if key:
            return key[:200]
    return "diagram"


def _display_name(tree: etree._ElementTree, facts: bpmn_xml.DocumentFacts, key: str) -> str:
    root = tree.getroot()
    for el in root.iter(f"{{{bpmn_xml.BPMN_NS}}}participant"):
        if el.get("name"):
            return str(el.get("name"))[:300]
    named = [n for n in facts.process_names.values() if n]
    return (named[0] if named else root.get("name") or key)[:300]


def _deployed_calls(session: Session | None, key: str) -> structure.CallGraph | None:
    """The call activities of deployed regulation ``key`` (its latest version), per process."""
    regulation = regulation_repo.regulation_by_key(session, key) if session is not None else None
    if regulation is None:
        return None
    latest = regulation_repo.version(session, regulation.id, regulation.latest_version)  # type: ignore[arg-type]
    if latest is None:
        return None
    try:
        tree = bpmn_xml.camunda_dialect(bpmn_xml.parse_document(latest.xml.encode("utf-8"), f"{key}.bpmn"))
    except RegulationInvalid:
        return None
    return bpmn_xml.calls_of(tree)


def _add_deployed_process(parser: RegulationParser, session: Session | None, key: str) -> bool:
    """Compile the deployed regulation ``key`` in, for the call activities that call it;
    False when there is none yet: the call looks for it when it runs (late_calls.py)."""
    regulation = regulation_repo.regulation_by_key(session, key) if session is not None else None
    if regulation is None:
        return False
    latest = regulation_repo.version(session, regulation.id, regulation.latest_version)  # type: ignore[arg-type]
    if latest is None or not latest.executable:
        raise RegulationInvalid([Problem.coded(None, "called_process_diagram_only", {"process": repr(key)})])
    called = bpmn_xml.camunda_dialect(bpmn_xml.parse_document(latest.xml.encode("utf-8"), f"{key}.bpmn"))
    problems = bpmn_xml.inspect(called, f"{key}.bpmn").problems
    if problems:
        raise RegulationInvalid(problems)
    parser.add_bpmn_xml(called, filename=f"{key}.bpmn")
    return True


def _problem_from_validation(exc: ValidationException, tree: etree._ElementTree) -> Problem:
    element_id = getattr(exc, "id", None) or None
    line = None
    if element_id:
        found = tree.getroot().xpath("//*[@id=$id]", id=element_id)
        if found:
            line = found[0].sourceline
    message = str(exc.args[0]) if exc.args else str(exc)
    name = getattr(exc, "name", None) or None
    notice = notice_of(exc)  # Reglament's own refusals carry one (decisions/rule_tasks.py)
    if notice is not None and notice.text == message:
        return Problem.coded(element_id, notice.code, notice.params, line=line, element_name=name)
    return Problem(element_id, message, line=line, element_name=name)


#: the longest label or comment a deploy may give its version
MAX_COMMENT = 500


def deploy_comment(raw: str | None) -> str | None:
    """A deploy's label or comment as stored: trimmed, one line, None when empty; InputInvalid
    when longer than MAX_COMMENT."""
    text = " ".join((raw or "").split())
    if len(text) > MAX_COMMENT:
        raise coded(InputInvalid, "deploy_comment_too_long", {"limit": str(MAX_COMMENT)},
                    {"fields": {"comment": f"must be at most {MAX_COMMENT} characters"},
                            "codes": {"comment": {"code": "maxlength", "limit": MAX_COMMENT}}})
    return text or None


def deploy(session: Session, actor: Actor, files: list[SourceFile],
           keep_if_not_executable: bool = False, comment: str | None = None) -> Deployed:
    """Deploy the file's executable process; a file with several executable top-level processes
    deploys each as its own regulation (key = process id), as Camunda deploys each as a process
    definition: the first is returned, the others in ``others``. ``comment``: the label the new
    versions carry (what changed and why)."""
    require(actor, PROCESS_OWNERS, "deploy regulations")
    label = deploy_comment(comment)
    compiled = compile_regulation(files, session, keep_if_not_executable)
    first = _store(session, actor, compiled, label)
    others = tuple(_store(session, actor, compile_regulation(files, session, keep_if_not_executable, key), label)
                   for key in compiled.also)
    return replace(first, others=others) if others else first


def _store(session: Session, actor: Actor, compiled: Compiled, comment: str | None = None) -> Deployed:
    regulation = regulation_repo.regulation_by_key(session, compiled.key)
    if regulation is None:
        regulation = Regulation(key=compiled.key, name=compiled.name, latest_version=0)
        session.add(regulation)
        session.flush()
    else:
        latest = regulation_repo.version(session, regulation.id, regulation.latest_version)
        if latest is not None and latest.xml_sha256 == compiled.digest:
            return Deployed(regulation.key, regulation.name, latest.number, created=False,
                            executable=latest.executable,
                            problems=tuple(Problem(**p) for p in latest.problems),
                            warnings=tuple(compiled.warnings))
    regulation.latest_version += 1
    regulation.name = compiled.name
    regulation.executable = compiled.executable
    session.add(RegulationVersion(
        regulation_id=regulation.id, number=regulation.latest_version, xml=compiled.xml,
        xml_sha256=compiled.digest, dmn=compiled.dmn, spec=compiled.specs, stages=compiled.stages,
        executable=compiled.executable, problems=[p.as_dict() for p in compiled.problems],
        created_by=actor.login, comment=comment))
    session.flush()
    return Deployed(regulation.key, regulation.name, regulation.latest_version, created=True,
                    executable=compiled.executable, problems=tuple(compiled.problems),
                    warnings=tuple(compiled.warnings))


def latest_version(session: Session, key: str) -> RegulationVersion:
    found = regulation_repo.latest_version(session, key)
    if found is None:
        raise coded(NotFound, "regulation_unknown_deploy", {"key": repr(key)})
    if not found.executable:
        raise RegulationInvalid([Problem.coded(None, "version_diagram_only",
                                               {"key": repr(key), "version": str(found.number)})] +
                                [Problem(**p) for p in found.problems])
    return found


def _regulation(session: Session, key: str) -> Regulation:
    regulation = regulation_repo.regulation_by_key(session, key)
    if regulation is None:
        raise coded(NotFound, "regulation_unknown", {"key": repr(key)})
    return regulation


def get_version(session: Session, key: str, number: int) -> RegulationVersion:
    found = regulation_repo.version(session, _regulation(session, key).id, number)
    if found is None:
        raise coded(NotFound, "regulation_no_version", {"key": repr(key), "version": str(number)})
    return found


def version_xml(session: Session, key: str, number: int) -> str:
    return get_version(session, key, number).xml


def compare(session: Session, key: str, old: int, new: int) -> diagram_diff.DiagramDiff:
    return diagram_diff.diff(version_xml(session, key, old), version_xml(session, key, new))
