"""External tasks: the engine publishes a work item, outside workers fetch, lock and complete it."""
from __future__ import annotations

import time

import pytest
from conftest import bpmn_file
from cycle_helpers import complete, visible

from engine.platform.root import Reglament
from engine.regulation.external_tasks import NotLockedByWorker, TopicRequest
from engine.shared.errors import Forbidden, InputInvalid, NotFound, TaskNotActionable

TOPIC = [TopicRequest("issue-invoice", 60_000)]


@pytest.fixture
def invoice(platform: Reglament, actors) -> dict:
    platform.regulation.deploy(actors["head"], [bpmn_file("external_invoice.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Invoice Ltd")
    return platform.regulation.start_cycle(actors["anna"], client.id, "external_invoice")


def test_an_external_task_waits_for_a_worker_and_nobody_sees_it_in_an_inbox(platform, actors, invoice) -> None:
    assert platform.regulation.cycle(actors["anna"], invoice.id).status == "active"
    assert visible(platform, actors["anna"], invoice.id) == []
    [task] = platform.outside.fetch_and_lock(actors["admin"], "accounting-1", 5, TOPIC)
    assert task.element_id == "Task_IssueInvoice" and task.topic == "issue-invoice"
    assert task.variables["client_name"] == "Invoice Ltd" and task.cycle_id == invoice.id
    assert platform.outside.fetch_and_lock(actors["admin"], "accounting-2", 5, TOPIC) == [], "locked"


def test_completing_moves_the_cycle_on_with_the_workers_variables(platform, actors, invoice) -> None:
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    platform.outside.complete_external(actors["admin"], task.id, "w1", {"invoice_number": "INV-7"})
    cycle = platform.regulation.cycle(actors["anna"], invoice.id)
    assert cycle.variables["invoice_number"] == "INV-7"
    assert visible(platform, actors["anna"], invoice.id) == ["Task_SendInvoice"]
    complete(platform, actors["anna"], invoice.id, "Task_SendInvoice", {})
    assert platform.regulation.cycle(actors["anna"], invoice.id).status == "won"
    history = platform.regulation.history(actors["head"], invoice.id)
    assert any(e.type == "completed" and e.task.element_id == "Task_IssueInvoice"
               and e.data["worker"] == "w1" for e in history)


def test_the_second_completion_of_one_task_is_refused_and_changes_nothing(platform, actors, invoice) -> None:
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    platform.outside.complete_external(actors["admin"], task.id, "w1", {"invoice_number": "A"})
    with pytest.raises(NotFound, match="does not exist"):
        platform.outside.complete_external(actors["admin"], task.id, "w1", {"invoice_number": "B"})
    assert platform.regulation.cycle(actors["anna"], invoice.id).variables["invoice_number"] == "A"


def test_only_the_worker_holding_the_lock_may_complete(platform, actors, invoice) -> None:
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    with pytest.raises(NotLockedByWorker, match="locked by worker 'w1'"):
        platform.outside.complete_external(actors["admin"], task.id, "w2", {})


def test_a_crashed_workers_lock_expires_and_another_worker_fetches_the_task(platform, actors, invoice) -> None:
    [first] = platform.outside.fetch_and_lock(actors["admin"], "crashed", 1, [TopicRequest("issue-invoice", 300)])
    assert platform.outside.fetch_and_lock(actors["admin"], "w2", 1, TOPIC) == []
    time.sleep(0.5)  # locks run on the database's clock
    [again] = platform.outside.fetch_and_lock(actors["admin"], "w2", 1, TOPIC)
    assert again.id == first.id and again.worker_id == "w2"
    platform.outside.complete_external(actors["admin"], again.id, "w2", {})
    assert visible(platform, actors["anna"], invoice.id) == ["Task_SendInvoice"]


def test_extend_lock_and_unlock(platform, actors, invoice) -> None:
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, [TopicRequest("issue-invoice", 300)])
    platform.outside.extend_lock(actors["admin"], task.id, "w1", 60_000)
    time.sleep(0.5)
    assert platform.outside.fetch_and_lock(actors["admin"], "w2", 1, TOPIC) == [], "the lock was extended"
    with pytest.raises(NotLockedByWorker):
        platform.outside.extend_lock(actors["admin"], task.id, "w2", 60_000)
    platform.outside.unlock(actors["admin"], task.id)
    assert [t.id for t in platform.outside.fetch_and_lock(actors["admin"], "w2", 1, TOPIC)] == [task.id]


def test_failures_retry_then_put_the_cycle_in_incident_until_retried(platform, actors, invoice) -> None:
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    platform.outside.fail_external(actors["admin"], task.id, "w1", "1C is down", "timeout", retries=1,
                                   retry_timeout_ms=300)
    assert platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC) == [], "not before the retry timeout"
    time.sleep(0.5)
    [again] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    assert again.retries == 1 and again.error_message == "1C is down"
    platform.outside.fail_external(actors["admin"], task.id, "w1", "1C refused the invoice", retries=0)
    cycle = platform.regulation.cycle(actors["anna"], invoice.id)
    assert cycle.status == "incident"
    assert cycle.incident["element_id"] == "Task_IssueInvoice"
    assert "1C refused the invoice" in cycle.incident["message"]
    assert platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC) == []
    platform.regulation.retry(actors["head"], invoice.id)
    [retried] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    platform.outside.complete_external(actors["admin"], retried.id, "w1", {})
    assert visible(platform, actors["anna"], invoice.id) == ["Task_SendInvoice"]


def test_a_bpmn_error_is_caught_by_the_error_boundary_event(platform, actors, invoice) -> None:
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    platform.outside.bpmn_error(actors["admin"], task.id, "w1", "no_tax_id", "the client has no tax id",
                                {"reason": "no tax id"})
    assert visible(platform, actors["anna"], invoice.id) == ["Task_FixClient"]
    cycle = platform.regulation.cycle(actors["anna"], invoice.id)
    assert cycle.status == "active" and cycle.variables["reason"] == "no tax id"
    assert platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC) == [], "the task was interrupted"


def test_an_uncaught_bpmn_error_is_an_incident_naming_the_code(platform, actors, invoice) -> None:
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    platform.outside.bpmn_error(actors["admin"], task.id, "w1", "bank_closed", "try tomorrow")
    cycle = platform.regulation.cycle(actors["anna"], invoice.id)
    assert cycle.status == "incident" and "'bank_closed'" in cycle.incident["message"]


def test_a_manager_may_not_act_as_a_worker_and_bad_input_is_named(platform, actors, invoice) -> None:
    with pytest.raises(Forbidden):
        platform.outside.fetch_and_lock(actors["anna"], "w1", 1, TOPIC)
    with pytest.raises(InputInvalid, match="maxTasks"):
        platform.outside.fetch_and_lock(actors["admin"], "w1", 1000, TOPIC)
    with pytest.raises(InputInvalid, match="lockDuration"):
        platform.outside.fetch_and_lock(actors["admin"], "w1", 1, [TopicRequest("issue-invoice", 0)])
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    with pytest.raises(InputInvalid, match="client_id"):
        platform.outside.complete_external(actors["admin"], task.id, "w1", {"client_id": 1})


def test_a_decided_cycle_has_no_external_tasks_left(platform, actors, invoice) -> None:
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w1", 1, TOPIC)
    platform.outside.bpmn_error(actors["admin"], task.id, "w1", "no_tax_id")
    complete(platform, actors["anna"], invoice.id, "Task_FixClient", {})
    assert platform.regulation.cycle(actors["anna"], invoice.id).status == "lost"
    with pytest.raises((NotFound, TaskNotActionable)):
        platform.outside.complete_external(actors["admin"], task.id, "w1", {})


def test_an_external_task_without_a_topic_is_refused_at_deploy_naming_it(platform, actors) -> None:
    from engine.regulation.versions import SourceFile
    from engine.shared.errors import RegulationInvalid

    xml = bpmn_file("external_invoice.bpmn").content.replace(b' camunda:topic="issue-invoice"', b"")
    with pytest.raises(RegulationInvalid) as caught:
        platform.regulation.deploy(actors["head"], [SourceFile("no_topic.bpmn", xml)])
    [problem] = caught.value.problems
    assert problem.element_id == "Task_IssueInvoice" and "camunda:topic" in problem.message and problem.line
