"""Batch operations on an explorer filter (issue 12): run by the worker one cycle per
transaction, counted for the progress bar, failures reported with their reason and never
stopping the rest."""
from __future__ import annotations

import pytest
from conftest import bpmn_file
from cycle_helpers import complete, start

from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.shared.errors import Forbidden, InputInvalid


def test_a_batch_cancel_runs_on_the_worker_and_reports_what_failed(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    ids = [start(platform, anna, client_name=f"Client {i}").id for i in range(7)]
    platform.cockpit.cancel(head, ids[2], "already gone")  # will fail in the batch: not running
    batch_id = platform.cockpit.start_batch(head, "cancel", {"owner": "anna"}, {"reason": "campaign closed"})
    queued = platform.cockpit.batch(head, batch_id)
    assert (queued.status, queued.total, queued.processed, queued.percent) == ("queued", 7, 0, 0)
    assert platform.cockpit.run_batches("test", limit=3) == 3
    halfway = platform.cockpit.batch(head, batch_id)
    assert halfway.status == "running" and halfway.processed == 3 and halfway.percent == 42
    worker = Worker(platform)
    while worker.run_once():
        pass
    done = platform.cockpit.batch(head, batch_id)
    assert (done.status, done.processed, done.succeeded, done.failed) == ("done", 7, 6, 1)
    assert [f.cycle_id for f in done.failures] == [ids[2]]
    assert "is cancelled" in done.failures[0].reason
    assert platform.cockpit.explore(head, {"owner": "anna"}).counts.by_status["cancelled"] == 7


def test_a_batch_retry_with_variables_frees_the_cycles_of_a_bad_deploy(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    platform.regulation.deploy(head, [bpmn_file("incident_missing_variable.bpmn")])
    failed = [complete(platform, anna, start(platform, anna, "incident_missing_variable", f"C{i}").id,
                       "Task_First", {}).id for i in range(4)]
    healthy = start(platform, anna, "incident_missing_variable", "Healthy").id
    batch_id = platform.cockpit.start_batch(head, "retry", {"regulation": "incident_missing_variable"},
                                            {"variables": {"missing": 1}})
    while platform.cockpit.run_batches("test"):
        pass
    done = platform.cockpit.batch(head, batch_id)
    assert (done.succeeded, done.failed) == (4, 1)
    assert done.failures[0].cycle_id == healthy and "not in incident" in done.failures[0].reason
    assert all(platform.regulation.cycle(head, i).status == "active" for i in failed)


def test_batches_are_for_operators_and_need_cycles(platform: Reglament, actors) -> None:
    with pytest.raises(Forbidden):
        platform.cockpit.start_batch(actors["anna"], "cancel", {}, {"reason": "x"})
    with pytest.raises(InputInvalid, match="holds no cycle"):
        platform.cockpit.start_batch(actors["head"], "cancel", {"owner": "boris"}, {"reason": "x"})
    with pytest.raises(InputInvalid, match="give a reason"):
        platform.cockpit.start_batch(actors["head"], "cancel", {}, {})
    with pytest.raises(InputInvalid, match="kind must be"):
        platform.cockpit.start_batch(actors["head"], "delete", {}, {})
