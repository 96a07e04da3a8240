"""Where a business rule task finds its decision: the DMN files deployed with the regulation,
else the newest deployed version of any regulation whose DMN files hold a decision of that id
(``camunda:decisionRefBinding="latest"``, Camunda's default).

A decision is kept as the text of its whole DMN document (a decision may require others of
the same document) with the file it came from; ``DecisionCatalogue.find`` gives it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy.orm import Session

from engine.regulation.decisions import drg
from engine.regulation.decisions.tables import DMN_NAMESPACES
from engine.regulation.problem_texts import reason
from engine.regulation.xml import parse_document
from engine.shared.errors import DmnError, Problem, RegulationInvalid
from storage.repositories import regulation as regulation_repo

CAMUNDA_NS = "http://camunda.org/schema/1.0/dmn"

#: how many deployed versions (newest first) an earlier-deployed decision is looked for in
MAX_VERSIONS_SEARCHED = 5000
BATCH = 100


@dataclass(frozen=True)
class FoundDecision:
    decision_id: str
    xml: str
    filename: str
    #: "this deploy" or "regulation <key> version <n>"
    origin: str


def decision_ids(root: etree._Element) -> list[str]:
    """The ids of the decisions in a DMN document (of any DMN namespace)."""
    ns = etree.QName(root).namespace
    if ns not in DMN_NAMESPACES:
        return []
    return [d.get("id") or "" for d in root.iterfind(f"{{{ns}}}decision") if d.get("id")]


#: finds a deployed decision by id and, when given, its ``camunda:versionTag`` or its version number
#: (the n-th deploy holding it, oldest first: binding ``version``)
Lookup = Callable[[str, str | None, int | None], FoundDecision | None]


def version_tag(root: etree._Element, decision_id: str) -> str | None:
    """The ``camunda:versionTag`` of decision ``decision_id`` in a DMN document."""
    ns = etree.QName(root).namespace
    for decision in root.iterfind(f"{{{ns}}}decision"):
        if decision.get("id") == decision_id:
            tag = decision.get(f"{{{CAMUNDA_NS}}}versionTag")
            return None if tag is None else str(tag)
    return None


@dataclass
class DecisionCatalogue:
    """The decisions a regulation's business rule tasks may name."""

    own: dict[str, FoundDecision] = field(default_factory=dict)
    earlier: Lookup | None = None
    #: what deploys but fails when it runs: a business rule task whose decision is not deployed yet
    warnings: list[Problem] = field(default_factory=list)

    def add_document(self, root: etree._Element, filename: str) -> None:
        """Every DMN file of a deploy must load, as in Camunda; a decision id is in one file only."""
        try:
            drg.model_of(root, filename)
        except DmnError as exc:
            raise RegulationInvalid([Problem.coded(None, "dmn_file_invalid", {"filename": filename, "reason": reason(exc)},
                                                   line=exc.details.get("line"))]) from None
        xml = etree.tostring(root, encoding="unicode")
        for decision_id in decision_ids(root):
            other = self.own.get(decision_id)
            if other is not None:
                raise RegulationInvalid([Problem.coded(None, "decision_in_two_files", {
                    "decision": repr(decision_id), "first": other.filename, "second": filename})])
            self.own[decision_id] = FoundDecision(decision_id, xml, filename, "this deploy")

    def find(self, decision_id: str, tag: str | None = None, own_only: bool = False) -> FoundDecision | None:
        """The decision deployed with the diagram, else (``own_only`` false) the newest deployed one;
        with ``tag``, only a decision of that ``camunda:versionTag``."""
        found = self.own.get(decision_id)
        if found is not None and tag is not None \
                and version_tag(parse_document(found.xml, found.filename).getroot(), decision_id) != tag:
            found = None
        if found is None and self.earlier is not None and not own_only:
            found = self.earlier(decision_id, tag, None)
        return found

    def known(self) -> list[str]:
        return sorted(self.own)


def deployed_lookup(session: Session | None) -> Lookup | None:
    """A lookup of decisions in the DMN files of deployed versions, the newest deploy first (Camunda's
    binding "latest": a diagram saved later without its DMN files still finds them)."""
    if session is None:
        return None

    def find(decision_id: str, tag: str | None = None, version: int | None = None) -> FoundDecision | None:
        """The newest deploy's decision; with ``version``, that of the version-th deploy holding it."""
        before: int | None = None
        found: list[FoundDecision] = []  # newest first
        for _ in range(MAX_VERSIONS_SEARCHED // BATCH):
            rows = regulation_repo.decision_documents(session, BATCH, before)
            for version_id, key, number, documents in rows:
                xml = next((x for x in documents or [] if f'"{decision_id}"' in x
                            and _holds(x, decision_id, key, tag)), None)
                if xml is not None:
                    index = (documents or []).index(xml) + 1
                    found.append(FoundDecision(decision_id, xml, f"{key} DMN file {index}",
                                               f"regulation {key} version {number}"))
                    if version is None:
                        return found[0]
                before = version_id
            if len(rows) < BATCH:
                break
        return found[len(found) - version] if version is not None and 0 < version <= len(found) else None

    return find


def _holds(xml: str, decision_id: str, key: str, tag: str | None = None) -> bool:
    try:
        root = parse_document(xml, f"{key}.dmn").getroot()
    except RegulationInvalid:
        return False
    return decision_id in decision_ids(root) and (tag is None or version_tag(root, decision_id) == tag)
