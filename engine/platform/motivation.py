"""Motivation schemes and tables, sales plans, statements, reversals, what-if."""
from __future__ import annotations

from datetime import date
from typing import Any

from engine.motivation import (
    confirmation,
    plans,
    reversals,
    scheme_terms,
    schemes,
    statement_comments,
    statement_export,
    statement_views,
    statements,
    whatif,
)
from engine.motivation.confirmation import Acted
from engine.motivation.read_models import (
    CycleReversal,
    DraftsComputed,
    Earned,
    PlanGrid,
    SchemeChoice,
    SchemeDetail,
    SchemeVersion,
    StatementListing,
    StatementPage,
)
from engine.motivation.statement_states import DRAFT, FiguresChanged, load
from engine.motivation.whatif import WhatIf
from engine.platform.base import Service
from engine.regulation import cycles
from engine.regulation.decisions import dmn
from engine.shared import periods
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import Forbidden, InputInvalid
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo


class MotivationService(Service):
    def schemes(self, actor: Actor) -> list[SchemeVersion]:
        """Each scheme the actor may read, as its newest readable version (with the active one's number)."""
        with self.query() as s:
            active = motivation_repo.active_scheme_versions(s)
            return [schemes.scheme_view(s, x, active.get(x.name)) for x in schemes.listing(s, actor)]

    def scheme_versions(self, actor: Actor, name: str) -> list[SchemeVersion]:
        with self.query() as s:
            return [schemes.scheme_view(s, x) for x in schemes.versions(s, actor, name)]

    def scheme(self, actor: Actor, name: str, version: int | None = None) -> SchemeDetail:
        """One version (default: the draft for heads, else the active one) with its tables loaded."""
        with self.query() as s:
            return schemes.scheme_detail(s, schemes.get_version(s, actor, name, version))

    def scheme_table_xml(self, actor: Actor, name: str, table: str, version: int | None = None) -> str:
        with self.query() as s:
            return schemes.table_xml(s, actor, name, table, version)

    def scheme_in_force(self, actor: Actor, login: str, on: date) -> SchemeVersion | None:
        """The scheme version in force for a person on a day (their own, or anyone's for READ_ALL)."""
        if login != actor.login and not actor.reads_all:
            raise Forbidden(f"{actor.login} may not see the scheme of {login}")
        with self.query() as s:
            found = schemes.in_force(s, on, login=login)
            return schemes.scheme_view(s, found) if found is not None else None

    def create_scheme(self, actor: Actor, name: str, terms: dict[str, Any]) -> SchemeVersion:
        with self.command() as s:
            return schemes.scheme_view(s, schemes.create(s, actor, name, terms, self.platform.ctx.now()))

    def save_scheme(self, actor: Actor, name: str, changes: dict[str, Any]) -> SchemeVersion:
        """Change the terms in the scheme's draft (a new draft version when it has none)."""
        with self.command() as s:
            return schemes.scheme_view(s, schemes.save(s, actor, name, changes, self.platform.ctx.now()))

    def save_scheme_table(self, actor: Actor, name: str, table: str, xml: str | bytes) -> SchemeVersion:
        """Put a decision table in the draft; DmnError, and nothing saved, when it is not valid."""
        with self.command() as s:
            return schemes.scheme_view(s, schemes.save_table(s, actor, name, table, xml, self.platform.ctx.now()))

    def add_scheme_table(self, actor: Actor, name: str, table: str) -> SchemeVersion:
        """A new blank table in the draft (its inputs follow the table's name where known)."""
        with self.command() as s:
            return schemes.scheme_view(s, schemes.add_table(s, actor, name, table, self.platform.ctx.now()))

    def remove_scheme_table(self, actor: Actor, name: str, table: str) -> SchemeVersion:
        with self.command() as s:
            return schemes.scheme_view(s, schemes.remove_table(s, actor, name, table, self.platform.ctx.now()))

    def activate_scheme(self, actor: Actor, name: str, version: int) -> SchemeVersion:
        with self.command() as s:
            return schemes.scheme_view(s, schemes.activate(s, actor, name, version, self.platform.ctx.now()))

    def evaluate_scheme_table(self, actor: Actor, name: str, table: str, inputs: dict[str, Any],
                              version: int | None = None) -> dmn.Result:
        """Try a table of a version the actor may read on given inputs (nothing is stored)."""
        return dmn.load_table(self.scheme_table_xml(actor, name, table, version), table).evaluate(inputs)

    def current_period(self, kind: str = "month") -> str:
        return periods.of(self.platform.ctx.now(), kind).key

    def plan_grid(self, actor: Actor, period: str | None, scenario: str | None = None) -> PlanGrid:
        with self.query() as s:
            return plans.grid(s, actor, period, scenario)

    def save_plans(self, actor: Actor, period: str | None, scenario: str | None, values: dict[str, str]) -> int:
        with self.command() as s:
            return plans.save_grid(s, actor, period, scenario, values, self.platform.ctx.now())

    def statements(self, actor: Actor, period: str | None) -> StatementListing:
        with self.query() as s:
            return statement_views.listing(s, actor, period)

    def compute_statements(self, actor: Actor, period: str | None,
                           logins: list[str] | None = None) -> DraftsComputed:
        with self.command() as s:
            computed = statements.compute_period(s, scheme_terms.BOOK, actor, period, self.platform.ctx.now(), logins)
            s.flush()  # the new drafts' ids
            return DraftsComputed(tuple(st.id for st in computed.statements), computed.kept, computed.problems)

    def statement(self, actor: Actor, statement_id: int) -> StatementPage:
        """One statement with its comments, whether its period is over (it can be locked from
        ``locks_from``, or early), and, locked early, what landed in the next period since."""
        with self.query() as s:
            found = statement_views.get(s, actor, statement_id)
            user = accounts_repo.user_by_login(s, found.login)
            return statement_views.statement_page(s, found, statement_comments.comments(s, found),
                                                  user.name if user else None,
                                                  statement_comments.may_comment(actor, found), self.platform.ctx.now())

    def recompute_statement(self, actor: Actor, statement_id: int) -> None:
        with self.command() as s:
            statements.recompute(s, scheme_terms.BOOK, actor, statement_id, self.platform.ctx.now())

    def approve_statement(self, actor: Actor, statement_id: int, confirmed: str | None = None) -> None:
        """Approve a draft on its figures computed now. ``confirmed``: the fingerprint of the
        figures the head was shown; when they changed, FiguresChanged, and the draft is
        recomputed (in its own command) so that the head reviews the new figures."""
        try:
            with self.command() as s:
                statements.approve(s, scheme_terms.BOOK, actor, statement_id, self.platform.ctx.now(), confirmed)
        except FiguresChanged:
            try:
                with self.command() as s:
                    if load(s, statement_id).status == DRAFT:
                        statements.recompute(s, scheme_terms.BOOK, actor, statement_id, self.platform.ctx.now())
            except InputInvalid:
                pass  # the figures cannot be computed now: the refusal says what changed, the draft stays
            raise

    def reopen_statement(self, actor: Actor, statement_id: int) -> None:
        with self.command() as s:
            statements.reopen(s, actor, statement_id)

    def lock_statement(self, actor: Actor, statement_id: int, confirmed: str | None = None,
                       early: str | None = None) -> None:
        """Lock an approved statement of an ended period (or early, ``early`` naming its period)
        whose figures are still what the period computes to (PeriodNotOver, FiguresChanged otherwise)."""
        with self.command() as s:
            statements.lock(s, scheme_terms.BOOK, actor, statement_id, self.platform.ctx.now(), confirmed, early)

    def review_statements(self, actor: Actor, period: str | None, action: str) -> confirmation.Review:
        """What approving ("approve") or locking ("lock") the whole period would do, from fresh
        figures, with the token to confirm them by (nothing is stored)."""
        with self.query() as s:
            return confirmation.review(s, scheme_terms.BOOK, actor, period, action, self.platform.ctx.now())

    def approve_statements(self, actor: Actor, period: str | None, token: str | None) -> Acted:
        """Approve every draft of the period on its fresh figures, exactly as confirmed (``token``
        of review_statements); FiguresChanged when they changed since."""
        with self.command() as s:
            return confirmation.approve_period(s, scheme_terms.BOOK, actor, period, self.platform.ctx.now(), token)

    def lock_statements(self, actor: Actor, period: str | None, token: str | None,
                        early: str | None = None) -> Acted:
        """Lock the approved statements of an ended period (or early, ``early`` naming it), exactly
        as confirmed (``token`` of review_statements)."""
        with self.command() as s:
            return confirmation.lock_period(s, scheme_terms.BOOK, actor, period, self.platform.ctx.now(), token,
                                            early)

    def comment_statement(self, actor: Actor, statement_id: int, line_id: int | None, text: str) -> int:
        with self.command() as s:
            return statement_comments.comment(s, actor, statement_id, line_id, text, self.platform.ctx.now()).id

    def resolve_comment(self, actor: Actor, comment_id: int) -> int:
        """Resolve a dispute; returns its statement's id."""
        with self.command() as s:
            return statement_comments.resolve(s, actor, comment_id).statement_id

    def earned_so_far(self, actor: Actor, login: str | None = None, period: str | None = None) -> Earned:
        """The period's payout computed now (the current month by default), stored nowhere, beside
        the period's statement (a locked statement's figures for a locked period)."""
        with self.query() as s:
            return statement_views.earned(s, scheme_terms.BOOK, actor, login or actor.login,
                                          period or self.current_period())

    def export_statement(self, actor: Actor, statement_id: int, fmt: str) -> tuple[str, bytes]:
        """(file name, content) of one statement as xlsx or csv."""
        with self.query() as s:
            found = statement_views.get(s, actor, statement_id)
            user = accounts_repo.user_by_login(s, found.login)
            name = f"statement-{found.login}-{found.period}.{fmt}"
            if fmt == "csv":
                return name, statement_export.statement_csv(found)
            return name, statement_export.statement_xlsx(found, user.name if user else found.login)

    def export_statements(self, actor: Actor, period: str | None, fmt: str) -> tuple[str, bytes]:
        """(file name, content) of every statement of a period (payroll) as xlsx or csv."""
        with self.query() as s:
            found = statement_views.statements_for_export(s, actor, period)
            key = periods.parse(period).key
            names = {u.login: u.name for u in accounts_repo.users(s)}
            if fmt == "csv":
                return f"payroll-{key}.csv", statement_export.period_csv(found, names)
            return f"payroll-{key}.xlsx", statement_export.period_xlsx(found, names, key)

    def record_reversal(self, actor: Actor, cycle_id: int, kind: str, amount: str | None, reason: str) -> str:
        """Record a won cycle cancelled or refunded; returns the period its clawback lands in
        (that period's draft, if any, is recomputed)."""
        with self.command() as s:
            reversal = reversals.record(s, actor, cycle_id, kind, amount, reason, self.platform.ctx.now())
            return statements.after_reversal(s, scheme_terms.BOOK, reversal, self.platform.ctx.now()).key

    def cycle_reversals(self, actor: Actor, cycle_id: int) -> list[CycleReversal]:
        with self.query() as s:
            cycles.get_cycle(s, actor, cycle_id)
            return reversals.of_cycle(s, cycle_id)

    def scheme_choices(self, actor: Actor) -> list[SchemeChoice]:
        """Scheme versions to try in what-if (drafts first)."""
        require(actor, HEADS, "run what-if")
        with self.query() as s:
            return scheme_terms.choices(s)

    def what_if(self, actor: Actor, period: str | None, scheme_id: int | None,
                scenario: str | None) -> WhatIf:
        with self.query() as s:  # read-only: nothing a what-if computes is ever stored
            return whatif.compare(s, scheme_terms.BOOK, actor, period, scheme_id, scenario)
