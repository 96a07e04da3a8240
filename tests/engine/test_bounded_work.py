"""One upload cannot stop everyone: every diagram input is bounded work.

Each hostile diagram in fixtures/hostile/ is either refused at deploy, naming the element and
the limit, or becomes an incident on its own cycle naming the limit, and every answer comes
back quickly (the unbounded code took from seconds to forever on the same files). Afterwards
another user's commands still work: no lock is left held."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from conftest import Clock, bpmn_file
from cycle_helpers import complete, open_task, visible
from sqlalchemy import select

from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.regulation import documentation, expressions, limits, structure
from engine.regulation.versions import SourceFile
from engine.shared.access import Actor
from engine.shared.errors import ExpressionError, Problem, RegulationInvalid
from storage.models import Job, OpenTask

#: wall time any hostile input may cost; the unbounded code took 11 s to forever on these inputs
QUICK = 5.0


@contextmanager
def quick(what: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < QUICK, f"{what} took {elapsed:.1f} s"


def hostile(name: str) -> SourceFile:
    return bpmn_file(f"hostile/{name}.bpmn")


def refused(platform: Reglament, actor: Actor, *files: SourceFile) -> list[Problem]:
    before = platform.regulation.regulations()
    with quick("the refusal"), pytest.raises(RegulationInvalid) as caught:
        platform.regulation.deploy(actor, list(files))
    assert platform.regulation.regulations() == before, "nothing may be stored"
    return caught.value.problems


def others_still_work(platform: Reglament, actors: dict[str, Actor]) -> None:
    """Another user starts a sale and completes its first task: nothing is left locked."""
    boris = actors["boris"]
    with quick("another user's commands"):
        client = platform.clients.create_client(boris, f"Unaffected {time.monotonic_ns()}")
        cycle = platform.regulation.start_cycle(boris, client.id, "new_client_sale")
        assert cycle.status == "active"
        after = complete(platform, boris, cycle.id, "Task_QualificationCall",
                         {"contact_person": "Ivan", "result": "qualified"})
    assert after.status == "active"


def start(platform: Reglament, actors: dict[str, Actor], key: str) -> dict[str, Any]:
    anna = actors["anna"]
    client = platform.clients.create_client(anna, f"Hostile {key}")
    return platform.regulation.start_cycle(anna, client.id, key)


def in_incident(platform: Reglament, actors: dict[str, Actor], cycle_id: int, limit: str) -> dict[str, Any]:
    cycle = platform.regulation.cycle(actors["head"], cycle_id)
    assert cycle.status == "incident", cycle
    assert limit in cycle.incident["message"], cycle.incident["message"]
    return cycle


# ---------------------------------------------------------------- call activities

def test_call_activities_that_call_each_other_in_one_file_are_refused(platform: Reglament, actors) -> None:
    problem, = refused(platform, actors["head"], hostile("call_cycle"))
    assert problem.element_id == "Call_B" and problem.element_name == "Call loop_b"
    assert problem.message.startswith("call activity calls 'loop_b', which leads back to 'loop_a': "
                                      "calls may not form a cycle")
    assert "loop_a (Call_B) → loop_b (Call_Back) → loop_a" in problem.message
    assert problem.line is not None
    others_still_work(platform, actors)


def test_a_process_that_calls_itself_is_refused(platform: Reglament, actors) -> None:
    problem, = refused(platform, actors["head"], hostile("self_call"))
    assert problem.element_id == "Call_Self"
    assert problem.message.startswith("call activity calls its own process 'self_caller'")


def test_two_regulations_that_call_each_other_are_refused(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.regulation.deploy(head, [hostile("pong")])
    platform.regulation.deploy(head, [hostile("ping")])  # ping -> pong: fine, pong ends
    problem, = refused(platform, head, hostile("pong_calls_ping"))
    assert problem.element_id == "Call_Ping"
    assert problem.message.startswith("call activity calls 'ping', which leads back to 'pong'")
    assert "pong (Call_Ping) → ping (Call_Pong) → pong" in problem.message
    assert platform.regulation.versions("pong").version == 1
    others_still_work(platform, actors)


def test_a_call_cycle_stored_before_the_check_is_an_incident_at_run_time(platform: Reglament, actors,
                                                                       monkeypatch) -> None:
    """A cycle deploy did not see (stored by an older version) stops at the call depth limit."""
    monkeypatch.setattr(structure, "call_cycle_problems", lambda own, deployed: [])
    platform.regulation.deploy(actors["head"], [hostile("call_cycle")])
    cycle = start(platform, actors, "call_cycle_main")
    with quick("the runaway call"):
        after = complete(platform, actors["anna"], cycle.id, "Task_Call", {})
    assert after.status == "incident"
    assert "MAX_CALL_DEPTH" in after.incident["message"]
    assert after.incident["message"].startswith("Call activities are nested 11 deep")
    others_still_work(platform, actors)


# ---------------------------------------------------------------- multi-instance and parallel branches

def test_a_literal_loop_cardinality_over_the_limit_is_refused(platform: Reglament, actors) -> None:
    problem, = refused(platform, actors["head"], hostile("loop_cardinality"))
    assert problem.element_id == "Task_Each" and problem.element_name == "Call each contact"
    assert problem.message == ("loop cardinality 200,000 is over the limit: a multi-instance activity runs "
                               "at most 1,000 instances; the limit is 1,000 (MAX_LOOP_CARDINALITY)")


@pytest.mark.parametrize("written", ["${100 * 2000}", "1001"])
def test_a_constant_cardinality_expression_over_the_limit_is_refused(platform: Reglament, actors,
                                                                     written: str) -> None:
    content = hostile("loop_cardinality").content.replace(b"200000", written.encode())
    problem, = refused(platform, actors["head"], SourceFile("many.bpmn", content))
    assert "MAX_LOOP_CARDINALITY" in problem.message


def test_a_typed_cardinality_over_the_limit_is_an_incident(platform: Reglament, actors) -> None:
    platform.regulation.deploy(actors["head"], [hostile("typed_cardinality")])
    cycle = start(platform, actors, "typed_calls")
    with quick("the refused cardinality"):
        after = complete(platform, actors["anna"], cycle.id, "Task_Count", {"count": 200000})
    assert after.status == "incident"
    assert after.incident["message"] == (
        "Loop cardinality '${count}' of 'Call each contact' is 200,000: a multi-instance activity runs at most "
        "1,000 instances; the limit is 1,000 (MAX_LOOP_CARDINALITY)")
    assert visible(platform, actors["anna"], cycle.id) == []
    others_still_work(platform, actors)


def test_instances_up_to_the_limit_run_and_each_completion_stays_quick(platform: Reglament, actors) -> None:
    platform.regulation.deploy(actors["head"], [hostile("typed_cardinality")])
    cycle = start(platform, actors, "typed_calls")
    anna = actors["anna"]
    with quick("creating the instances"):
        complete(platform, anna, cycle.id, "Task_Count", {"count": limits.MAX_LOOP_CARDINALITY})
    with platform.query() as s:
        tasks = list(s.scalars(select(OpenTask).where(OpenTask.cycle_id == cycle.id)))
    assert len(tasks) == limits.MAX_LOOP_CARDINALITY
    with quick("completing one instance among many"):
        after = platform.regulation.complete_task(anna, tasks[0].id, {})
    assert after.status == "active"


def test_a_gateway_that_splits_into_too_many_branches_is_refused(platform: Reglament, actors) -> None:
    problem, = refused(platform, actors["head"], hostile("wide_gateway"))
    assert problem.element_id == "Gateway_Split" and problem.element_name == "Everyone at once"
    assert problem.message == ("parallelGateway splits into 60 parallel branches; "
                               "the limit is 50 (MAX_GATEWAY_FAN_OUT)")


def test_too_many_open_tasks_at_once_is_an_incident_and_the_step_is_undone(platform: Reglament, actors) -> None:
    """50 instances of 50 instances: each literal is allowed, the 2,500 tasks together are not."""
    platform.regulation.deploy(actors["head"], [hostile("nested_instances")])
    cycle = start(platform, actors, "nested_instances")
    with quick("the refused fan-out"):
        after = complete(platform, actors["anna"], cycle.id, "Task_Call", {})
    assert after.status == "incident"
    assert "MAX_LIVE_TOKENS" in after.incident["message"]
    assert visible(platform, actors["anna"], cycle.id) == [], "no task of the undone step is projected"
    history = platform.regulation.history(actors["head"], cycle.id)
    assert [e.type for e in history].count("created") == 1, "only Task_Call was ever created"
    assert history[-1].type == "incident"
    others_still_work(platform, actors)


# ---------------------------------------------------------------- the step bound

def test_an_engine_loop_without_a_wait_state_is_an_incident_and_rolled_back(platform: Reglament, actors) -> None:
    platform.regulation.deploy(actors["head"], [hostile("engine_loop")])
    cycle = start(platform, actors, "engine_loop")
    with quick("the runaway loop"):
        after = complete(platform, actors["anna"], cycle.id, "Task_Call", {})
    assert after.status == "incident"
    message = after.incident["message"]
    assert message.startswith("The cycle's path is 5")
    assert message.endswith("the regulation loops without a task for a person or a timer; "
                            "the limit is 500 (MAX_TASK_DEPTH)")
    history = platform.regulation.history(actors["head"], cycle.id)
    assert not [e for e in history if e.type == "passed" and e.task.element_id != "Start_Loop"], \
        "nothing of the runaway step is kept"
    assert [e.type for e in history][-2:] == ["completed", "incident"], "the user's completion is kept"
    with quick("a retry"):
        retried = platform.regulation.retry(actors["head"], cycle.id)
    assert retried.status == "incident" and "MAX_TASK_DEPTH" in retried.incident["message"]
    others_still_work(platform, actors)


def test_a_step_over_its_time_is_an_incident_naming_the_limit(platform: Reglament, actors, monkeypatch) -> None:
    """Whatever makes a step slow, it ends at MAX_STEP_SECONDS (here made 0 to show it)."""
    monkeypatch.setattr(limits, "MAX_STEP_SECONDS", 0.0)
    client = platform.clients.create_client(actors["anna"], "Slow Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale")
    assert cycle.status == "incident"
    assert cycle.incident["message"].startswith("The step ran for over 0 s (stopped at ")
    assert cycle.incident["message"].endswith("the limit is 0 s (MAX_STEP_SECONDS)")
    monkeypatch.undo()
    others_still_work(platform, actors)


# ---------------------------------------------------------------- expressions

HEAVY = ["${sum([[0]*9999]*999, []) == []}", "${len(str([[0]*9999]*9999)) > 0}",
         "${len(str([[0]*300]*300)) > 0}", "${sum([[0]]*30000, []) == []}"]


@pytest.mark.parametrize("condition", HEAVY, ids=["sum-of-lists", "str-of-nested", "str-of-shared", "sum-many"])
def test_a_condition_that_builds_huge_values_is_an_incident(platform: Reglament, actors, condition: str) -> None:
    content = hostile("heavy_condition").content.replace(b"${sum([[0]*9999]*999, []) == []}", condition.encode())
    platform.regulation.deploy(actors["head"], [SourceFile("heavy.bpmn", content)])
    cycle = start(platform, actors, "heavy_condition")
    with quick("the heavy condition"):
        after = complete(platform, actors["anna"], cycle.id, "Task_Call", {})
    assert after.status == "incident"
    assert "the limit is 100,000 (MAX_VALUE_SIZE)" in after.incident["message"]
    others_still_work(platform, actors)


@pytest.mark.parametrize(("expression", "limit"), [
    ("sum([[0]*9999]*999, [])", "MAX_VALUE_SIZE"),
    ("len(str([[0]*9999]*9999))", "MAX_VALUE_SIZE"),
    ("[x] * 100000", "MAX_VALUE_SIZE"),
    ("str(x) + str(x) + str(x)", "MAX_VALUE_SIZE"),
    ("lower([x, x, x, x])", "MAX_VALUE_SIZE"),
    ("round(5, -10000000)", "MAX_INT_DIGITS"),
    ("int('9' * 4000)", "MAX_INT_DIGITS"),
    ("int('9' * 900) * int('9' * 900)", "MAX_INT_DIGITS"),
])
def test_the_evaluator_refuses_values_over_the_limits_quickly(expression: str, limit: str) -> None:
    big = "y" * 40_000
    with quick(expression), pytest.raises(ExpressionError) as caught:
        expressions.evaluate(expression, {"x": big})
    assert f"({limit})" in caught.value.message


def test_the_evaluator_counts_its_steps_and_time(monkeypatch) -> None:
    monkeypatch.setattr(expressions, "MAX_EXPRESSION_STEPS", 10)
    with pytest.raises(ExpressionError, match=r"over 10 steps; the limit is 10 \(MAX_EXPRESSION_STEPS\)"):
        expressions.evaluate("1 + 2 + 3 + 4 + 5 + 6 + 7", {})
    monkeypatch.setattr(expressions, "MAX_EXPRESSION_SECONDS", -1.0)
    with pytest.raises(ExpressionError, match=r"MAX_EXPRESSION_SECONDS"):
        expressions.evaluate("1 + 1", {})


def test_ordinary_expressions_still_evaluate() -> None:
    assert expressions.evaluate("sum([1, 2, 3]) + len(str([0] * 100))", {}) == 306
    assert expressions.evaluate("sum([[1], [2]], [])", {}) == [1, 2]
    assert expressions.evaluate("round(2.675, 2) < 3 and lower(name) == 'ann'", {"name": "ANN"}) is True
    assert expressions.evaluate("'ab' * 3", {}) == "ababab"
    assert str(expressions.evaluate("0.1 + 0.2", {}, exact=True)) == "0.3"


# ---------------------------------------------------------------- documentation

def test_task_documentation_with_nested_loops_renders_quickly(platform: Reglament, actors) -> None:
    platform.regulation.deploy(actors["head"], [hostile("heavy_documentation")])
    cycle = start(platform, actors, "heavy_documentation")
    task, _, variables = platform.regulation.task(actors["anna"], open_task(platform, actors["anna"], cycle.id,
                                                                             "Task_Read").id)
    with quick("the task page's documentation"):
        text = platform.regulation.task_documentation(task, variables)
    assert text.startswith("Call {{ client_name }}."), "a template over its limits shows as written"
    others_still_work(platform, actors)


MULTIPLYING = [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{{ 'x' | center(400000000) }}",
    "{{ 'ab' | replace('', 'x' * 10000) }}",
    "{{ 'ab'.replace('', 'x' * 10000) }}",
    "{{ range(10000) | join('x' * 10000) }}",
    "{{ ('x\n' * 10000) | indent(10000) }}",
    "{{ [[0] * 9999] * 999 | sum(start=[]) | length }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ 5 | round(-10000000) }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
    "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(40) }}",
    "{{ items | map('upper') | join('x' * 10000) }}",
    "{{ lipsum(1000000) }}",
]


@pytest.mark.parametrize("template", MULTIPLYING, ids=[
    "nested-range", "center", "replace-filter", "replace-method", "join", "indent", "sum", "format", "round",
    "concat-doubling", "plus-doubling", "macro-doubling", "generator-join", "lipsum"])
def test_documentation_that_would_build_huge_text_shows_as_written(template: str) -> None:
    with quick(template):
        assert documentation.render(template, {"items": ["a", "b"]}) == template


def test_documentation_output_is_cut_at_the_limit() -> None:
    with quick("a long output"):
        text = documentation.render("{% for i in range(5000) %}{{ 'y' * 100 }}{% endfor %}", {})
    assert text == "y" * limits.MAX_DOCUMENTATION_LENGTH


def test_ordinary_documentation_still_renders() -> None:
    template = ("Call {{ client_name }} ({{ items | join(', ') }}): {% for k, v in d | dictsort %}"
                "{{ loop.index }}. {{ k }}={{ v }} {% endfor %}{{ 'abcdefgh' | truncate(5, leeway=0) }} "
                "{{ (12.345 | round(1)) ~ '!' }} {{ name.upper() }}")
    assert documentation.render(template, {"client_name": "Acme", "items": ["a", "b"], "d": {"b": 2, "a": 1},
                                           "name": "ann"}) == "Call Acme (a, b): 1. a=1 2. b=2 ab... 12.3! ANN"


# ---------------------------------------------------------------- timers

def test_a_timer_cycle_faster_than_the_minimum_is_refused(platform: Reglament, actors) -> None:
    problem, = refused(platform, actors["head"], hostile("fast_timer"))
    assert problem.element_id == "Timer_Spin" and problem.element_name == "every second"
    assert problem.message == ("timer cycle 'R/PT1S' repeats every 1 s, more often than a repeating timer "
                               "may fire; the limit is 1 min (MIN_TIMER_CYCLE)")


def test_a_timer_cycle_of_a_minute_deploys() -> None:
    assert structure.timer_cycle_problem("R/PT1M") is None
    assert structure.timer_cycle_problem("R3/P1D") is None
    assert structure.timer_cycle_problem("${interval}") is None  # paced at run time


def _job_dues(platform: Reglament, cycle_id: int) -> list[Any]:
    with platform.query() as s:
        return sorted(j.due_at for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id)))


def test_a_typed_fast_timer_cycle_never_fires_more_often_than_the_minimum(platform: Reglament, actors,
                                                                         clock: Clock) -> None:
    platform.regulation.deploy(actors["head"], [hostile("typed_timer")])
    cycle = start(platform, actors, "typed_timer")
    complete(platform, actors["anna"], cycle.id, "Task_Set", {"interval": "R/PT1S"})
    assert _job_dues(platform, cycle.id) == [clock.now + limits.MIN_TIMER_CYCLE]
    worker = Worker(platform)
    fired = 0
    with quick("the worker"):
        for _ in range(5):
            clock.advance(seconds=1)
            fired += worker.run_once()
    assert fired == 0, "a second is not a minute"
    first_due, = _job_dues(platform, cycle.id)
    clock.advance(minutes=1)
    assert worker.run_once() == 1
    assert _job_dues(platform, cycle.id) == [first_due + limits.MIN_TIMER_CYCLE]
    assert worker.run_once() == 0, "the worker does not spin on the timer"
    others_still_work(platform, actors)


def test_missed_firings_of_a_timer_cycle_are_not_made_up_in_a_burst(platform: Reglament, actors,
                                                                   clock: Clock) -> None:
    platform.regulation.deploy(actors["head"], [hostile("typed_timer")])
    cycle = start(platform, actors, "typed_timer")
    complete(platform, actors["anna"], cycle.id, "Task_Set", {"interval": "R/PT1M"})
    clock.advance(days=1)  # the worker was down for a day
    worker = Worker(platform)
    with quick("catching up a day"):
        assert worker.run_once() == 1
        assert worker.run_once() == 0, "one firing for the missed day, not 1,440"
    assert platform.regulation.cycle(actors["head"], cycle.id).status == "active"
    assert _job_dues(platform, cycle.id) == [clock.now + timedelta(minutes=1)]


# ---------------------------------------------------------------- the limits themselves

def test_every_limit_is_named_in_one_place() -> None:
    for name in ("MAX_VALUE_SIZE", "MAX_INT_DIGITS", "MAX_EXPRESSION_STEPS", "MAX_EXPRESSION_SECONDS",
                 "MAX_DOCUMENTATION_STEPS", "MAX_DOCUMENTATION_LENGTH", "MAX_DOCUMENTATION_SECONDS",
                 "MAX_LOOP_CARDINALITY", "MAX_GATEWAY_FAN_OUT", "MIN_TIMER_CYCLE", "MAX_CALL_DEPTH",
                 "MAX_STEP_TASKS", "MAX_TASK_DEPTH", "MAX_STEP_SECONDS", "MAX_LIVE_TOKENS", "MAX_CYCLE_TASKS"):
        assert hasattr(limits, name) and name in (limits.__doc__ or ""), name
