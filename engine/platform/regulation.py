"""Regulations and their versions, cycles, tasks and work types."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.clients import attachments
from engine.motivation import reversals
from engine.motivation.read_models import CycleReversal
from engine.platform.base import Service
from engine.regulation import board, cycles, documentation, forms, pages, task_context, task_files, version_reads, work_types
from engine.regulation import versions as regulations
from engine.regulation.diff import DiagramDiff
from engine.regulation.reading import CycleView, HistoryEvent, TaskView, task_view
from engine.shared.access import Actor
from storage.models import Cycle


@dataclass(frozen=True)
class CycleScreen:
    """The cycle page: the regulation core's page of the cycle and, for a won cycle, its
    cancellations and refunds (motivation's; empty for any other)."""

    page: pages.CyclePage
    reversals: tuple[CycleReversal, ...]


class RegulationService(Service):
    def work_types(self) -> list[work_types.WorkTypeEntry]:
        with self.query() as s:
            return work_types.catalogue(s)

    def save_work_type(self, actor: Actor, name: str, label: str, default_due: str | None) -> None:
        with self.command() as s:
            work_types.save(s, actor, name, label, default_due)

    def deploy(self, actor: Actor, files: list[regulations.SourceFile],
               keep_if_not_executable: bool = False, comment: str | None = None) -> regulations.Deployed:
        """Deploy a regulation; ``comment`` labels the new version (at most 500 characters)."""
        with self.command() as s:
            return regulations.deploy(s, actor, files, keep_if_not_executable, comment)

    def versions(self, key: str) -> version_reads.VersionList:
        with self.query() as s:
            return version_reads.version_list(s, key)

    def version(self, key: str, number: int) -> version_reads.VersionInfo:
        with self.query() as s:
            return version_reads.version_info(regulations.get_version(s, key, number))

    def version_xml(self, key: str, number: int) -> str:
        with self.query() as s:
            return regulations.version_xml(s, key, number)

    def compare_versions(self, key: str, old: int, new: int) -> DiagramDiff:
        with self.query() as s:
            return regulations.compare(s, key, old, new)

    def regulation_page(self, key: str, old: int | None = None, new: int | None = None) -> pages.RegulationPage:
        """A regulation's versions and, with ``old`` and ``new``, what changed between them: one read."""
        with self.query() as s:
            return pages.regulation_page(s, key, old, new)

    def version_page(self, actor: Actor, key: str, number: int) -> pages.VersionPage:
        """One version among the others and (operators, readers of everything) where its cycles wait."""
        with self.query() as s:
            return pages.version_page(s, actor, key, number)

    def regulations(self) -> list[version_reads.RegulationSummary]:
        with self.query() as s:
            return version_reads.regulations(s)

    def start_cycle(self, actor: Actor, client_id: int, regulation_key: str,
                    allow_parallel: bool = True) -> CycleView:
        with self.command() as s:
            return cycles.cycle_view(cycles.start_cycle(s, self.platform.ctx, actor, client_id, regulation_key,
                                                        allow_parallel))

    def cycles(self, actor: Actor, status: str | None = None) -> list[CycleView]:
        with self.query() as s:
            return [cycles.cycle_view(c) for c in cycles.list_cycles(s, actor, status)]

    def cycle(self, actor: Actor, cycle_id: int) -> CycleView:
        with self.query() as s:
            return cycles.cycle_view(cycles.get_cycle(s, actor, cycle_id))

    def cycle_page(self, actor: Actor, cycle_id: int) -> pages.CyclePage:
        """A cycle, its history, its open tasks, the path it took through its diagram and (operators)
        what its operations offer, in one read transaction."""
        with self.query() as s:
            return pages.cycle_page(s, self.platform.ctx, actor, cycle_id)

    def cycle_screen(self, actor: Actor, cycle_id: int) -> CycleScreen:
        """The cycle page as it shows: ``cycle_page`` and, for a won cycle, its cancellations and
        refunds (motivation's), in the same one read transaction."""
        with self.query() as s:
            page = pages.cycle_page(s, self.platform.ctx, actor, cycle_id)
            won = page.cycle.status == cycles.WON
            return CycleScreen(page, tuple(reversals.of_cycle(s, cycle_id)) if won else ())

    def history(self, actor: Actor, cycle_id: int) -> list[HistoryEvent]:
        with self.query() as s:
            return cycles.history_of(s, cycles.get_cycle(s, actor, cycle_id))

    def retry(self, actor: Actor, cycle_id: int, variables: dict[str, Any] | None = None) -> CycleView:
        with self.command() as s:
            return cycles.cycle_view(cycles.retry_cycle(s, self.platform.ctx, actor, cycle_id, variables))

    def inbox(self, actor: Actor, scope: str | None = None, cycle_id: int | None = None,
              with_forms: bool = False) -> list[tuple[TaskView, list[forms.FormField]]]:
        return [(row.task, list(row.form)) for row in self.inbox_page(actor, scope, cycle_id, with_forms).rows]

    def inbox_page(self, actor: Actor, scope: str | None = None, cycle_id: int | None = None,
                   with_forms: bool = False, limit: int = 500, after: str | None = None) -> pages.InboxPage:
        """A page of the inbox with each task's deal amount, and the cursor of the next page, in one read."""
        with self.query() as s:
            return pages.inbox_page(s, self.platform.ctx, actor, scope, cycle_id, with_forms, limit, after)

    def task(self, actor: Actor, task_id: str) -> tuple[TaskView, list[forms.FormField], dict[str, Any]]:
        """An open task the actor may see, its form and its cycle's variables."""
        with self.query() as s:
            task = pages.open_task(s, task_id)
            cycle = cycles.get_cycle(s, actor, task.cycle_id)
            return task_view(task), cycles.task_form(s, self.platform.ctx, task), dict(cycle.variables)

    def task_page(self, actor: Actor, task_id: str) -> pages.TaskPage:
        """The task page: the task, its form, its cycle's variables, its documentation and the client
        card and earlier steps beside it, in one read transaction."""
        with self.query() as s:
            return pages.task_page(s, self.platform.ctx, actor, task_id)

    def task_documentation(self, task: TaskView, variables: dict[str, Any]) -> str:
        with self.query() as s:
            cycle = s.get(Cycle, task.cycle_id)
            assert cycle is not None
            spec, subs = self.platform.ctx.specs_for(s, cycle.version)
            task_spec = cycles.find_spec(spec, subs, task.element_id)
            return documentation.render(getattr(task_spec, "documentation", None), variables)

    def task_context(self, actor: Actor, task_id: str) -> task_context.TaskContext:
        """The client card and the earlier steps' data beside an open task the actor may see."""
        with self.query() as s:
            task = pages.open_task(s, task_id)
            cycle = cycles.get_cycle(s, actor, task.cycle_id)
            return task_context.task_context(s, self.platform.ctx, cycle, task)

    def complete_task(self, actor: Actor, task_id: str, values: dict[str, Any],
                      uploads: dict[str, forms.Upload] | None = None) -> CycleView:
        """Completes a task; the files of its ``file`` fields (``uploads``) are stored with the
        client and the cycle in the same transaction, once every field is valid."""
        with self.command() as s:
            if uploads:
                values = dict(values) | task_files.store_uploads(s, self.platform.ctx, actor, task_id, values, uploads)
            return cycles.cycle_view(cycles.complete_task(s, self.platform.ctx, actor, task_id, values))

    def deal_board(self, actor: Actor, owner: str | None = None, regulation: str | None = None) -> board.Board:
        """Open deals by stage with their amounts (a manager's own; heads' and analysts' everyone's)."""
        with self.query() as s:
            return board.deal_board(s, actor, owner, regulation)

    def deals_page(self, actor: Actor, owner: str | None = None) -> pages.DealsPage:
        """The deal board page: the board (``owner``'s deals for those who read every cycle) and the
        owners it may show, in one read."""
        with self.query() as s:
            return pages.deals_page(s, actor, owner)

    def attachment(self, actor: Actor, file_id: int) -> tuple[attachments.StoredFile, bytes]:
        """A stored file for whoever may see its cycle (or, without one, its client)."""
        with self.query() as s:
            return task_files.readable(s, actor, file_id)

    def cycle_files(self, actor: Actor, cycle_id: int) -> list[attachments.StoredFile]:
        """The files sent in the cycle's forms, for whoever may see the cycle."""
        with self.query() as s:
            return task_files.files_of_cycle(s, actor, cycle_id)

    def client_files(self, actor: Actor, client_id: int) -> list[attachments.StoredFile]:
        """The client's files (those of cycles the actor may see), for whoever may see the client."""
        with self.query() as s:
            return task_files.files_of_client(s, actor, client_id)

    def claim_task(self, actor: Actor, task_id: str) -> None:
        with self.command() as s:
            cycles.claim_task(s, self.platform.ctx, actor, task_id)

    def release_task(self, actor: Actor, task_id: str) -> None:
        with self.command() as s:
            cycles.release_task(s, self.platform.ctx, actor, task_id)
