"""The demo organisation's teams, segment rules, an absence and a few new leads distributed by
the rules (issue 5). Idempotent: what exists is left as it is."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.demo import russian
from engine.organization import distribution
from engine.platform.root import Reglament
from engine.shared.access import Actor
from storage import keys
from storage.models import Client
from storage.repositories import clients as clients_repo

TEAMS: tuple[tuple[str, str, list[dict[str, Any]]], ...] = (
    ("Retail team", "round_robin", [{"login": "anna"}, {"login": "boris"}]),
    ("Industry team", "weighted", [{"login": "boris", "share": 2}, {"login": "anna", "share": 1, "cap": 25}]),
)
#: segment -> (its team, its rules); the public sector goes through tenders: the head decides
RULES: dict[str, tuple[str | None, list[dict[str, Any]]]] = {
    "Retail": ("Retail team", [{"field": "industry", "op": "in",
                                "value": ["retail", "food", "pharmacy", "hospitality"]}]),
    "Manufacturing": ("Industry team", [{"field": "industry", "op": "in",
                                         "value": ["manufacturing", "steel", "chemicals", "machinery", "plastics"]}]),
    "Public sector": (None, [{"field": "industry", "op": "in", "value": ["government", "education", "health"]}]),
}
#: name, industry, region, size, source
LEADS = (
    ("Aurora Groceries", "food", "Moscow", "small", "website"),
    ("Borealis Steelworks", "steel", "Ural", "large", "exhibition"),
    ("Carina Pharmacy Chain", "pharmacy", "Kazan", "medium", "referral"),
    ("Delphinus Machine Works", "machinery", "Tula", "medium", "cold call"),
    ("Eridanus Hotels", "hospitality", "Sochi", "medium", "website"),
    ("Fornax Regional Library", "education", "Tver", "small", "tender"),
    ("Draco Drones", "aerospace", "Moscow", "small", "website"),
)


def load_demo_organisation(platform: Reglament, head: Actor, language: str = "en") -> dict[str, int]:
    """Teams, segment rules, an absence and new leads; the Russian demo has the teams (in
    Russian) and the absence, and no rules or leads (its industries are written in Russian)."""
    added = {"teams": 0, "leads": 0}
    ru = language == russian.LANGUAGE
    if not platform.organization.team_list(head):
        teams = {name: platform.organization.save_team(head, None, russian.text(name, language), strategy,
                                                       members).id
                 for name, strategy, members in TEAMS}
        added["teams"] = len(teams)
        for segment in platform.organization.segment_list(head):
            if not ru and segment.name in RULES and not segment.rules:
                team, rules = RULES[segment.name]
                platform.organization.save_segment(head, segment.id, segment.name, rules, teams.get(team or ""))
    if not any(a.login == "boris" for a in platform.organization.absence_list(head)):
        today = platform.ctx.now().date()
        monday = today + timedelta(days=7 - today.weekday())
        platform.organization.add_absence(head, "boris", "vacation", monday, monday + timedelta(days=4),
                                          russian.text("Family trip", language))
    if ru:
        return added
    with platform.command() as s:
        known = {c.name for c in clients_repo.clients_by_names(s, [lead[0] for lead in LEADS])}
        new = [Client(name=name, name_key=keys.name_key(name), industry=industry, region=region, size=size,
                      source=source, created_at=platform.ctx.now())
               for name, industry, region, size, source in LEADS if name not in known]
        if new:
            s.add_all(new)
            s.flush()
            distribution.distribute_new(s, platform.ctx.now(), head.login, new)
        added["leads"] = len(new)
    return added
