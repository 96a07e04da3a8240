"""The pages of the client base, the organization and planning each read in one transaction
(one snapshot, one BEGIN) and answer frozen read models, not dictionaries or database rows."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from engine.clients.records import Filters
from engine.platform.root import Reglament
from engine.shared.access import Actor


@contextmanager
def counting_transactions(platform: Reglament) -> Iterator[list[object]]:
    begun: list[object] = []

    def on_begin(conn: object) -> None:
        begun.append(conn)

    event.listen(platform.db.engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(platform.db.engine, "begin", on_begin)


def _organisation(platform: Reglament, actors: dict[str, Actor]) -> None:
    head = actors["head"]
    team = platform.organization.save_team(head, None, "Retail team", "round_robin",
                                           [{"login": "anna", "share": 1}, {"login": "boris", "share": 1}])
    platform.organization.save_segment(head, None, "Shops", [{"field": "industry", "op": "equals", "value": "Retail"}],
                                       team.id)
    platform.organization.add_absence(head, "boris", "vacation", platform.ctx.now().date(),
                                      platform.ctx.now().date() + timedelta(days=3))
    platform.clients.create_client(head, "Corner Shop", fields={"industry": "Retail"})
    platform.clients.create_client(head, "Nobody's Lead")


def test_each_organization_page_is_one_read_transaction(platform: Reglament, actors: dict[str, Actor]) -> None:
    _organisation(platform, actors)
    head = actors["head"]
    reads = {"segments": lambda: platform.organization.segments_page(head),
             "teams": lambda: platform.organization.teams_page(head),
             "absences": lambda: platform.organization.absences_page(head),
             "hand-over": lambda: platform.organization.handover_page(head, "anna"),
             "distribution": lambda: platform.organization.distribution_page(head)}
    pages = {}
    for name, read in reads.items():
        with counting_transactions(platform) as begun:
            pages[name] = read()
        assert len(begun) == 1, f"the {name} page opened {len(begun)} transactions"
    assert [s.name for s in pages["segments"].segments if s.team == "Retail team"] == ["Shops"]
    assert pages["teams"].segments_of[pages["teams"].teams[0].id] == ("Shops",)
    assert {"anna", "boris"} <= {m.login for m in pages["teams"].managers}
    assert [(a.login, a.kind) for a in pages["absences"].absences] == [("boris", "vacation")]
    assert [c.name for c in pages["hand-over"].clients] == ["Corner Shop"], "distributed to anna: boris is away"
    assert [d.client for d in pages["distribution"].recent] == ["Nobody's Lead", "Corner Shop"]


def test_the_client_list_page_is_one_read_and_an_unknown_filter_shows_everything(platform: Reglament,
                                                                                  actors: dict[str, Actor]) -> None:
    head = actors["head"]
    platform.clients.create_client(head, "Alfa", owner="anna")
    with counting_transactions(platform) as begun:
        page = platform.clients.client_list_page(head, Filters(segment="No such segment"))
    assert len(begun) == 1
    assert page.problem is not None and "segment" in page.problem
    assert [c.name for c in page.listing.clients] == ["Alfa"] and page.listing.clients[0].owner_name
    assert "anna" in [o.login for o in page.owners]


def test_read_models_are_frozen(platform: Reglament, actors: dict[str, Actor]) -> None:
    anna = actors["anna"]
    platform.regulation.save_work_type(actors["head"], "call", "Call", None)
    client = platform.clients.create_client(anna, "Frozen Ltd")
    contact = platform.planning.plan_contact(anna, client.id, "call", platform.ctx.now() + timedelta(hours=2))
    for view in (client, client.client, platform.clients.client_card(anna, client.id), contact,
                 platform.planning.client_work(anna, client.id)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            view.id = 0  # type: ignore[misc, union-attr]
