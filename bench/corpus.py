"""The conformance corpus: deploy every public Camunda 7 / bpmn-js diagram of the sources listed in
tests/conformance/sources.toml, one by one, into one scratch Reglament (SQLite in a temp dir), and
walk each deployed one through its user tasks to an end.

    .venv/bin/python bench/corpus.py --mirrors DIR --report corpus.json
    REGLAMENT_CORPUS_MIRRORS=DIR .venv/bin/python bench/corpus.py --report corpus.json --limit 200

DIR holds bare git mirrors named ``<owner>+<name>/repo`` (what the team's fetch tool writes); the
files are read with ``git show`` at the commit the sources list names, never copied.

Each file ends in one class:
  deployed                  deployed; its walk is classified below
  refused by design         refused for a reason Reglament keeps on purpose (scripts, Java
                            delegates, listeners, connectors, compensation, no executable process...)
  refused although runnable refused although Camunda runs it and nothing in Reglament's design forbids it
  crashed                   any exception other than the deploy refusal (deploy or walk), or over
                            the time bound per file
A deployed file's cycle is started and walked: every open task is completed (as the head, the
form filled with a value of each field's type), due timers are fired by moving the clock, for
at most --steps steps. Walks end as: ended after tasks / ended with no task while the diagram has
none / ended after an event cancelled its task / incident (with its message) / waits for an event
from outside / waits for a condition on its variables (a conditional event) / stalled or ended
without any task although the diagram has user tasks (both "suspicious", unless the file is in
REVIEWED: checked by hand to end as Camunda ends it, with the reason) / step bound reached.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.regulation import conditions, runtime
from engine.regulation.versions import SourceFile
from engine.shared.access import Actor
from engine.shared.errors import ReglamentError, RegulationInvalid
from storage import models
from storage.db import Database
from storage.models import Cycle, HistoryEvent, Job, OpenTask

SOURCES = ROOT / "tests" / "conformance" / "sources.toml"
MIRRORS_ENV = "REGLAMENT_CORPUS_MIRRORS"

#: refusal messages Reglament gives on purpose: (pattern, reason shown in the table)
BY_DESIGN: list[tuple[str, str]] = [
    (r"scriptTask refused|embedded scripts|camunda:script|spiffworkflow:(pre|post)Script", "scripts run code"),
    (r"serviceTask refused|sendTask refused|service tasks", "service/send task calls code"),
    (r"camunda:(class|expression|delegateExpression) refused", "Java delegate or delegate expression"),
    (r"listeners? run code|camunda:(execution|task)Listener", "listeners run code"),
    (r"connector", "connectors call external systems"),
    (r"constraint validator refused", "form validators (Java classes or beans)"),
    (r"compensat", "compensation (refused with a message)"),
    (r"has no executable process|no process$", "no executable process: nothing to run"),
    (r"not a BPMN 2\.0 document|not well-formed|DTD|cannot be read|is empty$", "not a BPMN 2.0 document"),
    (r"calls may not form a cycle", "call activities that call each other forever"),
    (r"\(MAX_[A-Z_]+\)|\(MIN_TIMER_CYCLE\)", "over a bound on work (limits.py)"),
    (r"uses L, W or #", "cron L/W/# (last day, nearest weekday)"),
    (r"condition language '(groovy|javascript|js|python|ruby)'", "script conditions (groovy, javascript...)"),
    (r"the method '[A-Za-z]+' may not be called", "calls a method of a Java object (Spring bean, Spin)"),
    (r"Camunda 7 refuses it too|Camunda refuses it too", "Camunda 7 refuses it too (its BpmnParse)"),
    (r"camunda:caseRef", "CMMN cases (camunda:caseRef)"),
    (r"is not a date or a duration|is not an ISO-8601|is not a repetition|never fires|"
     r"Syntax error in expression '(?![$#]\{)", "a value Camunda too fails on when it runs (refused at deploy)"),
]
#: walks that end without a task although the diagram has user tasks, each checked by hand against
#: Camunda's behaviour (path -> why Camunda ends it so too)
REVIEWED: dict[str, str] = {
    "engine/src/test/resources/org/camunda/bpm/engine/test/bpmn/event/timer/"
    "BoundaryTimerEventTest.testTimerInSingleTransactionProcess.bpmn20.xml":
        "the subprocess completes in the starting transaction, so its boundary timer never fires and the "
        "task behind the timer is never reached (testTimerInSingleTransactionProcess)",
    "engine/src/test/resources/org/camunda/bpm/engine/test/bpmn/event/end/"
    "TerminateEndEventTest.subProcessConcurrentTerminate.bpmn":
        "a parallel branch reaches a terminate end event at once, which ends the process before its task "
        "is worked (the process called by testTerminateInCallActivityConcurrent)",
    "engine/src/test/resources/org/camunda/bpm/engine/test/bpmn/parse/BpmnParseTest.testParseConditionalBoundaryEvent.bpmn":
        "its conditional boundary event's condition is ${true}: Camunda evaluates it as the user task is entered "
        "and it interrupts the task at once (the test only parses the diagram)",
}
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


class Timeout(Exception):
    pass


@dataclass
class Outcome:
    source: str
    path: str
    result: str  # deployed / refused by design / refused although runnable / crashed
    reasons: list[str] = field(default_factory=list)
    walk: str | None = None
    detail: str | None = None
    seconds: float = 0.0


def reason_key(message: str) -> str:
    """A refusal message without its particulars, to count alike refusals together."""
    return _QUOTED.sub("…", message)[:110]


def by_design(message: str) -> str | None:
    for pattern, reason in BY_DESIGN:
        if re.search(pattern, message, re.IGNORECASE):
            return reason
    return None


def git_files(git_dir: Path, commit: str, patterns: list[str]) -> list[str]:
    names = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", commit],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    return sorted(n for n in names if any(fnmatch.fnmatch(n, p) or fnmatch.fnmatch(Path(n).name, p.split("/")[-1])
                                          for p in patterns))


def git_show(git_dir: Path, commit: str, path: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"],
                          check=True, capture_output=True).stdout


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Timeout("over the time bound per file")


def fill(field_type: str, options: tuple[tuple[str, str], ...]) -> Any:
    if options:
        return options[0][0]
    return {"long": 1, "boolean": True, "date": "2026-01-05", "money": "1"}.get(field_type, "x")


class Walker:
    def __init__(self, platform: Reglament, clock: Clock, head: Actor, steps: int) -> None:
        self.platform, self.clock, self.head, self.steps = platform, clock, head, steps
        self.worker = Worker(platform)
        self.clients = 0

    def walk(self, key: str, has_user_tasks: bool, path: str = "") -> tuple[str, str | None]:
        p = self.platform
        self.clients += 1
        client = p.clients.create_client(self.head, f"Corpus client {self.clients}")
        cycle_id = _id(p.regulation.start_cycle(self.head, _id(client), key))
        done = 0
        for _ in range(self.steps):
            with p.query() as s:
                cycle = s.get(Cycle, cycle_id)
                assert cycle is not None
                status, incident = cycle.status, cycle.incident
                tasks = [t.id for t in s.scalars(select(OpenTask).where(OpenTask.cycle_id == cycle_id)
                                                 .order_by(OpenTask.created_at, OpenTask.id))]
                due = s.scalar(select(Job.due_at).where(Job.cycle_id == cycle_id).order_by(Job.due_at))
                waits = _waits_outside(s, cycle_id)
            if incident:
                return "incident", str(incident.get("message") or incident)[:300]
            if status != "active":
                if done:
                    return "ended after tasks", status
                if has_user_tasks and _task_created(p, cycle_id):
                    return "ended after an event cancelled its task", status
                reviewed = REVIEWED.get(path)
                if has_user_tasks and reviewed:
                    return "ended without any task as Camunda ends it (reviewed)", reviewed
                return ("suspicious: ended without any task" if has_user_tasks else "ended, the diagram has no task",
                        status)
            if tasks:
                self._complete(tasks[0])
                done += 1
            elif due is not None:
                self.clock.now = max(self.clock.now, due.replace(tzinfo=due.tzinfo or UTC)) + timedelta(seconds=1)
                self.worker.run_once()
            elif waits:
                return "waits for an event from outside", None
            elif _waits_for_condition(p, cycle_id):
                return "waits for a condition on its variables", None
            else:
                return "suspicious: stalled silently", None
        return "step bound reached", None

    def _complete(self, task_id: str) -> None:
        p = self.platform
        with p.command() as s:  # the walker acts as the head: the task is handed to them
            row = s.get(OpenTask, task_id)
            assert row is not None
            row.assignee = self.head.login
        _task, fields, _variables = p.regulation.task(self.head, task_id)
        values = {f.id: fill(f.type, f.options) for f in fields if not f.readonly and f.type != "file"}
        p.regulation.complete_task(self.head, task_id, values)


def _task_created(platform: Reglament, cycle_id: int) -> bool:
    """A task of the cycle was created (and cancelled by an event: a boundary event, a terminate end)."""
    with platform.query() as s:
        return bool(s.scalar(select(func.count()).select_from(HistoryEvent)
                             .where(HistoryEvent.cycle_id == cycle_id, HistoryEvent.type == "created")))


def _waits_for_condition(platform: Reglament, cycle_id: int) -> bool:
    """The cycle waits at a conditional event for its variables to change (engine/regulation/conditions.py)."""
    with platform.query() as s:
        cycle = s.get(Cycle, cycle_id)
        assert cycle is not None
        workflow = runtime.restore_workflow(platform.ctx.specs_for(s, cycle.version), cycle.state)
    return bool(conditions.waiting(workflow))


def _id(row: Any) -> int:
    """The id of what the platform answers with (a dict or a read model)."""
    return int(row["id"] if isinstance(row, dict) else row.id)


def _waits_outside(session: Session, cycle_id: int) -> bool:
    """The cycle waits for a message or an outside worker (the tables of engine/regulation/outside)."""
    for name in ("ExternalTask", "MessageSubscription"):
        model = getattr(models, name, None)
        column = getattr(model, "cycle_id", None)
        if column is not None and session.scalar(select(func.count()).select_from(model).where(column == cycle_id)):
            return True
    return False


def run(mirrors: Path, sources: list[dict[str, Any]], limit: int | None, per_file: int, steps: int,
        only: str | None) -> list[Outcome]:
    clock = Clock()
    db = Database(f"sqlite:///{tempfile.mkdtemp(prefix='reglament-corpus-')}/corpus.db")
    platform = Reglament(db, "corpus-secret", clock=clock)
    platform.init_schema()
    head = platform.accounts.create_user("head", "Head", "corpus-password-1", ["admin", "owner", "head", "manager"],
                                         ["Sales"])
    walker = Walker(platform, clock, head, steps)
    signal.signal(signal.SIGALRM, _alarm)
    outcomes: list[Outcome] = []
    for source in sources:
        git_dir = mirrors / source["repo"].replace("/", "+") / "repo"
        for path in git_files(git_dir, source["commit"], source["patterns"]):
            if only and only not in path:
                continue
            if limit is not None and len(outcomes) >= limit:
                return outcomes
            outcomes.append(one(platform, walker, head, source["repo"], path,
                                git_show(git_dir, source["commit"], path), per_file))
    return outcomes


def one(platform: Reglament, walker: Walker, head: Actor, repo: str, path: str, content: bytes,
        per_file: int) -> Outcome:
    started = time.perf_counter()
    out = Outcome(repo, path, "crashed")
    signal.alarm(per_file)
    try:
        try:
            deployed = platform.regulation.deploy(head, [SourceFile(Path(path).name, content)])
        except RegulationInvalid as exc:
            messages = [p.message for p in exc.problems]
            out.reasons = messages
            designed = [r for r in (by_design(m) for m in messages) if r]
            out.result = "refused by design" if designed else "refused although runnable"
            out.detail = designed[0] if designed else None
            return out
        out.result = "deployed"
        has_user_tasks = re.search(rb"<([A-Za-z0-9_]+:)?userTask\b", content) is not None
        try:
            out.walk, out.detail = walker.walk(deployed.key, has_user_tasks, path)
        except ReglamentError as exc:
            out.walk, out.detail = "walk refused", f"{type(exc).__name__}: {exc}"[:300]
    except Timeout as exc:
        out.result, out.detail = "crashed", str(exc)
    except Exception as exc:  # a crash is what this script is here to find
        out.result, out.detail = "crashed", f"{type(exc).__name__}: {exc}"[:300]
    finally:
        signal.alarm(0)
        out.seconds = round(time.perf_counter() - started, 3)
    return out


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    total = len(outcomes) or 1
    results = Counter(o.result for o in outcomes)
    walks = Counter(o.walk for o in outcomes if o.walk)
    runnable = Counter(reason_key(m) for o in outcomes if o.result == "refused although runnable" for m in o.reasons)
    designed = Counter(o.detail for o in outcomes if o.result == "refused by design")
    crashes = Counter(reason_key(o.detail or "") for o in outcomes if o.result == "crashed")
    incidents = Counter(reason_key(o.detail or "") for o in outcomes if o.walk in ("incident", "walk refused"))
    return {
        "files": len(outcomes), "results": dict(results),
        "percent": {k: round(100 * v / total, 1) for k, v in results.items()},
        "walks": dict(walks), "refused_by_design": designed.most_common(),
        "refused_although_runnable": runnable.most_common(40), "crashes": crashes.most_common(40),
        "incidents": incidents.most_common(40),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirrors", default=os.environ.get(MIRRORS_ENV),
                        help=f"directory of <owner>+<name>/repo git mirrors (or ${MIRRORS_ENV})")
    parser.add_argument("--sources", default=str(SOURCES))
    parser.add_argument("--report", required=True, help="where to write the JSON report")
    parser.add_argument("--limit", type=int, default=None, help="at most this many files")
    parser.add_argument("--only", default=None, help="only paths containing this text")
    parser.add_argument("--per-file", type=int, default=20, help="seconds allowed per file (deploy and walk)")
    parser.add_argument("--steps", type=int, default=60, help="walk steps per cycle")
    args = parser.parse_args()
    if not args.mirrors:
        parser.error(f"give the mirrors directory with --mirrors or ${MIRRORS_ENV}")
    sources = tomllib.loads(Path(args.sources).read_text())["source"]
    started = time.perf_counter()
    outcomes = run(Path(args.mirrors), sources, args.limit, args.per_file, args.steps, args.only)
    report = {"date": datetime.now(UTC).date().isoformat(), "sources": sources,
              "seconds": round(time.perf_counter() - started, 1), "summary": summary(outcomes),
              "files": [asdict(o) for o in outcomes]}
    Path(args.report).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    s = report["summary"]
    print(f"{s['files']} files in {report['seconds']} s")
    for name, count in sorted(s["results"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:28} {count:5}  {s['percent'][name]:5} %")
    print("walks of the deployed:")
    for name, count in sorted(s["walks"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:40} {count:5}")
    for title, key in (("refused although runnable", "refused_although_runnable"), ("crashed", "crashes"),
                       ("incidents", "incidents"), ("refused by design", "refused_by_design")):
        print(f"top {title}:")
        for reason, count in s[key][:15]:
            print(f"  {count:5}  {reason}")


if __name__ == "__main__":
    main()
