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
from engine.regulation.xml import parse_document
from engine.shared.errors import DmnError, Problem, RegulationInvalid
from storage.repositories import regulation as regulation_repo

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


@dataclass
class DecisionCatalogue:
    """The decisions a regulation's business rule tasks may name."""

    own: dict[str, FoundDecision] = field(default_factory=dict)
    earlier: Callable[[str], FoundDecision | None] | None = None

    def add_document(self, root: etree._Element, filename: str) -> None:
        """Every DMN file of a deploy must load, as in Camunda; a decision id is in one file only."""
        try:
            drg.model_of(root, filename)
        except DmnError as exc:
            raise RegulationInvalid([Problem(None, f"{filename}: {exc.message}", line=exc.details.get("line"))]) \
                from None
        xml = etree.tostring(root, encoding="unicode")
        for decision_id in decision_ids(root):
            other = self.own.get(decision_id)
            if other is not None:
                raise RegulationInvalid([Problem(None, f"decision {decision_id!r} is in both {other.filename} and "
                                                 f"{filename}: a decision id names one decision")])
            self.own[decision_id] = FoundDecision(decision_id, xml, filename, "this deploy")

    def find(self, decision_id: str) -> FoundDecision | None:
        found = self.own.get(decision_id)
        if found is None and self.earlier is not None:
            found = self.earlier(decision_id)
        return found

    def known(self) -> list[str]:
        return sorted(self.own)


def deployed_lookup(session: Session | None) -> Callable[[str], FoundDecision | None] | None:
    """A lookup of decisions in the DMN files of deployed versions, the newest deploy first (Camunda's
    binding "latest": a diagram saved later without its DMN files still finds them)."""
    if session is None:
        return None

    def find(decision_id: str) -> FoundDecision | None:
        before: int | None = None
        for _ in range(MAX_VERSIONS_SEARCHED // BATCH):
            rows = regulation_repo.decision_documents(session, BATCH, before)
            for version_id, key, number, documents in rows:
                for index, xml in enumerate(documents or [], 1):
                    if f'"{decision_id}"' in xml and _holds(xml, decision_id, key):
                        return FoundDecision(decision_id, xml, f"{key} DMN file {index}",
                                             f"regulation {key} version {number}")
                before = version_id
            if len(rows) < BATCH:
                break
        return None

    return find


def _holds(xml: str, decision_id: str, key: str) -> bool:
    try:
        return decision_id in decision_ids(parse_document(xml, f"{key}.dmn").getroot())
    except RegulationInvalid:
        return False
