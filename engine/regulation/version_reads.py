"""Reading the regulation catalogue: the deployed regulations and the versions of one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.regulation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.errors import NotFound, Problem
from engine.shared.notices import coded
from storage.models import RegulationVersion
from storage.repositories import accounts as accounts_repo
from storage.repositories import regulation as regulation_repo


@dataclass(frozen=True)
class RegulationSummary:
    """A deployed regulation: its key, name, latest version and whether that version runs."""

    key: str
    name: str
    version: int
    executable: bool

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "version": self.version, "executable": self.executable}


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of a regulation, with the problems that stop it from running."""

    version: int
    created_at: datetime
    created_by: str | None
    executable: bool
    problems: tuple[Problem, ...]
    stages: tuple[str, ...]
    #: the label or comment the deploy gave, and the name of who deployed it
    comment: str | None = None
    created_by_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "created_at": self.created_at.isoformat(), "created_by": self.created_by,
                "created_by_name": self.created_by_name, "comment": self.comment,
                "executable": self.executable, "problems": [p.as_dict() for p in self.problems],
                "stages": list(self.stages)}


@dataclass(frozen=True)
class VersionList:
    """A regulation with every version of it."""

    key: str
    name: str
    version: int
    executable: bool
    versions: tuple[VersionInfo, ...]

    def numbers(self) -> list[int]:
        return [v.version for v in self.versions]


def regulations(session: Session) -> list[RegulationSummary]:
    return [RegulationSummary(r.key, r.name, r.latest_version, r.executable)
            for r in regulation_repo.regulations(session)]


def version_info(v: RegulationVersion, names: dict[str, str] | None = None) -> VersionInfo:
    """A stored version; ``names``: people's names by login (who deployed it)."""
    return VersionInfo(version=v.number, created_at=v.created_at, created_by=v.created_by, executable=v.executable,
                       problems=tuple(Problem(**p) for p in v.problems or ()), stages=tuple(v.stages or ()),
                       comment=v.comment, created_by_name=(names or {}).get(v.created_by or ""))


def version_list(session: Session, key: str) -> VersionList:
    regulation = regulation_repo.regulation_by_key(session, key)
    if regulation is None:
        raise coded(NotFound, "regulation_unknown", {"key": repr(key)})
    versions = regulation_repo.versions(session, regulation.id)
    people = accounts_repo.users_by_logins(session, [v.created_by for v in versions if v.created_by])
    names = {login: user.name for login, user in people.items()}
    return VersionList(key=regulation.key, name=regulation.name, version=regulation.latest_version,
                       executable=regulation.executable, versions=tuple(version_info(v, names) for v in versions))
