"""The process owner's cockpit: operations on running cycles (issue 12).

Commands of operators (process owner, head, admin), each one unit of work on one cycle; the
regulation service keeps starting cycles, tasks and retry."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.platform.base import Service
from engine.regulation import batches, cycles, explorer, explorer_export, moves, operations, variable_edits, version_migration
from engine.shared.access import OPERATORS, READ_ALL, Actor, require
from engine.shared.errors import InputInvalid, NotFound
from storage.repositories import cockpit as cockpit_repo


class CockpitService(Service):
    def cancel(self, actor: Actor, cycle_id: int, reason: str | None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(operations.cancel_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def suspend(self, actor: Actor, cycle_id: int, reason: str | None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(operations.suspend_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def resume(self, actor: Actor, cycle_id: int, reason: str | None = None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(operations.resume_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def move(self, actor: Actor, cycle_id: int, from_element: str, to_element: str,
             reason: str | None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(moves.move_token(s, self.platform.ctx, actor, cycle_id, from_element,
                                                      to_element, reason))

    def edit_variables(self, actor: Actor, cycle_id: int, changes: Any, reason: str | None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(variable_edits.edit_variables(s, self.platform.ctx, actor, cycle_id,
                                                                   changes, reason))

    def retry(self, actor: Actor, cycle_id: int, changes: dict[str, Any] | None) -> dict[str, Any]:
        """Retry a cycle in incident with edited variables, typed like edit_variables."""
        with self.command() as s:
            cycle = cycles.get_cycle(s, actor, cycle_id)
            values = variable_edits.changed(dict(cycle.variables or {}), variable_edits.typed(
                s, self.platform.ctx, cycle.version_id, changes)) if changes else None
            return cycles.cycle_dict(cycles.retry_cycle(s, self.platform.ctx, actor, cycle_id, values))

    # ------------------------------------------------------------ the explorer

    def explore(self, actor: Actor, args: Mapping[str, Any], limit: Any = None, after: str | None = None
                ) -> tuple[list[dict[str, Any]], str | None, dict[str, Any]]:
        """A page of the cycles explorer, the cursor of the next page and the filter's counts."""
        with self.query() as s:
            query = explorer.parse(s, actor, args, limit, after)
            rows, following = explorer.page(s, query)
            return rows, following, explorer.counts(s, query)

    def export(self, actor: Actor, args: Mapping[str, Any], variables: str | None, xlsx: bool = False
               ) -> tuple[list[str], Iterator[list[str]]]:
        """The header and the rows of the filtered list (read page by page while it streams); for
        an XLSX file (built in memory) a filter of more than MAX_XLSX_ROWS cycles is refused."""
        names = explorer.export_variables(variables)
        with self.query() as s:
            query = explorer.parse(s, actor, args)
            if xlsx:
                explorer_export.refuse_oversized_xlsx(explorer.counts(s, query)["total"])
        return explorer.export_columns(names), explorer.export_rows(self.query, query, names)

    def waiting_by_element(self, actor: Actor, key: str, number: int) -> dict[str, dict[str, int]]:
        """Per element of a version: cycles waiting there and cycles in incident there."""
        require(actor, OPERATORS | READ_ALL, "see where the cycles of a version wait")
        with self.query() as s:
            version_id = cockpit_repo.version_id(s, key, number)
            if version_id is None:
                raise NotFound(f"no version {number} of regulation {key!r}")
            return cockpit_repo.waiting_by_element(s, version_id)

    def cycle_tools(self, actor: Actor, cycle_id: int) -> dict[str, Any]:
        """What the cycle page's operations offer: tokens, move targets, the typed form fields."""
        require(actor, OPERATORS, "operate cycles")
        with self.query() as s:
            cycle = cycles.get_cycle(s, actor, cycle_id)
            tools: dict[str, Any] = moves.choices(s, self.platform.ctx, cycle)
            fields = variable_edits.version_fields(s, self.platform.ctx, cycle.version_id)
            tools["fields"] = {name: f.as_dict() for name, f in fields.items()}
            tools["protected"] = sorted(variable_edits.PROTECTED)
            return tools

    def incident_groups(self, actor: Actor) -> list[dict[str, Any]]:
        """Cycles in incident by regulation version and element, with a count (heads, owners)."""
        require(actor, OPERATORS, "see incidents")
        with self.query() as s:
            return cockpit_repo.incident_groups(s)

    # ------------------------------------------------------------ batches

    def start_batch(self, actor: Actor, kind: str, filters: Mapping[str, Any], params: dict[str, Any]) -> int:
        """A batch on the cycles of an explorer filter, for the worker to run; returns its id."""
        with self.command() as s:
            return batches.start(s, actor, kind, filters, params, self.platform.ctx.now()).id

    def batch(self, actor: Actor, batch_id: int) -> dict[str, Any]:
        with self.query() as s:
            return batches.report(s, actor, batch_id)

    def run_batches(self, owner: str, limit: int = batches.ROUND) -> int:
        """The worker's share: up to ``limit`` cycles of the oldest unfinished batch."""
        return batches.run_some(self.platform.command, self.platform.ctx, owner, limit)

    # ------------------------------------------------------------ migration

    def migration_plan(self, actor: Actor, key: str, source: int, target: int) -> dict[str, Any]:
        """The generated plan from one version to another, with the elements of both."""
        require(actor, OPERATORS, "migrate cycles")
        with self.query() as s:
            ctx = self.platform.ctx
            old = version_migration.target_version(s, key, source)
            new = version_migration.target_version(s, key, target)
            old_specs, new_specs = ctx.specs_for(s, old), ctx.specs_for(s, new)
            waiting = cockpit_repo.waiting_by_element(s, old.id)
            return {"plan": version_migration.default_plan(old_specs, new_specs),
                    "source": version_migration.elements(old_specs), "target": version_migration.elements(new_specs),
                    "waiting": waiting}

    def dry_run(self, actor: Actor, filters: Mapping[str, Any], to_version: Any, plan: Any,
                limit: int = 200) -> dict[str, Any]:
        """Per cycle of the filter (at most ``limit``), what migrating it would do; changes nothing."""
        require(actor, OPERATORS, "migrate cycles")
        with self.query() as s:
            ctx = self.platform.ctx
            query = explorer.parse(s, actor, filters)
            if query.criteria.regulation is None or query.criteria.version is None:
                raise InputInvalid("choose the regulation and the version the cycles are on",
                                   {"fields": {"version": "is required for a migration"}})
            source = version_migration.target_version(s, query.criteria.regulation, query.criteria.version)
            target = version_migration.target_version(s, query.criteria.regulation, to_version)
            full = version_migration.checked_plan(plan, ctx.specs_for(s, source), ctx.specs_for(s, target))
            ids = cockpit_repo.ids(s, query.criteria, batches.MAX_BATCH)
            outcomes = [version_migration.dry_run(s, ctx, cycle, target, full).as_dict()
                        for cycle in cockpit_repo.cycles_by_ids(s, ids[:limit])]
            return {"total": len(ids), "checked": len(outcomes), "ok": sum(o["ok"] for o in outcomes),
                    "refused": sum(not o["ok"] for o in outcomes), "cycles": outcomes, "plan": full,
                    "from_version": source.number, "to_version": target.number}
