"""The heavy pages of the regulation core read in one transaction: the cycle page, the task page,
a regulation with its versions compared, one version with where its cycles wait, the explorer."""
from __future__ import annotations

from cycle_helpers import complete, open_task, start
from test_page_reads import counting_transactions

from engine.platform.root import Reglament
from engine.shared.access import Actor

QUALIFIED = {"contact_person": "Ivan", "result": "qualified"}


def test_the_cycle_page_is_one_read_with_its_operations(platform: Reglament, actors: dict[str, Actor]) -> None:
    head, anna = actors["head"], actors["anna"]
    cycle = start(platform, anna, client_name="Page Ltd")
    complete(platform, anna, cycle.id, "Task_QualificationCall", QUALIFIED)
    with counting_transactions(platform) as begun:
        page = platform.regulation.cycle_page(head, cycle.id)
    assert len(begun) == 1, f"the cycle page opened {len(begun)} transactions"
    assert page.cycle.client_name == "Page Ltd" and page.cycle.stage == "Presentation"
    assert [t.element_id for t in page.open_tasks] == ["Task_PrepareDemo"]
    assert page.path.completed["Task_QualificationCall"] == 1 and page.path.active == ("Task_PrepareDemo",)
    assert [e.type for e in page.history][:1] == ["started"]
    assert page.tools is not None and [t.id for t in page.tools.tokens] == ["Task_PrepareDemo"]
    assert "Task_Presentation" in {t.id for t in page.tools.targets} and "client_id" in page.tools.protected
    assert page.files == (), "the files sent in its forms come with the page (none yet)"
    assert page.history_fields["Task_QualificationCall"]["contact_person"].label, \
        "so do the form fields its history's data is shown under"


def test_the_cycle_page_as_it_shows_is_one_read_with_a_won_cycles_refunds(platform: Reglament,
                                                                          actors: dict[str, Actor]) -> None:
    head, anna = actors["head"], actors["anna"]
    cycle = start(platform, anna, client_name="Screen Ltd")
    with counting_transactions(platform) as begun:
        screen = platform.regulation.cycle_screen(head, cycle.id)
    assert len(begun) == 1, f"the cycle page opened {len(begun)} transactions"
    assert screen.page.cycle.id == cycle.id and screen.reversals == (), "an active cycle has no refunds to read"


def test_who_may_not_operate_gets_the_cycle_page_without_operations(platform: Reglament,
                                                                    actors: dict[str, Actor]) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna, client_name="Own Ltd")
    page = platform.regulation.cycle_page(anna, cycle.id)
    assert page.tools is None and page.cycle.id == cycle.id


def test_the_task_page_is_one_read(platform: Reglament, actors: dict[str, Actor]) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna, client_name="Task Page Ltd")
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
    with counting_transactions(platform) as begun:
        page = platform.regulation.task_page(anna, task.id)
    assert len(begun) == 1, f"the task page opened {len(begun)} transactions"
    assert page.task.id == task.id and page.variables["client_name"] == "Task Page Ltd"
    assert "contact_person" in [f.id for f in page.fields] and "Task Page Ltd" in page.documentation
    assert page.context.client.name == "Task Page Ltd"


def test_a_regulation_with_two_versions_compared_is_one_read(platform: Reglament, actors: dict[str, Actor]) -> None:
    with counting_transactions(platform) as begun:
        page = platform.regulation.regulation_page("new_client_sale", 1, 1)
    assert len(begun) == 1
    assert page.info.numbers() == [1] and page.comparison is not None and page.comparison.changes == ()
    assert platform.regulation.regulation_page("new_client_sale").comparison is None


def test_a_version_page_is_one_read_and_shows_loads_to_operators_only(platform: Reglament,
                                                                       actors: dict[str, Actor]) -> None:
    start(platform, actors["anna"], client_name="Load Ltd")
    with counting_transactions(platform) as begun:
        page = platform.regulation.version_page(actors["head"], "new_client_sale", 1)
    assert len(begun) == 1
    assert page.version.version == 1 and page.loads is not None
    assert page.loads["Task_QualificationCall"].waiting >= 1
    assert platform.regulation.version_page(actors["anna"], "new_client_sale", 1).loads is None


def test_the_explorer_page_is_one_read(platform: Reglament, actors: dict[str, Actor]) -> None:
    cycle = start(platform, actors["anna"], client_name="Explorer Ltd")
    with counting_transactions(platform) as begun:
        view = platform.cockpit.explorer_view(actors["head"], {"client": "Explorer"})
    assert len(begun) == 1
    assert [r.id for r in view.page.rows] == [cycle.id] and view.page.counts.total == 1
    assert "new_client_sale" in [r.key for r in view.regulations]
