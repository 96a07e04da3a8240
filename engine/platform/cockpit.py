"""The process owner's cockpit: operations on running cycles (issue 12).

Commands of operators (process owner, head, admin), each one unit of work on one cycle; the
regulation service keeps starting cycles, tasks and retry."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.platform.base import Service
from engine.regulation import (
    batches,
    cycles,
    explorer,
    explorer_export,
    moves,
    operations,
    operator_reads,
    pages,
    variable_edits,
    version_migration,
)
from engine.regulation.reading import CycleView
from engine.shared.access import OPERATORS, READ_ALL, Actor, require


class CockpitService(Service):
    def cancel(self, actor: Actor, cycle_id: int, reason: str | None) -> CycleView:
        with self.command() as s:
            return cycles.cycle_view(operations.cancel_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def suspend(self, actor: Actor, cycle_id: int, reason: str | None) -> CycleView:
        with self.command() as s:
            return cycles.cycle_view(operations.suspend_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def resume(self, actor: Actor, cycle_id: int, reason: str | None = None) -> CycleView:
        with self.command() as s:
            return cycles.cycle_view(operations.resume_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def move(self, actor: Actor, cycle_id: int, from_element: str, to_element: str,
             reason: str | None) -> CycleView:
        with self.command() as s:
            return cycles.cycle_view(moves.move_token(s, self.platform.ctx, actor, cycle_id, from_element,
                                                      to_element, reason))

    def edit_variables(self, actor: Actor, cycle_id: int, changes: Any, reason: str | None) -> CycleView:
        with self.command() as s:
            return cycles.cycle_view(variable_edits.edit_variables(s, self.platform.ctx, actor, cycle_id,
                                                                   changes, reason))

    def retry(self, actor: Actor, cycle_id: int, changes: dict[str, Any] | None) -> CycleView:
        """Retry a cycle in incident with edited variables, typed like edit_variables."""
        with self.command() as s:
            cycle = cycles.get_cycle(s, actor, cycle_id)
            values = variable_edits.changed(dict(cycle.variables or {}), variable_edits.typed(
                s, self.platform.ctx, cycle.version_id, changes)) if changes else None
            return cycles.cycle_view(cycles.retry_cycle(s, self.platform.ctx, actor, cycle_id, values))

    # ------------------------------------------------------------ the explorer

    def explore(self, actor: Actor, args: Mapping[str, Any], limit: Any = None, after: str | None = None
                ) -> explorer.ExplorerPage:
        """A page of the cycles explorer, the cursor of the next page and the filter's counts."""
        with self.query() as s:
            return explorer.read_page(s, explorer.parse(s, actor, args, limit, after))

    def explorer_view(self, actor: Actor, args: Mapping[str, Any], limit: Any = None, after: str | None = None
                      ) -> pages.ExplorerView:
        """The explorer page: the page of the filter and the regulations to filter by, in one read."""
        with self.query() as s:
            return pages.explorer_view(s, actor, args, limit, after)

    def export(self, actor: Actor, args: Mapping[str, Any], variables: str | None, xlsx: bool = False
               ) -> tuple[list[str], Iterator[list[str]]]:
        """The header and the rows of the filtered list (read page by page while it streams); for
        an XLSX file (built in memory) a filter of more than MAX_XLSX_ROWS cycles is refused."""
        names = explorer.export_variables(variables)
        with self.query() as s:
            query = explorer.parse(s, actor, args)
            if xlsx:
                explorer_export.refuse_oversized_xlsx(explorer.counts(s, query).total)
        return explorer.export_columns(names), explorer.export_rows(self.query, query, names)

    def waiting_by_element(self, actor: Actor, key: str, number: int) -> dict[str, operator_reads.ElementLoad]:
        """Per element of a version: cycles waiting there and cycles in incident there."""
        require(actor, OPERATORS | READ_ALL, "see where the cycles of a version wait")
        with self.query() as s:
            return operator_reads.version_loads(s, key, number)

    def cycle_tools(self, actor: Actor, cycle_id: int) -> operator_reads.CycleTools:
        """What the cycle page's operations offer: tokens, move targets, the typed form fields."""
        require(actor, OPERATORS, "operate cycles")
        with self.query() as s:
            return operator_reads.cycle_tools(s, self.platform.ctx, cycles.get_cycle(s, actor, cycle_id))

    def incident_groups(self, actor: Actor) -> list[operator_reads.IncidentGroup]:
        """Cycles in incident by regulation version and element, with a count (heads, owners)."""
        require(actor, OPERATORS, "see incidents")
        with self.query() as s:
            return operator_reads.incident_groups(s)

    # ------------------------------------------------------------ batches

    def start_batch(self, actor: Actor, kind: str, filters: Mapping[str, Any], params: dict[str, Any]) -> int:
        """A batch on the cycles of an explorer filter, for the worker to run; returns its id."""
        with self.command() as s:
            return batches.start(s, actor, kind, filters, params, self.platform.ctx.now()).id

    def batch(self, actor: Actor, batch_id: int) -> batches.BatchReport:
        with self.query() as s:
            return batches.report(s, actor, batch_id)

    def run_batches(self, owner: str, limit: int = batches.ROUND) -> int:
        """The worker's share: up to ``limit`` cycles of the oldest unfinished batch."""
        return batches.run_some(self.platform.command, self.platform.ctx, owner, limit)

    # ------------------------------------------------------------ migration

    def migration_plan(self, actor: Actor, key: str, source: int, target: int) -> version_migration.PlanPage:
        """The generated plan from one version to another, with the elements of both."""
        require(actor, OPERATORS, "migrate cycles")
        with self.query() as s:
            return version_migration.plan_page(s, self.platform.ctx, key, source, target)

    def dry_run(self, actor: Actor, filters: Mapping[str, Any], to_version: Any, plan: Any,
                limit: int = 200) -> version_migration.DryRun:
        """Per cycle of the filter (at most ``limit``), what migrating it would do; changes nothing."""
        require(actor, OPERATORS, "migrate cycles")
        with self.query() as s:
            query = explorer.parse(s, actor, filters)
            return version_migration.dry_run_filter(s, self.platform.ctx, query.criteria, to_version, plan, limit)
