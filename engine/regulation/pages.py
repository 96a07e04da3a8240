"""Page-shaped reads: everything a heavy page of the regulation core shows, read in the caller's
one read transaction (one snapshot, one BEGIN) instead of one transaction per part."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.clients.attachments import StoredFile
from engine.clients.records import possible_owners
from engine.clients.views import Owner
from engine.regulation import (
    board,
    documentation,
    explorer,
    forms,
    operator_reads,
    reading,
    task_context,
    task_files,
    tasks,
    version_reads,
    versions,
)
from engine.regulation.context import Context
from engine.regulation.diff import DiagramDiff
from engine.regulation.reading import (
    CycleView,
    HistoryEvent,
    PathTaken,
    TaskView,
    cycle_view,
    get_cycle,
    history_of,
    path_taken,
    task_view,
)
from engine.shared.access import OPERATORS, READ_ALL, Actor, Permission
from engine.shared.errors import NotFound
from storage.models import OpenTask
from storage.repositories import regulation as regulation_repo


@dataclass(frozen=True)
class CyclePage:
    """A cycle, its history (oldest first), its open tasks, the path it took through its diagram,
    the files sent in its forms, the form fields its history's data is shown under and, for an
    operator, what the operations offer."""

    cycle: CycleView
    history: tuple[HistoryEvent, ...]
    open_tasks: tuple[TaskView, ...]
    path: PathTaken
    tools: operator_reads.CycleTools | None
    files: tuple[StoredFile, ...]
    #: by element id and field id: the labels, option names and currencies of the history's data
    history_fields: Mapping[str, Mapping[str, forms.FormField]]


def cycle_page(session: Session, ctx: Context, actor: Actor, cycle_id: int) -> CyclePage:
    cycle = get_cycle(session, actor, cycle_id)
    history = history_of(session, cycle)
    open_tasks = [task_view(t) for t in regulation_repo.open_tasks_of_cycle(session, cycle_id)]
    tools = operator_reads.cycle_tools(session, ctx, cycle) if actor.may(Permission.OPERATE) else None
    return CyclePage(cycle=cycle_view(cycle), history=tuple(history), open_tasks=tuple(open_tasks),
                     path=path_taken(cycle, history, open_tasks), tools=tools,
                     files=tuple(task_files.files_of_cycle(session, actor, cycle_id)),
                     history_fields=task_context.history_fields(session, ctx, cycle))


@dataclass(frozen=True)
class TaskPage:
    """An open task the actor may see: its form, its cycle's variables (user data), its rendered
    documentation and the client card and earlier steps beside it."""

    task: TaskView
    fields: tuple[forms.FormField, ...]
    variables: Mapping[str, Any]
    documentation: str
    context: task_context.TaskContext


def open_task(session: Session, task_id: str) -> OpenTask:
    """The open task, or ConcurrentChange when it was just completed, or NotFound."""
    task = regulation_repo.open_task(session, task_id)
    if task is None:
        tasks.open_task_or_conflict(session, task_id)
        raise NotFound(f"no task {task_id}")
    return task


def task_page(session: Session, ctx: Context, actor: Actor, task_id: str) -> TaskPage:
    task = open_task(session, task_id)
    cycle = get_cycle(session, actor, task.cycle_id)
    variables = dict(cycle.variables or {})
    spec, subs = ctx.specs_for(session, cycle.version)
    task_spec = tasks.find_spec(spec, subs, task.element_id)
    return TaskPage(task=task_view(task), fields=tuple(tasks.task_form(session, ctx, task)), variables=variables,
                    documentation=documentation.render(getattr(task_spec, "documentation", None), variables),
                    context=task_context.task_context(session, ctx, cycle, task))


@dataclass(frozen=True)
class InboxRow:
    """A task of the inbox with its form (when asked for) and its cycle's deal amount."""

    task: TaskView
    form: tuple[forms.FormField, ...]
    #: the deal amount of the task's cycle, None until it has one
    amount: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        """The API's task of the inbox (the deal amount a string of kopecks, null until one)."""
        task = self.task.as_dict()
        head = {k: task.pop(k) for k in ("id", "cycle_id", "client_id", "client_name")}
        return head | {"amount": str(self.amount) if self.amount is not None else None} | task | {
            "form": [f.as_dict() for f in self.form]}


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox and the cursor of the next page (None on the last page)."""

    rows: tuple[InboxRow, ...]
    next: str | None


def inbox_page(session: Session, ctx: Context, actor: Actor, scope: str | None, cycle_id: int | None,
               with_forms: bool, limit: int, after: str | None) -> InboxPage:
    found = reading.inbox(session, ctx, actor, scope, cycle_id, limit + 1, after)
    page, more = found[:limit], len(found) > limit
    amounts = board.deal_amounts(session, [t.cycle_id for t in page])
    rows = tuple(InboxRow(task_view(t), tuple(tasks.task_form(session, ctx, t)) if with_forms else (),
                          amounts.get(t.cycle_id)) for t in page)
    return InboxPage(rows, reading.inbox_cursor(page[-1]) if more and page else None)


@dataclass(frozen=True)
class DealsPage:
    """The deal board and, for those who read every cycle, whose deals it may show instead."""

    board: board.Board
    owners: tuple[Owner, ...]


def deals_page(session: Session, actor: Actor, owner: str | None) -> DealsPage:
    everyone = actor.reads_all
    return DealsPage(board.deal_board(session, actor, owner if everyone else None),
                     tuple(possible_owners(session)) if everyone else ())


@dataclass(frozen=True)
class RegulationPage:
    """A regulation with its versions and, when two were chosen, what changed between them."""

    info: version_reads.VersionList
    comparison: DiagramDiff | None


def regulation_page(session: Session, key: str, old: int | None, new: int | None) -> RegulationPage:
    info = version_reads.version_list(session, key)
    comparison = versions.compare(session, key, old, new) if old and new else None
    return RegulationPage(info, comparison)


@dataclass(frozen=True)
class VersionPage:
    """One version of a regulation among the others and, for operators and those who read every
    cycle, where that version's cycles wait."""

    info: version_reads.VersionList
    version: version_reads.VersionInfo
    loads: Mapping[str, operator_reads.ElementLoad] | None


def version_page(session: Session, actor: Actor, key: str, number: int) -> VersionPage:
    info = version_reads.version_list(session, key)
    version = version_reads.version_info(versions.get_version(session, key, number))
    sees_loads = actor.has_any(OPERATORS | READ_ALL)
    loads = operator_reads.version_loads(session, key, number) if sees_loads else None
    return VersionPage(info, version, loads)


@dataclass(frozen=True)
class ExplorerView:
    """The cycles explorer page: a page of the filter and the regulations its filter offers."""

    page: explorer.ExplorerPage
    regulations: tuple[version_reads.RegulationSummary, ...]


def explorer_view(session: Session, actor: Actor, args: Mapping[str, Any], limit: Any = None,
                  after: str | None = None) -> ExplorerView:
    return ExplorerView(explorer.read_page(session, explorer.parse(session, actor, args, limit, after)),
                        tuple(version_reads.regulations(session)))
