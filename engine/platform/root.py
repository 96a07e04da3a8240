"""The engine facade: one method per command, each in its own unit of work.

The web layer and the command line call only this. Errors are the engine's
own (engine.errors); a lost optimistic-lock race becomes ConcurrentChange.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
import logging
import time
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.accounts import users as accounts
from engine.planning import calendar_feed
from engine.clients import records as clients
from engine.shared import clock
from engine.regulation import cycles
from engine.regulation import documentation
from engine.regulation import forms
from engine.notify import mail
from engine.notify import notifications
from engine.planning import agenda as planning
from engine.regulation import versions as regulations
from engine.regulation import runtime
from engine.regulation import work_types
from engine.planning import contacts as activities
from engine.control import norms
from engine.clients import files as client_files
from engine.clients import exports
from engine.clients import imports
from engine.organization import absences
from engine.organization import distribution
from engine.organization import handover
from engine.organization import segments
from engine.organization import teams
from engine.shared import periods
from engine.motivation import plans
from engine.motivation import reversals
from engine.motivation import scheme_terms
from engine.motivation import statement_export
from engine.motivation import statements
from engine.motivation import whatif
from engine.regulation.decisions import dmn
from engine.motivation import schemes
from engine.clients import merge as client_merge
from engine.clients import timeline
from pathlib import Path
from engine.shared.access import HEADS, READ_ALL, Actor, require
from engine.shared.errors import ConcurrentChange, Forbidden, NotFound
from engine.shared.settings import Settings
from storage import repositories as repo
from storage import schema
from storage.db import Database
from storage.models import Client, Cycle, OpenTask, utcnow


log = logging.getLogger("reglament.platform")

#: how long a verified API token's user (roles, groups) is reused before it is read again
TOKEN_CACHE_SECONDS = 5.0


class Reglament:
    def __init__(self, db: Database, secret_key: str, clock: Callable[[], datetime] = utcnow,
                 settings: Settings | None = None) -> None:
        self.db = db
        self.secret_key = secret_key
        self.settings = settings or Settings(database_url=db.url, secret_key=secret_key)
        # e-mail goes out only when an SMTP server is configured (a malformed URL fails here)
        self.smtp = mail.SmtpConfig.from_url(self.settings.smtp_url) if self.settings.smtp_url else None
        # files uploaded for import wait here for their import (this server's disk)
        self.uploads = imports.Uploads(imports.UPLOAD_DIR)
        self.specs = runtime.SpecCache()
        self.ctx = cycles.Context(specs=self.specs, now=clock)
        self.tokens = accounts.TokenSigner(secret_key)
        self._token_cache: dict[str, tuple[float, Actor]] = {}

    # -- plumbing
    @contextmanager
    def command(self) -> Iterator[Session]:
        try:
            with clock.using(self.ctx.now), self.db.unit_of_work(write=True) as session:
                session.info[notifications.EMAIL_ENABLED] = self.smtp is not None
                yield session
        except StaleDataError:
            raise ConcurrentChange("someone else changed this cycle at the same moment; "
                                   "reload and try again") from None
        except IntegrityError as exc:
            raise ConcurrentChange(f"the change conflicts with another one: {exc.orig}") from None
        except OperationalError as exc:
            if "locked" in str(exc.orig).lower() or "deadlock" in str(exc.orig).lower():
                raise ConcurrentChange("the database is busy with a conflicting change; try again") from None
            raise

    def query(self) -> Any:
        return self.db.unit_of_work(write=False)

    def init_schema(self) -> None:
        schema.upgrade(self.db)

    # -- accounts
    def authenticate(self, login: str, password: str) -> Actor:
        with self.query() as s:
            return accounts.authenticate(s, login, password)

    def actor(self, user_id: int) -> Actor:
        with self.query() as s:
            return accounts.actor_by_id(s, user_id)

    def issue_token(self, actor: Actor) -> str:
        with self.query() as s:
            return self.tokens.issue(s, actor)

    def actor_from_token(self, token: str) -> Actor:
        """The token's user; verified actors are remembered for TOKEN_CACHE_SECONDS."""
        now = time.monotonic()
        cached = self._token_cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self.query() as s:
            actor = self.tokens.verify(s, token)
        if len(self._token_cache) >= 10_000:
            self._token_cache.clear()
        self._token_cache[token] = (now + TOKEN_CACHE_SECONDS, actor)
        return actor

    def create_user(self, login: str, name: str, password: str, roles: list[str],
                    groups: list[str], locale: str = "en") -> Actor:
        with self.command() as s:
            return accounts.to_actor(accounts.create_user(s, login, name, password, roles, groups, locale))

    def users(self) -> list[Actor]:
        with self.query() as s:
            return [accounts.to_actor(u) for u in repo.users(s)]

    def set_locale(self, actor: Actor, locale: str) -> None:
        with self.command() as s:
            accounts.set_locale(s, actor, locale)

    # -- profile and calendar feed
    def profile(self, actor: Actor) -> dict[str, Any]:
        with self.query() as s:
            user = repo.user_by_id(s, actor.id)
            if user is None:
                raise NotFound("no such user")
            return {"login": user.login, "name": user.name, "email": user.email or "",
                    "timezone": user.timezone or "UTC", "locale": user.locale,
                    "calendar_token": calendar_feed.token(self.secret_key, user.id, user.calendar_salt)}

    def update_profile(self, actor: Actor, email: str | None, timezone: str | None, locale: str) -> Actor:
        with self.command() as s:
            return accounts.to_actor(accounts.update_profile(s, actor, email, timezone, locale))

    def rotate_calendar(self, actor: Actor) -> str:
        """A new calendar feed token (the old URL stops working)."""
        with self.command() as s:
            user = accounts.rotate_calendar(s, actor)
            return calendar_feed.token(self.secret_key, user.id, user.calendar_salt)

    def timezones(self) -> tuple[str, ...]:
        return accounts.timezones()

    def calendar_feed(self, user_id: int, token: str, base_url: str) -> str:
        """The user's calendar (iCalendar text); NotFound unless the token is their current one."""
        with self.query() as s:
            return calendar_feed.feed(s, self.secret_key, user_id, token, base_url, self.ctx.now())

    # -- notifications
    def notifications(self, actor: Actor, unread_only: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        with self.query() as s:
            return [notifications.as_dict(n) for n in notifications.listing(s, actor, unread_only, limit)]

    def unread_notifications(self, actor: Actor) -> int:
        with self.query() as s:
            return notifications.unread_count(s, actor)

    def mark_notifications_read(self, actor: Actor, ids: list[int] | None = None) -> int:
        """Mark the actor's notifications read (all when ``ids`` is None); returns how many."""
        with self.command() as s:
            return notifications.mark_read(s, actor, ids, self.ctx.now())

    def open_notification(self, actor: Actor, notification_id: int) -> str:
        """Mark one read; returns the path it leads to."""
        with self.command() as s:
            return notifications.open_one(s, actor, notification_id, self.ctx.now())

    def sweep_notifications(self) -> int:
        """The worker's periodic sweep: due-soon and overdue reminders, then forgotten-client
        reminders, then temporary hand-overs whose time has come; each in its own transaction,
        so one failing does not hold back the others."""
        with self.command() as s:
            sent = notifications.sweep(s, self.ctx.now())
        for step in (self._remind_forgotten, self.return_due_handovers):
            try:
                step()
            except Exception:  # noqa: BLE001 - logged; the next sweep tries again
                log.exception("sweep step %s failed", step.__name__)
        return sent

    def _remind_forgotten(self) -> int:
        with self.command() as s:
            return norms.remind_forgotten(s, self.ctx.now())

    def send_mail(self, limit: int = mail.BATCH) -> int:
        """Send a batch of the e-mail outbox: claimed in one transaction, sent with none open,
        results written in another. Returns how many were sent."""
        if self.smtp is None:
            return 0
        with self.command() as s:
            batch = mail.claim(s, self.settings.base_url, self.ctx.now(), limit)
        if not batch:
            return 0
        results: dict[int, str | None] = {}
        try:
            results = mail.deliver(self.smtp, self.settings.mail_from, batch)
        finally:
            with self.command() as s:  # whatever happened, nothing stays claimed
                mail.record(s, {item.notification_id: results.get(item.notification_id, "not sent")
                                for item in batch})
        return sum(1 for error in results.values() if error is None)

    def requeue_mail(self) -> int:
        """E-mails a stopped worker left claimed go back to the outbox: those claimed longer ago
        than any send takes (mail.STUCK_AFTER), so another worker's sends in flight stay its own."""
        with self.command() as s:
            return repo.requeue_emails(s, self.ctx.now() - mail.STUCK_AFTER)

    # -- planning
    def plan_task(self, actor: Actor, task_id: str, planned_at: datetime | None) -> None:
        with self.command() as s:
            planning.plan_task(s, self.ctx, actor, task_id, planned_at)

    def my_plan(self, actor: Actor) -> dict[str, list[OpenTask]]:
        with self.query() as s:
            return planning.my_plan(s, self.ctx, actor)

    def plans_overview(self, actor: Actor) -> dict[str, Any]:
        with self.query() as s:
            return planning.plans_overview(s, self.ctx, actor)

    def agenda(self, actor: Actor) -> dict[str, list[planning.PlanEntry]]:
        """My plan: open tasks and planned contacts by section, in the actor's days."""
        with self.query() as s:
            return planning.agenda(s, self.ctx, actor)

    def fulfilment(self, actor: Actor, period: str | None = None, start: str | None = None,
                   end: str | None = None, only_self: bool = False) -> dict[str, Any]:
        """Plan fulfilment in a period (week, month, custom from-to): every manager's for heads."""
        with self.query() as s:
            return planning.fulfilment_report(s, self.ctx, actor, period, start, end, only_self)

    # -- ad-hoc contacts
    def plan_contact(self, actor: Actor, client_id: int, work_type: str | None, planned_at: datetime | None,
                     note: str | None = None, assignee: str | None = None) -> dict[str, Any]:
        with self.command() as s:
            return activities.activity_dict(activities.plan(s, actor, client_id, work_type, planned_at, note,
                                                            self.ctx.now(), assignee))

    def reschedule_contact(self, actor: Actor, activity_id: int, planned_at: datetime | None) -> dict[str, Any]:
        with self.command() as s:
            return activities.activity_dict(activities.reschedule(s, actor, activity_id, planned_at,
                                                                  self.ctx.now()))

    def cancel_contact(self, actor: Actor, activity_id: int) -> dict[str, Any]:
        with self.command() as s:
            return activities.activity_dict(activities.cancel(s, actor, activity_id))

    def contact_done(self, actor: Actor, activity_id: int, result: str | None) -> dict[str, Any]:
        with self.command() as s:
            return activities.activity_dict(activities.mark_done(s, actor, activity_id, result, self.ctx.now()))

    def client_work(self, actor: Actor, client_id: int) -> dict[str, Any]:
        """A client's planned contacts, its done-work log (newest first), may the actor plan."""
        with self.query() as s:
            return activities.of_client(s, actor, client_id)

    # -- contact norms
    def norms(self) -> dict[str, Any]:
        with self.query() as s:
            return norms.grid(s)

    def save_norm(self, actor: Actor, stage: str, segment: str | None, max_days: Any) -> None:
        with self.command() as s:
            norms.save(s, actor, stage, segment, max_days)

    def save_norms(self, actor: Actor, values: dict[tuple[str, str | None], str]) -> int:
        with self.command() as s:
            return norms.save_grid(s, actor, values)

    def delete_norm(self, actor: Actor, norm_id: int) -> None:
        with self.command() as s:
            norms.delete(s, actor, norm_id)

    def forgotten(self, actor: Actor) -> list[norms.Forgotten]:
        """Clients past their contact norm: a manager's own, everyone's for heads and analysts."""
        with self.query() as s:
            return norms.forgotten_clients(s, self.ctx.now(), actor)

    def remind_forgotten(self) -> int:
        with self.command() as s:
            return norms.remind_forgotten(s, self.ctx.now())

    # -- organisation: segments, teams, absences, distribution, hand-overs (issue 5)
    def segment_list(self, actor: Actor) -> list[dict[str, Any]]:
        """Segments in the order their rules apply (heads and analysts)."""
        require(actor, READ_ALL, "see the segment rules")
        with self.query() as s:
            return [segments.segment_dict(x) for x in segments.list_segments(s)]

    def save_segment(self, actor: Actor, segment_id: int | None, name: str, rules: Any,
                     team_id: int | None) -> dict[str, Any]:
        with self.command() as s:
            return segments.segment_dict(segments.save_segment(s, actor, segment_id, name, rules, team_id))

    def move_segment(self, actor: Actor, segment_id: int, offset: int) -> None:
        with self.command() as s:
            segments.move_segment(s, actor, segment_id, offset)

    def delete_segment(self, actor: Actor, segment_id: int) -> None:
        with self.command() as s:
            segments.delete_segment(s, actor, segment_id)

    def team_list(self, actor: Actor) -> list[dict[str, Any]]:
        require(actor, READ_ALL, "see the teams")
        with self.query() as s:
            return [teams.team_dict(t) for t in teams.list_teams(s)]

    def save_team(self, actor: Actor, team_id: int | None, name: str, strategy: str,
                  members: list[dict[str, Any]]) -> dict[str, Any]:
        with self.command() as s:
            return teams.team_dict(teams.save_team(s, actor, team_id, name, strategy, members))

    def delete_team(self, actor: Actor, team_id: int) -> None:
        with self.command() as s:
            teams.delete_team(s, actor, team_id)

    def absence_list(self, actor: Actor) -> list[dict[str, Any]]:
        """Current, coming and recent absences: everyone's for heads and analysts, else one's own."""
        with self.query() as s:
            today = self.ctx.now().date()
            return [absences.absence_dict(a) for a in absences.list_absences(s, actor, today)]

    def add_absence(self, actor: Actor, login: str | None, kind: str, starts_on: Any, ends_on: Any,
                    note: str | None = None) -> dict[str, Any]:
        with self.command() as s:
            return absences.absence_dict(absences.add_absence(s, actor, login, kind, starts_on, ends_on, note))

    def delete_absence(self, actor: Actor, absence_id: int) -> None:
        with self.command() as s:
            absences.delete_absence(s, actor, absence_id)

    def unowned_count(self, actor: Actor) -> int:
        require(actor, READ_ALL, "see unowned clients")
        with self.query() as s:
            return repo.count_unowned_clients(s)

    def distribute(self, actor: Actor, client_ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Distribute the given clients, or every unowned one, by the rules (head)."""
        with self.command() as s:
            return [d.as_dict() for d in distribution.distribute(s, actor, client_ids, self.ctx.now())]

    def recent_distributions(self, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
        with self.query() as s:
            return distribution.recent(s, actor, limit)

    def hand_over(self, actor: Actor, from_login: str | None, to_login: str | None,
                  client_ids: list[int] | None, returns_at: datetime | None, reason: str | None) -> dict[str, Any]:
        """Move clients (all of a manager's when ``client_ids`` is None) to another manager,
        for good or until ``returns_at`` (head)."""
        with self.command() as s:
            moved = handover.hand_over(s, self.specs, actor, from_login, to_login, client_ids, returns_at,
                                       reason, self.ctx.now())
            return handover.handover_dict(moved, {u.id: u for u in repo.users(s)})

    def return_handover(self, actor: Actor, handover_id: int) -> None:
        with self.command() as s:
            handover.return_now(s, self.specs, actor, handover_id, self.ctx.now())

    def return_due_handovers(self) -> int:
        """Temporary hand-overs whose time has come go back (the worker's sweep)."""
        with self.command() as s:
            return handover.return_due(s, self.ctx.now(), self.specs)

    def handover_list(self, actor: Actor) -> list[dict[str, Any]]:
        with self.query() as s:
            return handover.list_handovers(s, actor)

    def portfolio(self, actor: Actor, login: str) -> list[Client]:
        with self.query() as s:
            return handover.portfolio(s, actor, login)

    # -- work types
    def work_types(self) -> list[dict[str, Any]]:
        with self.query() as s:
            return work_types.catalogue(s)

    def save_work_type(self, actor: Actor, name: str, label: str, default_due: str | None) -> None:
        with self.command() as s:
            work_types.save(s, actor, name, label, default_due)
        self.ctx.forget_work_types()

    # -- incidents
    def incidents(self, actor: Actor) -> list[dict[str, Any]]:
        """Cycles in incident and timer jobs that failed every attempt (head, admin)."""
        require(actor, HEADS, "see incidents")
        with self.query() as s:
            return [cycles.cycle_dict(c) for c in cycles.list_cycles(s, actor, cycles.INCIDENT)]

    def failed_jobs(self, actor: Actor) -> list[dict[str, Any]]:
        """Timer jobs that failed every attempt, with their last error (head, admin)."""
        require(actor, HEADS, "see incidents")
        with self.query() as s:
            return [{"id": j.id, "cycle_id": j.cycle_id, "element_id": j.element_id, "due_at": j.due_at,
                     "attempts": j.attempts, "last_error": j.last_error} for j in repo.failed_jobs(s)]

    # -- regulations
    def deploy(self, actor: Actor, files: list[regulations.SourceFile],
               keep_if_not_executable: bool = False) -> regulations.Deployed:
        with self.command() as s:
            return regulations.deploy(s, actor, files, keep_if_not_executable)

    def versions(self, key: str) -> dict[str, Any]:
        with self.query() as s:
            return regulations.list_versions(s, key)

    def version(self, key: str, number: int) -> dict[str, Any]:
        with self.query() as s:
            return regulations.version_dict(regulations.get_version(s, key, number))

    def version_xml(self, key: str, number: int) -> str:
        with self.query() as s:
            return regulations.version_xml(s, key, number)

    def compare_versions(self, key: str, old: int, new: int) -> dict[str, Any]:
        with self.query() as s:
            return regulations.compare(s, key, old, new).as_dict()

    def regulations(self) -> list[dict[str, Any]]:
        with self.query() as s:
            return regulations.list_regulations(s)

    # -- clients (engine/clients.py, engine/client_merge.py, engine/timeline.py)
    def create_client(self, actor: Actor, name: str, segment: str | None = None,
                      owner: str | None = None, *, fields: dict[str, Any] | None = None,
                      contact: dict[str, Any] | None = None, check_duplicates: bool = False) -> dict[str, Any]:
        """A new client: ``name``, ``segment``, ``owner`` and any other CLIENT_FIELDS in ``fields``,
        its first contact person in ``contact``. The UI and the API check for duplicates (refused
        with DuplicateClient unless the user said "create anyway"); scripts only when asked.
        Without an owner (a head's client) it is distributed; ``distribution`` tells how."""
        values: dict[str, Any] = {"name": name, **({"segment": segment} if segment is not None else {}),
                                  **({"owner": owner} if owner is not None else {}), **(fields or {})}
        with self.command() as s:
            created = clients.create_client(s, actor, values, self.ctx.now(), contact, check_duplicates)
            out = clients.client_dict(created.client)
            out["distribution"] = created.decision.as_dict() if created.decision else None
            return out

    def client(self, actor: Actor, client_id: int) -> tuple[Client, list[Cycle]]:
        with self.query() as s:
            client = clients.client_with_contacts(s, actor, client_id)
            return client, list(repo.cycles_of_client(s, client_id))

    def clients(self, actor: Actor, search: str | None = None) -> list[Client]:
        with self.query() as s:
            return clients.list_clients(s, actor, search)

    def client_list(self, actor: Actor, filters: clients.Filters | None = None) -> clients.ClientPage:
        """A page (50, by name) of the clients the actor sees, by the search box and filters."""
        with self.query() as s:
            return clients.search(s, actor, filters or clients.Filters())

    def client_card(self, actor: Actor, client_id: int) -> dict[str, Any]:
        """A client with its contact persons, and what the actor may do with it."""
        with self.query() as s:
            client = clients.client_with_contacts(s, actor, client_id)
            may_change = clients.may_change_client(actor, client)
            return {"client": client, "data": clients.client_dict(client, with_contacts=True),
                    "may_change": may_change, "may_merge": may_change and client_merge.may_merge(actor, client, client),
                    "duplicates": clients.possible_duplicates(s, client) if may_change else []}

    def client_owners(self) -> list[dict[str, str]]:
        """Who may own clients (active managers, heads, admins): login and name."""
        with self.query() as s:
            return clients.possible_owners(s)

    def update_client(self, actor: Actor, client_id: int, values: dict[str, Any]) -> dict[str, Any]:
        with self.command() as s:
            return clients.client_dict(clients.update_client(s, self.specs, actor, client_id, values, self.ctx.now()))

    def add_client_contact(self, actor: Actor, client_id: int, values: dict[str, Any]) -> dict[str, Any]:
        with self.command() as s:
            return clients.contact_dict(clients.add_contact(s, actor, client_id, values, self.ctx.now()))

    def update_client_contact(self, actor: Actor, contact_id: int, values: dict[str, Any]) -> dict[str, Any]:
        with self.command() as s:
            return clients.contact_dict(clients.update_contact(s, actor, contact_id, values, self.ctx.now()))

    def delete_client_contact(self, actor: Actor, contact_id: int) -> int:
        """Remove a contact person; returns its client's id."""
        with self.command() as s:
            return clients.delete_contact(s, actor, contact_id, self.ctx.now())

    def add_client_note(self, actor: Actor, client_id: int, text: Any) -> dict[str, Any]:
        with self.command() as s:
            return clients.note_dict(clients.add_note(s, actor, client_id, text, self.ctx.now()))

    def client_timeline(self, actor: Actor, client_id: int, kinds: list[str] | None = None,
                        before: str | None = None, limit: int = timeline.PAGE_SIZE) -> timeline.Page:
        """Everything that happened with the client, newest first, a page at a time."""
        with self.query() as s:
            return timeline.client_timeline(s, actor, client_id, kinds, before, limit)

    def merge_preview(self, actor: Actor, survivor_id: int, other_id: int) -> dict[str, Any]:
        with self.query() as s:
            return client_merge.preview(s, actor, survivor_id, other_id)

    def merge_clients(self, actor: Actor, survivor_id: int, other_id: int) -> dict[str, Any]:
        """Fold ``other_id`` into ``survivor_id`` (heads; a manager two clients of his own)."""
        with self.command() as s:
            return client_merge.merge(s, actor, survivor_id, other_id, self.ctx.now())

    def segments(self) -> list[str]:
        with self.query() as s:
            return [x.name for x in repo.segments(s)]

    # -- cycles
    def start_cycle(self, actor: Actor, client_id: int, regulation_key: str) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(cycles.start_cycle(s, self.ctx, actor, client_id, regulation_key))

    def cycles(self, actor: Actor, status: str | None = None) -> list[dict[str, Any]]:
        with self.query() as s:
            return [cycles.cycle_dict(c) for c in cycles.list_cycles(s, actor, status)]

    def cycle(self, actor: Actor, cycle_id: int) -> dict[str, Any]:
        with self.query() as s:
            return cycles.cycle_dict(cycles.get_cycle(s, actor, cycle_id))

    def cycle_page(self, actor: Actor, cycle_id: int
                   ) -> tuple[dict[str, Any], list[dict[str, Any]], list[OpenTask], dict[str, Any]]:
        """A cycle, its history, its open tasks and the path it took through its diagram."""
        with self.query() as s:
            cycle = cycles.get_cycle(s, actor, cycle_id)
            history = cycles.history_dicts(s, cycle)
            open_tasks = list(repo.open_tasks_of_cycle(s, cycle_id))
            return cycles.cycle_dict(cycle), history, open_tasks, cycles.path_taken(cycle, history, open_tasks)

    def history(self, actor: Actor, cycle_id: int) -> list[dict[str, Any]]:
        with self.query() as s:
            return cycles.history_dicts(s, cycles.get_cycle(s, actor, cycle_id))

    def retry(self, actor: Actor, cycle_id: int, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(cycles.retry_cycle(s, self.ctx, actor, cycle_id, variables))

    # -- tasks
    def inbox(self, actor: Actor, scope: str | None = None, cycle_id: int | None = None,
              with_forms: bool = False) -> list[tuple[OpenTask, list[forms.FormField]]]:
        with self.query() as s:
            tasks = cycles.inbox(s, self.ctx, actor, scope, cycle_id)
            return [(t, cycles.task_form(s, self.ctx, t) if with_forms else []) for t in tasks]

    def task(self, actor: Actor, task_id: str) -> tuple[OpenTask, list[forms.FormField], dict[str, Any]]:
        """An open task the actor may see, its form and its cycle's variables."""
        with self.query() as s:
            task = repo.open_task(s, task_id)
            if task is None:
                cycles._open_task_or_conflict(s, task_id)
                raise NotFound(f"no task {task_id}")
            cycle = cycles.get_cycle(s, actor, task.cycle_id)
            return task, cycles.task_form(s, self.ctx, task), dict(cycle.variables)

    def task_documentation(self, task: OpenTask, variables: dict[str, Any]) -> str:
        with self.query() as s:
            cycle = s.get(Cycle, task.cycle_id)
            assert cycle is not None
            spec, subs = self.ctx.specs_for(s, cycle.version)
            task_spec = cycles._find_spec(spec, subs, task.element_id)
            return documentation.render(getattr(task_spec, "documentation", None), variables)

    def complete_task(self, actor: Actor, task_id: str, values: dict[str, Any]) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(cycles.complete_task(s, self.ctx, actor, task_id, values))

    def claim_task(self, actor: Actor, task_id: str) -> None:
        with self.command() as s:
            cycles.claim_task(s, self.ctx, actor, task_id)

    def release_task(self, actor: Actor, task_id: str) -> None:
        with self.command() as s:
            cycles.release_task(s, self.ctx, actor, task_id)

    # -- client import and export (engine/imports.py, engine/exports.py)
    def upload_clients_file(self, actor: Actor, filename: str, stream: Any) -> dict[str, Any]:
        """Keep a file to import; its upload id, headers, guessed mapping and a preview."""
        return imports.upload(self.uploads, self.query, actor, filename, stream)

    def import_preview(self, actor: Actor, upload_id: str, mapping: dict[str, str] | None) -> dict[str, Any]:
        return imports.preview(self.uploads, self.query, actor, upload_id, mapping)

    def start_import(self, actor: Actor, upload_id: str, mapping: dict[str, str] | None = None) -> int:
        """Start importing an uploaded file in a background thread of this process; the run id."""
        path, filename = self.uploads.get(actor, upload_id)
        with client_files.open_table(path, filename) as table:
            mapping = imports.check_mapping(table.headers, mapping)
        run_id = imports.create_run(self.command, actor, filename, mapping, self.ctx.now())

        def job() -> None:
            try:
                imports.execute(self.command, run_id, actor, path, filename, mapping, self.ctx.now)
            finally:
                self.uploads.discard(upload_id)

        imports.start_background(run_id, job)
        return run_id

    def import_file(self, actor: Actor, path: Path, mapping: dict[str, str] | None = None,
                    progress: imports.Progress | None = None) -> dict[str, Any]:
        """Import a file in this thread (the command line); the finished run, failed or done."""
        with client_files.open_table(path) as table:
            mapping = imports.check_mapping(table.headers, mapping)
        run_id = imports.create_run(self.command, actor, path.name, mapping, self.ctx.now())
        try:
            imports.execute(self.command, run_id, actor, path, path.name, mapping, self.ctx.now, progress)
        except Exception:  # recorded on the run as failed, with the error
            pass
        return self.import_run(actor, run_id)

    def import_run(self, actor: Actor, run_id: int, with_rejected: bool = True) -> dict[str, Any]:
        with self.query() as s:
            return imports.run_dict(imports.get_run(s, actor, run_id), with_rejected)

    def import_runs(self, actor: Actor) -> list[dict[str, Any]]:
        with self.query() as s:
            return [imports.run_dict(r, with_rejected=False) for r in imports.list_runs(s, actor)]

    def export_clients(self, actor: Actor, filters: exports.Filters = exports.Filters()) -> Any:
        """Rows of the clients the actor may see, with contacts, read page by page as consumed."""
        return exports.rows(self.query, actor, filters)

    # -- motivation schemes: versions, decision tables (engine/schemes.py, engine/dmn.py)
    def schemes(self, actor: Actor) -> list[dict[str, Any]]:
        """Each scheme the actor may read, as its newest readable version."""
        with self.query() as s:
            active = repo.active_scheme_versions(s)
            return [{**schemes.scheme_dict(s, x), "active_version": active.get(x.name)}
                    for x in schemes.listing(s, actor)]

    def scheme_versions(self, actor: Actor, name: str) -> list[dict[str, Any]]:
        with self.query() as s:
            return [schemes.scheme_dict(s, x) for x in schemes.versions(s, actor, name)]

    def scheme(self, actor: Actor, name: str, version: int | None = None) -> dict[str, Any]:
        """One version (default: the draft for heads, else the active one) with its tables loaded."""
        with self.query() as s:
            found = schemes.get_version(s, actor, name, version)
            return {**schemes.scheme_dict(s, found), "loaded": schemes.load_tables(found)}

    def scheme_table_xml(self, actor: Actor, name: str, table: str, version: int | None = None) -> str:
        with self.query() as s:
            return schemes.table_xml(s, actor, name, table, version)

    def scheme_in_force(self, actor: Actor, login: str, on: date) -> dict[str, Any] | None:
        """The scheme version in force for a person on a day (their own, or anyone's for READ_ALL)."""
        if login != actor.login and not actor.reads_all:
            raise Forbidden(f"{actor.login} may not see the scheme of {login}")
        with self.query() as s:
            found = schemes.in_force(s, on, login=login)
            return schemes.scheme_dict(s, found) if found is not None else None

    def create_scheme(self, actor: Actor, name: str, terms: dict[str, Any]) -> dict[str, Any]:
        with self.command() as s:
            return schemes.scheme_dict(s, schemes.create(s, actor, name, terms, self.ctx.now()))

    def save_scheme(self, actor: Actor, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change the terms in the scheme's draft (a new draft version when it has none)."""
        with self.command() as s:
            return schemes.scheme_dict(s, schemes.save(s, actor, name, changes, self.ctx.now()))

    def save_scheme_table(self, actor: Actor, name: str, table: str, xml: str | bytes) -> dict[str, Any]:
        """Put a decision table in the draft; DmnError, and nothing saved, when it is not valid."""
        with self.command() as s:
            return schemes.scheme_dict(s, schemes.save_table(s, actor, name, table, xml, self.ctx.now()))

    def add_scheme_table(self, actor: Actor, name: str, table: str) -> dict[str, Any]:
        """A new blank table in the draft (its inputs follow the table's name where known)."""
        with self.command() as s:
            return schemes.scheme_dict(s, schemes.add_table(s, actor, name, table, self.ctx.now()))

    def remove_scheme_table(self, actor: Actor, name: str, table: str) -> dict[str, Any]:
        with self.command() as s:
            return schemes.scheme_dict(s, schemes.remove_table(s, actor, name, table, self.ctx.now()))

    def activate_scheme(self, actor: Actor, name: str, version: int) -> dict[str, Any]:
        with self.command() as s:
            return schemes.scheme_dict(s, schemes.activate(s, actor, name, version, self.ctx.now()))

    def evaluate_scheme_table(self, actor: Actor, name: str, table: str, inputs: dict[str, Any],
                              version: int | None = None) -> dmn.Result:
        """Try a table of a version the actor may read on given inputs (nothing is stored)."""
        return dmn.load_table(self.scheme_table_xml(actor, name, table, version), table).evaluate(inputs)

    # -- motivation: plans, statements, reversals, exports, what-if
    def current_period(self, kind: str = "month") -> str:
        return periods.of(self.ctx.now(), kind).key

    def plan_grid(self, actor: Actor, period: str | None, scenario: str | None = None) -> dict[str, Any]:
        with self.query() as s:
            return plans.grid(s, actor, period, scenario)

    def save_plans(self, actor: Actor, period: str | None, scenario: str | None, values: dict[str, str]) -> int:
        with self.command() as s:
            return plans.save_grid(s, actor, period, scenario, values, self.ctx.now())

    def statements(self, actor: Actor, period: str | None) -> dict[str, Any]:
        with self.query() as s:
            return statements.listing(s, actor, period)

    def compute_statements(self, actor: Actor, period: str | None,
                           logins: list[str] | None = None) -> statements.Computed:
        with self.command() as s:
            return statements.compute_period(s, scheme_terms.BOOK, actor, period, self.ctx.now(), logins)

    def statement(self, actor: Actor, statement_id: int) -> dict[str, Any]:
        with self.query() as s:
            found = statements.get(s, actor, statement_id)
            user = repo.user_by_login(s, found.login)
            return {**statements.statement_dict(found, statements.comments(s, found), user.name if user else None),
                    "may_comment": statements.may_comment(actor, found)}

    def recompute_statement(self, actor: Actor, statement_id: int) -> None:
        with self.command() as s:
            statements.recompute(s, scheme_terms.BOOK, actor, statement_id, self.ctx.now())

    def approve_statement(self, actor: Actor, statement_id: int) -> None:
        with self.command() as s:
            statements.approve(s, actor, statement_id, self.ctx.now())

    def reopen_statement(self, actor: Actor, statement_id: int) -> None:
        with self.command() as s:
            statements.reopen(s, actor, statement_id)

    def lock_statement(self, actor: Actor, statement_id: int) -> None:
        with self.command() as s:
            statements.lock(s, actor, statement_id, self.ctx.now())

    def approve_statements(self, actor: Actor, period: str | None) -> int:
        with self.command() as s:
            return statements.approve_period(s, actor, period, self.ctx.now())

    def lock_statements(self, actor: Actor, period: str | None) -> int:
        with self.command() as s:
            return statements.lock_period(s, actor, period, self.ctx.now())

    def comment_statement(self, actor: Actor, statement_id: int, line_id: int | None, text: str) -> int:
        with self.command() as s:
            return statements.comment(s, actor, statement_id, line_id, text, self.ctx.now()).id

    def resolve_comment(self, actor: Actor, comment_id: int) -> int:
        """Resolve a dispute; returns its statement's id."""
        with self.command() as s:
            return statements.resolve(s, actor, comment_id).statement_id

    def earned_so_far(self, actor: Actor, login: str | None = None, period: str | None = None) -> dict[str, Any]:
        """The period's payout computed now (the current month by default), stored nowhere."""
        with self.query() as s:
            return statements.figures_dict(statements.live(s, scheme_terms.BOOK, actor, login or actor.login,
                                                           period or self.current_period()))

    def export_statement(self, actor: Actor, statement_id: int, fmt: str) -> tuple[str, bytes]:
        """(file name, content) of one statement as xlsx or csv."""
        with self.query() as s:
            found = statements.get(s, actor, statement_id)
            user = repo.user_by_login(s, found.login)
            name = f"statement-{found.login}-{found.period}.{fmt}"
            if fmt == "csv":
                return name, statement_export.statement_csv(found)
            return name, statement_export.statement_xlsx(found, user.name if user else found.login)

    def export_statements(self, actor: Actor, period: str | None, fmt: str) -> tuple[str, bytes]:
        """(file name, content) of every statement of a period (payroll) as xlsx or csv."""
        with self.query() as s:
            found = statements.statements_for_export(s, actor, period)
            key = periods.parse(period).key
            names = {u.login: u.name for u in repo.users(s)}
            if fmt == "csv":
                return f"payroll-{key}.csv", statement_export.period_csv(found, names)
            return f"payroll-{key}.xlsx", statement_export.period_xlsx(found, names, key)

    def record_reversal(self, actor: Actor, cycle_id: int, kind: str, amount: str | None, reason: str) -> str:
        """Record a won cycle cancelled or refunded; returns the period its clawback lands in
        (that period's draft, if any, is recomputed)."""
        with self.command() as s:
            reversal = reversals.record(s, actor, cycle_id, kind, amount, reason, self.ctx.now())
            return statements.after_reversal(s, scheme_terms.BOOK, reversal, self.ctx.now()).key

    def cycle_reversals(self, actor: Actor, cycle_id: int) -> list[dict[str, Any]]:
        with self.query() as s:
            cycles.get_cycle(s, actor, cycle_id)
            return reversals.of_cycle(s, cycle_id)

    def scheme_choices(self, actor: Actor) -> list[dict[str, Any]]:
        """Scheme versions to try in what-if (drafts first)."""
        require(actor, HEADS, "run what-if")
        with self.query() as s:
            return scheme_terms.choices(s)

    def what_if(self, actor: Actor, period: str | None, scheme_id: int | None,
                scenario: str | None) -> dict[str, Any]:
        with self.query() as s:  # read-only: nothing a what-if computes is ever stored
            return whatif.compare(s, scheme_terms.BOOK, actor, period, scheme_id, scenario)
