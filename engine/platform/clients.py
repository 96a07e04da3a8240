"""The client base: records, contacts, notes, timeline, merge, import and export.

The client base (engine.clients) does not call up into the organization: this service does,
for what follows from a change of the client base: a client created or imported without an
owner is distributed (engine.organization.distribution), a head's change of an owner is a
hand-over (engine.organization.handover)."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.users import to_actor
from engine.clients import contacts as client_contacts
from engine.clients import exports, imports, timeline
from engine.clients import files as client_files
from engine.clients import merge as client_merge
from engine.clients import records as client_records
from engine.clients.attachments import StoredFile
from engine.clients.views import (
    ClientCard,
    ClientView,
    ContactView,
    ImportPreview,
    ImportRunView,
    Merged,
    MergePreview,
    NoteView,
    Owner,
)
from engine.organization import distribution, handover
from engine.organization.views import NewClient
from engine.planning.views import ClientWork
from engine.platform.base import Service
from engine.regulation import task_files, version_reads, work_types
from engine.regulation.reading import CycleView, cycle_view
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid, NotFound
from storage.models import Client, User
from storage.repositories import accounts as accounts_repo
from storage.repositories import client_files as client_files_repo
from storage.repositories import clients as clients_repo
from storage.repositories import organization as organization_repo
from storage.repositories import regulation as regulation_repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientPage:
    """Everything the client page shows, read in one transaction (one snapshot)."""

    card: ClientCard
    cycles: list[CycleView]
    work: ClientWork
    #: the client's files (those of cycles the actor may see), newest first
    files: list[StoredFile]
    timeline: timeline.Page
    #: the timeline cursor actually used (None when the one asked for was not valid)
    after: str | None
    regulations: list[version_reads.RegulationSummary]
    work_types: list[work_types.WorkTypeEntry]

    @property
    def client(self) -> ClientView:
        """The client with its contact persons."""
        return self.card.data


@dataclass(frozen=True)
class ClientListPage:
    """The client list page, read in one transaction: a page of clients by the filters, and the
    segments and owners its filters and the new-client form offer."""

    listing: client_records.ClientPage
    segments: list[str]
    owners: list[Owner]
    #: why the filters asked for could not be used (then the list is unfiltered)
    problem: str | None = None


class ClientsService(Service):
    def create_client(self, actor: Actor, name: str, segment: str | None = None,
                      owner: str | None = None, *, fields: dict[str, Any] | None = None,
                      contact: dict[str, Any] | None = None, check_duplicates: bool = False) -> NewClient:
        """A new client: ``name``, ``segment``, ``owner`` and any other CLIENT_FIELDS in ``fields``,
        its first contact person in ``contact``. The UI and the API check for duplicates (refused
        with DuplicateClient unless the user said "create anyway"); scripts only when asked.
        Without an owner (a head's client) it is distributed; ``distribution`` tells how."""
        values: dict[str, Any] = {"name": name, **({"segment": segment} if segment is not None else {}),
                                  **({"owner": owner} if owner is not None else {}), **(fields or {})}
        with self.command() as s:
            now = self.platform.ctx.now()
            created = client_records.create_client(s, actor, values, now, contact, check_duplicates)
            if created.client.owner_id is None:
                decided = distribution.distribute_new(s, now, actor.login, [created.client])
                created.decision = decided[0] if decided else None
            return NewClient(ClientView.of(created.client), created.decision)

    def client(self, actor: Actor, client_id: int) -> tuple[ClientView, list[CycleView]]:
        """A client with its contact persons, and its cycles."""
        with self.query() as s:
            client = client_records.client_with_contacts(s, actor, client_id)
            return ClientView.of(client, with_contacts=True), self._cycles_of(s, client_id)

    @staticmethod
    def _cycles_of(session: Session, client_id: int) -> list[CycleView]:
        return [cycle_view(c) for c in regulation_repo.cycles_of_client(session, client_id)]

    def clients(self, actor: Actor, search: str | None = None) -> list[ClientView]:
        with self.query() as s:
            return client_records.list_clients(s, actor, search)

    def client_list(self, actor: Actor, filters: client_records.Filters | None = None) -> client_records.ClientPage:
        """A page (50, by name) of the clients the actor sees, by the search box and filters."""
        with self.query() as s:
            return client_records.search(s, actor, filters or client_records.Filters())

    def client_list_page(self, actor: Actor, filters: client_records.Filters) -> ClientListPage:
        """The client list page: the clients by the filters (unfiltered, saying why, when the
        filters name an unknown segment, owner or status), the segments and the possible owners."""
        with self.query():
            problem = None
            try:
                listing = self.client_list(actor, filters)
            except InputInvalid as exc:
                listing, problem = self.client_list(actor), exc.message
            return ClientListPage(listing=listing, segments=self.segments(), owners=self.client_owners(),
                                  problem=problem)

    def client_card(self, actor: Actor, client_id: int) -> ClientCard:
        """A client with its contact persons, and what the actor may do with it."""
        with self.query() as s:
            client = client_records.client_with_contacts(s, actor, client_id)
            may_change = client_records.may_change_client(actor, client)
            return ClientCard(data=ClientView.of(client, with_contacts=True), may_change=may_change,
                              may_merge=may_change and client_merge.may_merge(actor, client, client),
                              duplicates=tuple(client_records.possible_duplicates(s, actor, client)) if may_change else ())

    def client_page(self, actor: Actor, client_id: int, kinds: list[str] | None = None,
                    after: str | None = None) -> ClientPage:
        """The client page: card, cycles, planned and done work, a page of the timeline and what can
        be started, in one read transaction instead of one per part."""
        with self.query() as s:
            card = self.client_card(actor, client_id)  # checks that the actor may see the client
            cycles = self._cycles_of(s, client_id)
            try:
                events = self.client_timeline(actor, client_id, kinds, after)
            except InputInvalid:
                events, after = self.client_timeline(actor, client_id, kinds), None
            return ClientPage(card=card, cycles=cycles,
                              work=self.platform.planning.client_work(actor, client_id),
                              files=task_files.files_of_client(s, actor, client_id), timeline=events,
                              after=after, regulations=self.platform.regulation.regulations(),
                              work_types=self.platform.regulation.work_types())

    def client_owners(self) -> list[Owner]:
        """Who may own clients (active managers, heads, admins): login and name."""
        with self.query() as s:
            return client_records.possible_owners(s)

    def update_client(self, actor: Actor, client_id: int, values: dict[str, Any]) -> ClientView:
        with self.command() as s:
            now = self.platform.ctx.now()

            def hand_over(client: Client, owner: User) -> None:
                assert client.owner is not None
                handover.hand_over(s, self.platform.specs, actor, client.owner.login, owner.login, [client.id], None, None,
                                   now)

            return ClientView.of(client_records.update_client(s, hand_over, actor, client_id, values, now))

    def add_client_contact(self, actor: Actor, client_id: int, values: dict[str, Any]) -> ContactView:
        with self.command() as s:
            return ContactView.of(client_contacts.add_contact(s, actor, client_id, values, self.platform.ctx.now()))

    def update_client_contact(self, actor: Actor, contact_id: int, values: dict[str, Any]) -> ContactView:
        with self.command() as s:
            return ContactView.of(client_contacts.update_contact(s, actor, contact_id, values, self.platform.ctx.now()))

    def delete_client_contact(self, actor: Actor, contact_id: int) -> int:
        """Remove a contact person; returns its client's id."""
        with self.command() as s:
            return client_contacts.delete_contact(s, actor, contact_id, self.platform.ctx.now())

    def add_client_note(self, actor: Actor, client_id: int, text: Any) -> NoteView:
        with self.command() as s:
            return NoteView.of(client_contacts.add_note(s, actor, client_id, text, self.platform.ctx.now()))

    def client_timeline(self, actor: Actor, client_id: int, kinds: list[str] | None = None,
                        after: str | None = None, limit: int = timeline.PAGE_SIZE) -> timeline.Page:
        """Everything that happened with the client, newest first, a page at a time: the entries
        after the cursor ``after`` (the previous page's ``next``)."""
        with self.query() as s:
            return timeline.client_timeline(s, actor, client_id, kinds, after, limit)

    def merge_preview(self, actor: Actor, survivor_id: int, other_id: int) -> MergePreview:
        with self.query() as s:
            return client_merge.preview(s, actor, survivor_id, other_id)

    def merge_clients(self, actor: Actor, survivor_id: int, other_id: int) -> Merged:
        """Fold ``other_id`` into ``survivor_id`` (heads; a manager two clients of his own)."""
        with self.command() as s:
            return client_merge.merge(s, actor, survivor_id, other_id, self.platform.ctx.now())

    def segments(self) -> list[str]:
        with self.query() as s:
            return [x.name for x in clients_repo.segments(s)]

    def upload_clients_file(self, actor: Actor, filename: str, stream: Any) -> ImportPreview:
        """Keep a file to import; its upload id, headers, guessed mapping and a preview."""
        return imports.upload(self.platform.uploads, self.query, actor, filename, stream)

    def import_preview(self, actor: Actor, upload_id: str, mapping: dict[str, str] | None) -> ImportPreview:
        return imports.preview(self.platform.uploads, self.query, actor, upload_id, mapping)

    def start_import(self, actor: Actor, upload_id: str, mapping: dict[str, str] | None = None) -> int:
        """Queue the import of an uploaded file for a worker (of any host); the run id."""
        path, filename = self.platform.uploads.get(actor, upload_id)
        with client_files.open_table(path, filename) as table:
            mapping = imports.check_mapping(table.headers, mapping)
        run_id = imports.create_run(self.command, actor, filename, mapping, self.platform.ctx.now(), upload_id)
        self.platform.uploads.drop_copy(upload_id)  # the worker reads the stored file on its own host
        return run_id

    def imports_waiting(self) -> bool:
        """An import is queued, or a killed worker's claim on one has run out."""
        with self.query() as s:
            return client_files_repo.import_waiting(s, self.platform.ctx.now())

    def run_next_import(self, owner: str) -> int | None:
        """Claim the oldest queued import for worker ``owner`` and run it to its end (done or
        failed, each batch its own transaction); the run id, or None when none was waiting."""
        now = self.platform.ctx.now
        claimed, abandoned = imports.claim_next(self.command, owner, now())
        for upload_id in abandoned:
            self.platform.uploads.discard(upload_id)
        if claimed is None:
            return None
        try:
            with self.query() as s:
                user = accounts_repo.user_by_login(s, claimed.created_by)
                actor = to_actor(user) if user is not None and user.active else None
            if actor is None:
                imports.fail(self.command, claimed.run_id, f"stopped: {claimed.created_by} may no longer import", now())
                return claimed.run_id
            try:
                path, _ = self.platform.uploads.get_for_import(claimed.upload_id)
            except NotFound:
                imports.fail(self.command, claimed.run_id, "stopped: the uploaded file is gone; upload it again", now())
                return claimed.run_id

            def keep_claim(processed: int, total: int) -> None:
                imports.renew(self.command, claimed.run_id, owner, now())

            imports.execute(self.command, claimed.run_id, actor, path, claimed.filename, claimed.mapping, now,
                            keep_claim, distribute_unowned)
        except Exception:  # recorded on the run as failed, with the error
            log.warning("import %s failed", claimed.run_id, exc_info=True)
        finally:
            self.platform.uploads.discard(claimed.upload_id)
        return claimed.run_id

    def import_file(self, actor: Actor, path: Path, mapping: dict[str, str] | None = None,
                    progress: imports.Progress | None = None) -> ImportRunView:
        """Import a file in this thread (the command line); the finished run, failed or done."""
        with client_files.open_table(path) as table:
            mapping = imports.check_mapping(table.headers, mapping)
        run_id = imports.create_run(self.command, actor, path.name, mapping, self.platform.ctx.now())
        try:
            imports.execute(self.command, run_id, actor, path, path.name, mapping, self.platform.ctx.now, progress,
                            distribute_unowned)
        except Exception:  # recorded on the run as failed, with the error
            pass
        return self.import_run(actor, run_id)

    def import_run(self, actor: Actor, run_id: int, with_rejected: bool = True) -> ImportRunView:
        with self.query() as s:
            return imports.run_view(imports.get_run(s, actor, run_id), with_rejected)

    def import_runs(self, actor: Actor) -> list[ImportRunView]:
        with self.query() as s:
            return [imports.run_view(r, with_rejected=False) for r in imports.list_runs(s, actor)]

    def export_clients(self, actor: Actor, filters: client_records.Filters | None = None) -> Iterator[list[str]]:
        """Rows of the clients the actor may see, with contacts, read page by page as consumed."""
        return exports.rows(self.query, actor, filters or client_records.Filters())


def distribute_unowned(session: Session, now: datetime, login: str, client_ids: list[int]) -> None:
    """An import batch's new clients without an owner go through distribution, in its transaction."""
    distribution.distribute_new(session, now, login, list(organization_repo.clients_by_ids(session, client_ids)))
