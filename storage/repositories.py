"""Named queries. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload, undefer

from storage.models import (
    Absence,
    Activity,
    Client,
    ClientEvent,
    Contact,
    ContactNorm,
    Cycle,
    Group,
    Handover,
    HistoryEvent,
    ImportRun,
    Job,
    Notification,
    OpenTask,
    Regulation,
    RegulationVersion,
    Segment,
    TaskCandidateGroup,
    Team,
    TeamMember,
    User,
    WorkDone,
    WorkType,
    user_groups,
)
from storage.models import MotivationScheme, Reversal, SalesPlan, Statement, StatementComment


def user_by_login(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login).options(selectinload(User.groups)))


# Hot-path statements are built once; only their parameters change per call.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id")).options(selectinload(User.groups))
_LATEST_VERSION = (select(RegulationVersion).join(Regulation)
                   .where(Regulation.key == bindparam("key"),
                          RegulationVersion.number == Regulation.latest_version))
_CYCLE_OF_TASK = (select(Cycle).options(undefer(Cycle.state)).where(Cycle.id == (
    select(OpenTask.cycle_id).where(OpenTask.id == bindparam("task_id")).scalar_subquery())))
_CYCLE_OF_TASK_FOR_UPDATE = _CYCLE_OF_TASK.with_for_update(of=Cycle)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
_OPEN_TASKS_OF_CYCLE = (select(OpenTask).where(OpenTask.cycle_id == bindparam("cycle_id"))
                        .order_by(OpenTask.created_at))


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.scalar(_USER_BY_ID, {"user_id": user_id})


def users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.login).options(selectinload(User.groups))).all()


def segment_by_name(session: Session, name: str) -> Segment | None:
    return session.scalar(select(Segment).where(Segment.name == name))


def segments(session: Session) -> Sequence[Segment]:
    return session.scalars(select(Segment).order_by(Segment.name)).all()


def client_by_id(session: Session, client_id: int) -> Client | None:
    return session.get(Client, client_id, options=[joinedload(Client.segment), joinedload(Client.owner)])


def clients(session: Session, owner_id: int | None = None, search: str | None = None,
            limit: int = 200, offset: int = 0) -> Sequence[Client]:
    query = (select(Client).order_by(Client.name, Client.id)
             .options(joinedload(Client.segment), joinedload(Client.owner)))
    if owner_id is not None:
        query = query.where(Client.owner_id == owner_id)
    if search:
        query = query.where(func.lower(Client.name).contains(search.lower()))
    return session.scalars(query.limit(limit).offset(offset)).unique().all()


# ---------------------------------------------------------------- the client base (issue 5): search,
# a client's timeline, merging two clients

def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's own characters escaped by backslashes (PostgreSQL's default escape;
    SQLite needs ``escape="\\\\"``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _client_search(session: Session, query: Any, *, name_key: str | None = None, contact_name: str | None = None,
                   phone_key: str | None = None, email_key: str | None = None, tax_id: str | None = None,
                   visible_to: int | None = None, owner_id: int | None = None, unowned: bool = False,
                   segment_id: int | None = None, status: str | None = None) -> Any:
    """``query`` (over clients) narrowed to live clients by the search terms and filters of
    search_clients; the one place they are turned into conditions (the list and exports)."""
    query = query.where(Client.merged_into_id.is_(None))
    # backslash is PostgreSQL's own LIKE escape: no ESCAPE clause there, so the plain ~~ / ~~*
    # operators meet the trigram indexes; SQLite needs the clause
    esc = None if _is_postgresql(session) else "\\"
    parts: list[Any] = []
    if name_key:
        parts.append(select(Client.id).where(Client.name_key.like(like_pattern(name_key), escape=esc)))
    if contact_name:
        parts.append(select(Contact.client_id).where(Contact.name.ilike(like_pattern(contact_name), escape=esc)))
    if phone_key:
        parts.append(select(Contact.client_id).where(Contact.phone_key.like(like_pattern(phone_key), escape=esc)))
    if email_key:
        parts.append(select(Contact.client_id).where(Contact.email_key.like(like_pattern(email_key), escape=esc)))
    if tax_id:
        parts.append(select(Client.id).where(Client.tax_id == tax_id))
    if len(parts) == 1 and name_key:
        query = query.where(Client.name_key.like(like_pattern(name_key), escape=esc))
    elif parts:
        query = query.where(Client.id.in_(parts[0] if len(parts) == 1 else parts[0].union_all(*parts[1:])))
    if visible_to is not None:
        query = query.where(or_(Client.owner_id == visible_to, Client.owner_id.is_(None)))
    if owner_id is not None:
        query = query.where(Client.owner_id == owner_id)
    if unowned:
        query = query.where(Client.owner_id.is_(None))
    if segment_id is not None:
        query = query.where(Client.segment_id == segment_id)
    if status:
        query = query.where(Client.status == status)
    return query


def search_clients(session: Session, *, limit: int = 50, offset: int = 0, **criteria: Any) -> Sequence[Client]:
    """Live clients (not merged away) sorted by name, a page of them.

    The text terms are alternatives (a client matching any of them is found), each a substring
    match on an indexed key column, so PostgreSQL's trigram GIN indexes answer them:
    ``clients.name_key LIKE %name_key%``, ``contacts.phone_key LIKE %phone_key%``,
    ``contacts.email_key LIKE %email_key%``; ``tax_id`` is an equality on its b-tree index.
    ``contact_name`` (``contacts.name ILIKE``) has no index yet: a scan of contacts.
    Filters: ``visible_to`` (a manager: his clients and unowned ones), ``owner_id`` or
    ``unowned``, ``segment_id``, ``status``. Several terms become one ``id IN (... UNION ALL ...)``."""
    query = _client_search(session, select(Client).options(joinedload(Client.segment), joinedload(Client.owner)),
                           **criteria)
    return session.scalars(query.order_by(Client.name, Client.id).limit(limit).offset(offset)).unique().all()


def count_rows(session: Session, model: type[Any]) -> int:
    """How many rows a table has (the demo loads only into empty ones)."""
    return session.scalar(select(func.count()).select_from(model)) or 0


def client_by_name(session: Session, name: str) -> Client | None:
    """A client by its exact name (the first, should several share it)."""
    return session.scalars(select(Client).where(Client.name == name).order_by(Client.id).limit(1)).first()


def clients_by_names(session: Session, names: Sequence[str]) -> Sequence[Client]:
    """Clients with any of these exact names, with their contacts, in id order."""
    return session.scalars(select(Client).where(Client.name.in_(list(names))).order_by(Client.id)
                           .options(selectinload(Client.contacts))).all()


def cycle_statuses_of_client(session: Session, client_id: int) -> set[str]:
    return set(session.scalars(select(Cycle.status).where(Cycle.client_id == client_id)))


def client_with_contacts(session: Session, client_id: int) -> Client | None:
    return session.get(Client, client_id, options=[joinedload(Client.segment), joinedload(Client.owner),
                                                   selectinload(Client.contacts)])


def contact_by_id(session: Session, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


def clients_for_update(session: Session, client_ids: Sequence[int]) -> list[Client]:
    """These clients with their contacts, in id order; locked on PostgreSQL."""
    query = (select(Client).where(Client.id.in_(list(client_ids))).order_by(Client.id)
             .options(joinedload(Client.segment), joinedload(Client.owner), selectinload(Client.contacts)))
    if _is_postgresql(session):
        query = query.with_for_update(of=Client)
    return list(session.scalars(query).unique().all())


#: the tables whose rows belong to a client, by what a merge reports moving
CLIENT_ROWS: dict[str, Any] = {
    "cycles": Cycle.__table__, "open_tasks": OpenTask.__table__, "history": HistoryEvent.__table__,
    "activities": Activity.__table__, "work_done": WorkDone.__table__, "contacts": Contact.__table__,
    "events": ClientEvent.__table__,
}


def client_row_counts(session: Session, client_id: int) -> dict[str, int]:
    """How many rows of each kind belong to the client (one count per table)."""
    return {name: session.scalar(select(func.count()).select_from(table).where(table.c.client_id == client_id)) or 0
            for name, table in CLIENT_ROWS.items()}


def move_client_rows(session: Session, from_id: int, to_id: int) -> dict[str, int]:
    """Every row of client ``from_id`` to client ``to_id``: one UPDATE per table; how many moved.
    Moved cycles get a new lock version, so a command working on one of them at the same moment
    fails with a concurrent change instead of writing the old client back."""
    moved: dict[str, int] = {}
    for name, table in CLIENT_ROWS.items():
        values: dict[str, Any] = {"client_id": to_id}
        if table is Cycle.__table__:
            values["lock_version"] = table.c.lock_version + 1
        moved[name] = session.execute(update(table).where(table.c.client_id == from_id).values(**values)).rowcount
    # clients merged earlier into the one going away now point at the survivor
    session.execute(update(Client.__table__).where(Client.__table__.c.merged_into_id == from_id)
                    .values(merged_into_id=to_id))
    return moved


def _before(at: Any, id_: Any, before: tuple[datetime, int] | None) -> Any:
    """Rows older than ``before`` in the order (at, id), newest first."""
    if before is None:
        return true()
    return or_(at < before[0], and_(at == before[0], id_ < before[1]))


def history_of_client(session: Session, client_id: int, before: tuple[datetime, int] | None, limit: int,
                      exclude_types: Sequence[str] = ()) -> Sequence[HistoryEvent]:
    """History events of all the client's cycles, newest first (a page of them)."""
    query = select(HistoryEvent).where(HistoryEvent.client_id == client_id,
                                       _before(HistoryEvent.at, HistoryEvent.id, before))
    if exclude_types:
        query = query.where(HistoryEvent.type.not_in(list(exclude_types)))
    return session.scalars(query.order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc()).limit(limit)).all()


def activity_moment() -> Any:
    """When an ad-hoc contact shows in a timeline: done, else planned (created)."""
    return func.coalesce(Activity.done_at, Activity.created_at)


def activities_timeline(session: Session, client_id: int, before: tuple[datetime, int] | None,
                        limit: int) -> Sequence[Activity]:
    """The client's ad-hoc contacts (any status), newest first by done or else created time."""
    at = activity_moment()
    return session.scalars(select(Activity).where(Activity.client_id == client_id, _before(at, Activity.id, before))
                           .order_by(at.desc(), Activity.id.desc()).limit(limit)).unique().all()


def other_work_of_client(session: Session, client_id: int, before: tuple[datetime, int] | None,
                         limit: int) -> Sequence[WorkDone]:
    """Done work neither of a cycle task nor of an ad-hoc contact (those show as their own events)."""
    return session.scalars(select(WorkDone).where(
        WorkDone.client_id == client_id, WorkDone.task_id.is_(None), WorkDone.activity_id.is_(None),
        _before(WorkDone.done_at, WorkDone.id, before))
        .order_by(WorkDone.done_at.desc(), WorkDone.id.desc()).limit(limit)).all()


def client_events_page(session: Session, client_id: int, before: tuple[datetime, int] | None, limit: int,
                       types: Sequence[str] | None = None, exclude_types: Sequence[str] = ()) -> Sequence[ClientEvent]:
    """The client's own events, newest first (of the given types; without the excluded ones)."""
    query = select(ClientEvent).where(ClientEvent.client_id == client_id,
                                      _before(ClientEvent.at, ClientEvent.id, before))
    if types is not None:
        query = query.where(ClientEvent.type.in_(list(types)))
    if exclude_types:
        query = query.where(ClientEvent.type.not_in(list(exclude_types)))
    return session.scalars(query.order_by(ClientEvent.at.desc(), ClientEvent.id.desc()).limit(limit)).all()


def work_done_of_tasks(session: Session, client_id: int, task_ids: Sequence[str],
                       activity_ids: Sequence[int]) -> Sequence[WorkDone]:
    """The done-work rows of these tasks and ad-hoc contacts (their deadline, on time or late)."""
    if not task_ids and not activity_ids:
        return []
    return session.scalars(select(WorkDone).where(WorkDone.client_id == client_id, or_(
        WorkDone.task_id.in_(list(task_ids)), WorkDone.activity_id.in_(list(activity_ids))))).all()


def regulation_names_of_cycles(session: Session, cycle_ids: Sequence[int]) -> dict[int, str]:
    if not cycle_ids:
        return {}
    rows = session.execute(select(Cycle.id, Regulation.name)
                           .join(RegulationVersion, RegulationVersion.id == Cycle.version_id)
                           .join(Regulation, Regulation.id == RegulationVersion.regulation_id)
                           .where(Cycle.id.in_(list(cycle_ids))))
    return {cycle_id: name for cycle_id, name in rows}


def regulation_by_key(session: Session, key: str) -> Regulation | None:
    return session.scalar(select(Regulation).where(Regulation.key == key))


def regulations(session: Session) -> Sequence[Regulation]:
    return session.scalars(select(Regulation).order_by(Regulation.name)).all()


def version(session: Session, regulation_id: int, number: int) -> RegulationVersion | None:
    return session.scalar(select(RegulationVersion).where(
        RegulationVersion.regulation_id == regulation_id, RegulationVersion.number == number))


def latest_version(session: Session, key: str) -> RegulationVersion | None:
    return session.scalar(_LATEST_VERSION, {"key": key})


def versions(session: Session, regulation_id: int) -> Sequence[RegulationVersion]:
    return session.scalars(select(RegulationVersion)
                           .where(RegulationVersion.regulation_id == regulation_id)
                           .order_by(RegulationVersion.number.desc())).all()


def version_spec(session: Session, version_id: int) -> dict:  # type: ignore[type-arg]
    return session.scalar(select(RegulationVersion.spec).where(RegulationVersion.id == version_id))


def cycle_for_update(session: Session, cycle_id: int) -> Cycle | None:
    """The cycle, row-locked on PostgreSQL (SQLite already holds its write lock)."""
    query = select(Cycle).where(Cycle.id == cycle_id).options(undefer(Cycle.state))
    if _is_postgresql(session):
        query = query.with_for_update(of=Cycle)
    return session.scalar(query)


def cycles_of_client(session: Session, client_id: int) -> Sequence[Cycle]:
    return session.scalars(select(Cycle).where(Cycle.client_id == client_id)
                           .order_by(Cycle.started_at.desc())).all()


def cycles(session: Session, status: str | None = None, owner_id: int | None = None,
           limit: int = 200) -> Sequence[Cycle]:
    query = select(Cycle).order_by(Cycle.id.desc()).limit(limit)
    if status:
        query = query.where(Cycle.status == status)
    if owner_id is not None:
        query = query.where(Cycle.client_id.in_(select(Client.id).where(Client.owner_id == owner_id)))
    return session.scalars(query).all()


def open_task(session: Session, task_id: str) -> OpenTask | None:
    return session.get(OpenTask, task_id)


def cycle_of_task_for_update(session: Session, task_id: str) -> Cycle | None:
    """The cycle holding an open task, locked like cycle_for_update; None if the task is not open."""
    query = _CYCLE_OF_TASK_FOR_UPDATE if _is_postgresql(session) else _CYCLE_OF_TASK
    return session.scalar(query, {"task_id": task_id})


def open_tasks_of_cycle(session: Session, cycle_id: int) -> Sequence[OpenTask]:
    return session.scalars(_OPEN_TASKS_OF_CYCLE, {"cycle_id": cycle_id}).all()


def inbox(session: Session, login: str, candidate_keys: frozenset[str], scope: str | None,
          cycle_id: int | None = None, limit: int = 500) -> Sequence[OpenTask]:
    """Open tasks assigned to the user (mine) and unassigned tasks of the user's groups."""
    mine = OpenTask.assignee == login
    group = and_(OpenTask.assignee.is_(None), exists().where(
        TaskCandidateGroup.task_id == OpenTask.id,
        TaskCandidateGroup.group_name.in_(sorted(candidate_keys))))
    condition = {"mine": mine, "group": group}.get(scope or "", or_(mine, group))
    query = select(OpenTask).where(condition)
    if cycle_id is not None:
        query = query.where(OpenTask.cycle_id == cycle_id)
    query = query.order_by(OpenTask.due_at.is_(None), OpenTask.due_at, OpenTask.created_at).limit(limit)
    return session.scalars(query).all()


def history(session: Session, cycle_id: int) -> Sequence[HistoryEvent]:
    return session.scalars(select(HistoryEvent).where(HistoryEvent.cycle_id == cycle_id)
                           .order_by(HistoryEvent.at, HistoryEvent.id)).all()


def task_history(session: Session, task_id: str) -> Sequence[HistoryEvent]:
    return session.scalars(select(HistoryEvent).where(HistoryEvent.task_id == task_id)
                           .order_by(HistoryEvent.id)).all()


def participated(session: Session, cycle_id: int, login: str) -> bool:
    return bool(session.scalar(select(exists().where(
        HistoryEvent.cycle_id == cycle_id, HistoryEvent.actor == login))))


def assigned_open_tasks(session: Session, logins: Sequence[str] | None = None) -> Sequence[OpenTask]:
    """Open tasks that have a responsible person (all of them, or those of the given logins)."""
    query = select(OpenTask).where(OpenTask.assignee.is_not(None))
    if logins is not None:
        query = query.where(OpenTask.assignee.in_(list(logins)))
    return session.scalars(query.order_by(OpenTask.created_at)).all()



# ---------------------------------------------------------------- contacts, done work, norms

def activity_for_update(session: Session, activity_id: int) -> Activity | None:
    """An ad-hoc contact, row-locked on PostgreSQL (SQLite already holds its write lock)."""
    query = select(Activity).where(Activity.id == activity_id)
    if _is_postgresql(session):
        query = query.with_for_update(of=Activity)
    return session.scalar(query)


def activities_of_client(session: Session, client_id: int, status: str = "planned") -> Sequence[Activity]:
    return session.scalars(select(Activity).where(Activity.client_id == client_id, Activity.status == status)
                           .order_by(Activity.planned_at, Activity.id)).all()


def planned_activities_of(session: Session, logins: Sequence[str], start: datetime | None = None,
                          end: datetime | None = None) -> Sequence[Activity]:
    """Planned (not done, not cancelled) contacts of these people, planned in [start, end) when given."""
    query = select(Activity).where(Activity.assignee.in_(list(logins)), Activity.status == "planned")
    if start is not None:
        query = query.where(Activity.planned_at >= start)
    if end is not None:
        query = query.where(Activity.planned_at < end)
    return session.scalars(query.order_by(Activity.planned_at, Activity.id)).all()


def add_work_done(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(WorkDone.__table__), row)


def work_done_of_client(session: Session, client_id: int, limit: int = 200) -> Sequence[WorkDone]:
    """The client's done-work log, newest first."""
    return session.scalars(select(WorkDone).where(WorkDone.client_id == client_id)
                           .order_by(WorkDone.done_at.desc(), WorkDone.id.desc()).limit(limit)).all()


def work_done_due_between(session: Session, logins: Sequence[str], start: datetime,
                          end: datetime) -> Sequence[WorkDone]:
    return session.scalars(select(WorkDone).where(
        WorkDone.login.in_(list(logins)), WorkDone.due_at >= start, WorkDone.due_at < end)).all()


def open_tasks_due_between(session: Session, logins: Sequence[str], start: datetime,
                           end: datetime) -> Sequence[OpenTask]:
    """Assigned open tasks due in [start, end), or with no due time and planned in it."""
    return session.scalars(select(OpenTask).where(OpenTask.assignee.in_(list(logins)), or_(
        and_(OpenTask.due_at >= start, OpenTask.due_at < end),
        and_(OpenTask.due_at.is_(None), OpenTask.planned_at >= start, OpenTask.planned_at < end)))).all()


def active_cycle_of_client(session: Session, client_id: int) -> Cycle | None:
    """The client's newest active cycle."""
    return session.scalar(select(Cycle).where(Cycle.client_id == client_id, Cycle.status == "active")
                          .order_by(Cycle.started_at.desc(), Cycle.id.desc()).limit(1))


def latest_stage_lists(session: Session) -> Sequence[list[Any]]:
    """The ``stages`` list of every regulation's latest version, regulations by name."""
    return session.scalars(select(RegulationVersion.stages).join(Regulation).where(
        RegulationVersion.number == Regulation.latest_version).order_by(Regulation.name)).all()


def contact_norms(session: Session) -> Sequence[ContactNorm]:
    return session.scalars(select(ContactNorm).order_by(ContactNorm.stage, ContactNorm.id)).all()


def contact_norm(session: Session, stage: str, segment_id: int | None) -> ContactNorm | None:
    segment = ContactNorm.segment_id.is_(None) if segment_id is None else ContactNorm.segment_id == segment_id
    return session.scalar(select(ContactNorm).where(ContactNorm.stage == stage, segment))


def cycles_without_contact_since(session: Session, stages: Sequence[str], before: datetime,
                                 owner_id: int | None = None) -> Sequence[Any]:
    """Active cycles at one of ``stages``, started before ``before``, whose client had no contact
    since then; rows of (cycle_id, stage, started_at, client_id, client_name, segment_id,
    segment, last_contact_at, owner_login, owner_name)."""
    query = (select(Cycle.id.label("cycle_id"), Cycle.stage, Cycle.started_at,
                    Client.id.label("client_id"), Client.name.label("client_name"), Client.segment_id,
                    Segment.name.label("segment"), Client.last_contact_at,
                    User.login.label("owner_login"), User.name.label("owner_name"))
             .join(Client, Client.id == Cycle.client_id)
             .outerjoin(Segment, Segment.id == Client.segment_id)
             .outerjoin(User, User.id == Client.owner_id)
             .where(Cycle.status == "active", Cycle.stage.in_(list(stages)), Cycle.started_at < before,
                    or_(Client.last_contact_at.is_(None), Client.last_contact_at < before)))
    if owner_id is not None:
        query = query.where(Client.owner_id == owner_id)
    return session.execute(query.order_by(Cycle.id)).all()


def existing_notification_keys(session: Session, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (login, key) pairs already have a notification."""
    wanted, found = set(keys), set()
    names = sorted({key for _, key in wanted})
    for i in range(0, len(names), 500):
        rows = session.execute(select(Notification.login, Notification.key)
                               .where(Notification.key.in_(names[i:i + 500])))
        found.update((login, key) for login, key in rows if (login, key) in wanted)
    return found

# ---------------------------------------------------------------- timer jobs

def jobs_of_cycle(session: Session, cycle_id: int) -> Sequence[Job]:
    return session.scalars(select(Job).where(Job.cycle_id == cycle_id)).all()


def add_jobs(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(Job.__table__), rows)  # one executemany


def drop_jobs(session: Session, cycle_id: int, task_ids: Iterable[str] | None = None) -> None:
    """Delete a cycle's jobs (only those of the given timer tasks, when given)."""
    stmt = delete(Job).where(Job.cycle_id == cycle_id)
    if task_ids is not None:
        stmt = stmt.where(Job.task_id.in_(list(task_ids)))
    session.execute(stmt, execution_options={"synchronize_session": False})


def reschedule_job(session: Session, cycle_id: int, task_id: str, due_at: datetime) -> None:
    """A waiting timer got a new due time (a cycle timer's next repetition): attempts start over."""
    session.execute(update(Job).where(Job.cycle_id == cycle_id, Job.task_id == task_id)
                    .values(due_at=due_at, attempts=0, last_error=None),
                    execution_options={"synchronize_session": False})


def _lease_free(now: datetime) -> Any:
    return (Job.lease_until.is_(None)) | (Job.lease_until < now)


def due_jobs(session: Session, now: datetime, limit: int) -> Sequence[Any]:
    """(id, cycle_id) of due jobs with a free or expired lease, oldest first; on PostgreSQL the
    rows stay locked (SKIP LOCKED) until the transaction that leases them commits."""
    query = (select(Job.id, Job.cycle_id).where(Job.failed.is_(False), Job.due_at <= now, _lease_free(now))
             .order_by(Job.due_at).limit(limit))
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=Job)
    return session.execute(query).all()


def lease_jobs(session: Session, ids: list[int], owner: str, until: datetime, now: datetime) -> set[int]:
    """Lease the jobs to ``owner``; returns the ids it now holds. On SQLite the update is a
    compare-and-set (only leases still free are taken); PostgreSQL's rows are already locked."""
    stmt = update(Job).where(Job.id.in_(ids))
    if not _is_postgresql(session):
        stmt = stmt.where(_lease_free(now))
    session.execute(stmt.values(lease_owner=owner, lease_until=until),
                    execution_options={"synchronize_session": False})
    return set(session.scalars(select(Job.id).where(Job.id.in_(ids), Job.lease_owner == owner)))


def next_job_due(session: Session) -> datetime | None:
    return session.scalar(select(Job.due_at).where(Job.failed.is_(False)).order_by(Job.due_at).limit(1))


def failed_jobs(session: Session, limit: int = 200) -> Sequence[Job]:
    """Timer jobs that failed every attempt, newest first."""
    return session.scalars(select(Job).where(Job.failed.is_(True)).order_by(Job.due_at.desc())
                           .limit(limit)).all()


# ---------------------------------------------------------------- work types

def work_types(session: Session) -> Sequence[WorkType]:
    return session.scalars(select(WorkType).order_by(WorkType.name)).all()


def group_by_name(session: Session, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.name == name))


# ---------------------------------------------------------------- notifications

_GROUP_MEMBERS = (select(Group.name, User.login).join(user_groups, user_groups.c.group_id == Group.id)
                  .join(User, User.id == user_groups.c.user_id)
                  .where(Group.name.in_(bindparam("groups", expanding=True)), User.active.is_(True)))
_ACTIVE_LOGINS = select(User.login).where(User.login.in_(bindparam("logins", expanding=True)),
                                          User.active.is_(True))


def active_candidates(session: Session, keys: Sequence[str]) -> list[tuple[str, str]]:
    """(candidate key, login) of the active users that candidate keys reach: the members of
    groups, and the user ``<login>`` of a key ``user:<login>`` (one statement for each kind)."""
    groups = [k for k in keys if not k.startswith("user:")]
    logins = [k[5:] for k in keys if k.startswith("user:")]
    found = [(g, login) for g, login in session.execute(_GROUP_MEMBERS, {"groups": groups})] if groups else []
    if logins:
        found += [(f"user:{login}", login) for login in session.scalars(_ACTIVE_LOGINS, {"logins": logins})]
    return found


def logins_with_email(session: Session, logins: Sequence[str]) -> Sequence[str]:
    return session.scalars(select(User.login).where(
        User.login.in_(list(logins)), User.active.is_(True), User.email.is_not(None),
        User.email != "")).all()


_NOTIFICATION_INSERTS = {
    name: dialect.insert(Notification.__table__).on_conflict_do_nothing(index_elements=["login", "key"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def insert_notifications(session: Session, rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT (login, key) DO NOTHING (the statement built once per dialect), one
    executemany: a notification whose (login, key) exists is skipped."""
    dialect = session.get_bind().dialect.name
    try:
        statement = _NOTIFICATION_INSERTS[dialect]
    except KeyError:
        raise RuntimeError(f"notifications need PostgreSQL or SQLite, not {dialect}") from None
    session.execute(statement, rows)


def unread_notification_count(session: Session, login: str) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.login == login, Notification.read_at.is_(None))) or 0


def notifications_of(session: Session, login: str, unread_only: bool = False,
                     limit: int = 200) -> Sequence[Notification]:
    """A user's notifications, newest first."""
    query = select(Notification).where(Notification.login == login)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                           .limit(limit)).all()


def notification_of(session: Session, login: str, notification_id: int) -> Notification | None:
    return session.scalar(select(Notification).where(Notification.id == notification_id,
                                                     Notification.login == login))


def mark_notifications_read(session: Session, login: str, ids: Sequence[int] | None, at: datetime) -> int:
    """Mark the user's unread notifications read (all of them when ``ids`` is None); returns how many."""
    stmt = update(Notification).where(Notification.login == login, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    result = session.execute(stmt.values(read_at=at), execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def open_tasks_to_remind(session: Session, now: datetime, horizon: datetime) -> Sequence[OpenTask]:
    """Assigned open tasks overdue and not yet reminded as such, or due by ``horizon`` and not
    reminded at all (OpenTask.reminded: 0 none, 1 due soon sent, 2 overdue sent)."""
    return session.scalars(select(OpenTask).where(
        OpenTask.assignee.is_not(None), OpenTask.due_at <= horizon, OpenTask.reminded < 2,
        or_(OpenTask.due_at < now, OpenTask.reminded < 1)).order_by(OpenTask.due_at)).all()


def activities_to_remind(session: Session, now: datetime, horizon: datetime) -> Sequence[Activity]:
    """Planned ad-hoc contacts passed and not yet reminded as such, or due by ``horizon``."""
    return session.scalars(select(Activity).where(
        Activity.status == "planned", Activity.planned_at <= horizon, Activity.reminded < 2,
        or_(Activity.planned_at < now, Activity.reminded < 1)).order_by(Activity.planned_at)).all()


def set_reminded(session: Session, model: type[OpenTask] | type[Activity], ids: Sequence[Any],
                 level: int) -> None:
    if ids:
        session.execute(update(model).where(model.id.in_(list(ids))).values(reminded=level),
                        execution_options={"synchronize_session": False})


def planned_activities(session: Session, login: str) -> Sequence[Activity]:
    return session.scalars(select(Activity).where(Activity.assignee == login, Activity.status == "planned")
                           .order_by(Activity.planned_at)).all()


def pending_emails(session: Session, limit: int) -> Sequence[tuple[Notification, User]]:
    """Notifications waiting to go out by e-mail, oldest first, with their recipients."""
    rows = session.execute(select(Notification, User).join(User, User.login == Notification.login)
                           .where(Notification.email_status == "pending")
                           .order_by(Notification.id).limit(limit)).all()
    return [(n, u) for n, u in rows]


def claim_emails(session: Session, ids: Sequence[int], now: datetime) -> set[int]:
    """Compare-and-set pending -> sending (noting when); returns the ids this caller now holds."""
    if not ids:
        return set()
    return set(session.scalars(
        update(Notification).where(Notification.id.in_(list(ids)), Notification.email_status == "pending")
        .values(email_status="sending", email_claimed_at=now).returning(Notification.id),
        execution_options={"synchronize_session": False}))


def requeue_emails(session: Session, claimed_before: datetime) -> int:
    """E-mails claimed before ``claimed_before`` and still 'sending' (their worker stopped
    mid-send) go back to the outbox; returns how many."""
    result = session.execute(update(Notification).where(Notification.email_status == "sending",
                                                        Notification.email_claimed_at < claimed_before)
                             .values(email_status="pending"), execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)


# ---------------------------------------------------------------- duplicates

def clients_by_tax_ids(session: Session, tax_ids: list[str]) -> Sequence[Client]:
    return session.scalars(select(Client).where(Client.tax_id.in_(tax_ids))).all()


def clients_by_contact_keys(session: Session, phone_keys: list[str],
                            email_keys: list[str]) -> Sequence[tuple[Client, Contact]]:
    if not phone_keys and not email_keys:
        return []
    condition = or_(Contact.phone_key.in_(phone_keys), Contact.email_key.in_(email_keys))
    return session.execute(select(Client, Contact).join(Contact, Contact.client_id == Client.id)
                           .where(condition).limit(50)).all()


def clients_with_similar_name_keys(session: Session, key: str, limit: int = 50) -> Sequence[Client]:
    """Clients whose normalised name equals ``key`` or starts like it (a cheap first filter;
    the caller compares the names)."""
    if not key:
        return []
    prefix = key[: max(3, min(len(key) - 1, 6))]
    return session.scalars(select(Client).where(or_(Client.name_key == key, Client.name_key.like(
        prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", escape="\\")))
        .limit(limit)).all()


def client_ids_by_keys(session: Session, tax_ids: list[str], phones: list[str], emails: list[str],
                       names: list[str]) -> tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]:
    """Existing clients (not merged away) by tax id, contact phone/e-mail key and name key,
    for the given keys; queried in chunks so a big import stays within parameter limits.
    Contacts are looked up by key alone (no join to clients, which planners were seen to turn
    into a scan of every client), and contacts of merged clients dropped after."""
    def chunked(values: list[str], build: Any) -> list[tuple[str, int]]:
        unique = sorted(set(v for v in values if v))
        return [(key, client_id) for i in range(0, len(unique), 500)
                for key, client_id in session.execute(build(unique[i:i + 500]))]

    def first(pairs: list[tuple[str, int]], merged: set[int] = set()) -> dict[str, int]:
        out: dict[str, int] = {}
        for key, client_id in pairs:
            if client_id not in merged:
                out.setdefault(key, client_id)
        return out

    live = Client.merged_into_id.is_(None)
    phone_pairs = chunked(phones, lambda c: select(Contact.phone_key, Contact.client_id).where(Contact.phone_key.in_(c)))
    email_pairs = chunked(emails, lambda c: select(Contact.email_key, Contact.client_id).where(Contact.email_key.in_(c)))
    owners = sorted({client_id for _, client_id in phone_pairs + email_pairs})
    merged = {client_id for i in range(0, len(owners), 500) for client_id in session.scalars(
        select(Client.id).where(Client.id.in_(owners[i:i + 500]), Client.merged_into_id.is_not(None)))}
    return (
        first(chunked(tax_ids, lambda c: select(Client.tax_id, Client.id).where(Client.tax_id.in_(c), live))),
        first(phone_pairs, merged),
        first(email_pairs, merged),
        first(chunked(names, lambda c: select(Client.name_key, Client.id).where(Client.name_key.in_(c), live))),
    )


# ---------------------------------------------------------------- organisation: segments, teams,
# absences, distribution, hand-overs

#: client statuses that count as active work (with an active cycle, any status counts)
ACTIVE_CLIENT_STATUSES = ("lead", "prospect")
#: cycle statuses whose open tasks and variables follow the client's owner
LIVE_CYCLE_STATUSES = ("active", "incident")


def segments_in_order(session: Session) -> Sequence[Segment]:
    """Segments in the order their rules apply."""
    return session.scalars(select(Segment).order_by(Segment.position, Segment.id)).all()


def clients_in_segment(session: Session, segment_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Client).where(Client.segment_id == segment_id)) or 0


def teams(session: Session) -> Sequence[Team]:
    return session.scalars(select(Team).order_by(Team.name)).all()


def team_by_name(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))


def teams_for_update(session: Session, team_ids: Sequence[int]) -> dict[int, Team]:
    """Teams (with members), locked in id order on PostgreSQL while a distribution takes its
    turns (SQLite's write transaction already serialises writers); re-read, not from the cache."""
    if not team_ids:
        return {}
    query = (select(Team).where(Team.id.in_(sorted(set(team_ids)))).order_by(Team.id)
             .execution_options(populate_existing=True))
    if _is_postgresql(session):
        query = query.with_for_update(of=Team)
    found = {team.id: team for team in session.scalars(query).all()}
    if found:  # members too: their credits are read and written under the lock
        session.scalars(select(TeamMember).where(TeamMember.team_id.in_(list(found)))
                        .execution_options(populate_existing=True)).all()
    return found


def users_by_logins(session: Session, logins: Sequence[str]) -> dict[str, User]:
    if not logins:
        return {}
    return {u.login: u for u in session.scalars(select(User).where(User.login.in_(list(set(logins))))).all()}


def absences(session: Session, user_id: int | None = None, ending_from: date | None = None) -> Sequence[Absence]:
    """Absences (of one user), those ending on or after ``ending_from`` when given, by start."""
    query = select(Absence)
    if user_id is not None:
        query = query.where(Absence.user_id == user_id)
    if ending_from is not None:
        query = query.where(Absence.ends_on >= ending_from)
    return session.scalars(query.order_by(Absence.starts_on, Absence.id)).all()


def absences_overlapping(session: Session, first: date, last: date,
                         user_ids: Sequence[int] | None = None) -> Sequence[Absence]:
    """Absences that cover any day of [first, last] (of these users, when given)."""
    query = select(Absence).where(Absence.starts_on <= last, Absence.ends_on >= first)
    if user_ids is not None:
        query = query.where(Absence.user_id.in_(list(user_ids)))
    return session.scalars(query.order_by(Absence.starts_on, Absence.id)).all()


def active_client_counts(session: Session, user_ids: Sequence[int]) -> dict[int, int]:
    """Per user: the clients they own that are active work (a lead or prospect, or with an
    active cycle); merged clients do not count."""
    if not user_ids:
        return {}
    live_cycle = exists().where(Cycle.client_id == Client.id, Cycle.status.in_(LIVE_CYCLE_STATUSES))
    rows = session.execute(select(Client.owner_id, func.count()).where(
        Client.owner_id.in_(list(user_ids)), Client.merged_into_id.is_(None),
        or_(Client.status.in_(ACTIVE_CLIENT_STATUSES), live_cycle)).group_by(Client.owner_id)).all()
    counts = {user_id: 0 for user_id in user_ids}
    counts.update({owner_id: count for owner_id, count in rows})
    return counts


def add_client_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(ClientEvent.__table__), rows)  # one executemany


def add_history_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(HistoryEvent.__table__), rows)  # one executemany


def client_events(session: Session, client_id: int, type_: str | None = None) -> Sequence[ClientEvent]:
    """The client's own events, oldest first (of one type, when given)."""
    query = select(ClientEvent).where(ClientEvent.client_id == client_id)
    if type_ is not None:
        query = query.where(ClientEvent.type == type_)
    return session.scalars(query.order_by(ClientEvent.at, ClientEvent.id)).all()


def recent_client_events(session: Session, type_: str, limit: int = 50) -> Sequence[tuple[ClientEvent, str]]:
    """The latest client events of one type, newest first, with the client's name."""
    rows = session.execute(select(ClientEvent, Client.name).join(Client, Client.id == ClientEvent.client_id)
                           .where(ClientEvent.type == type_)
                           .order_by(ClientEvent.at.desc(), ClientEvent.id.desc()).limit(limit)).all()
    return [(event, name) for event, name in rows]


def unowned_clients(session: Session, limit: int = 5000) -> Sequence[Client]:
    """Clients nobody owns (not merged away, not inactive), oldest first."""
    return session.scalars(select(Client).where(
        Client.owner_id.is_(None), Client.merged_into_id.is_(None), Client.status != "inactive")
        .order_by(Client.created_at, Client.id).limit(limit)).all()


def count_unowned_clients(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Client).where(
        Client.owner_id.is_(None), Client.merged_into_id.is_(None), Client.status != "inactive")) or 0


def clients_by_ids(session: Session, client_ids: Sequence[int]) -> Sequence[Client]:
    if not client_ids:
        return []
    return session.scalars(select(Client).where(Client.id.in_(list(client_ids)))
                           .order_by(Client.created_at, Client.id)
                           .options(joinedload(Client.segment), joinedload(Client.owner))).unique().all()


def clients_of_owner(session: Session, user_id: int) -> Sequence[Client]:
    """A manager's portfolio: the clients they own (not merged away), by name."""
    return session.scalars(select(Client).where(Client.owner_id == user_id, Client.merged_into_id.is_(None))
                           .order_by(Client.name, Client.id)
                           .options(joinedload(Client.segment))).unique().all()


def open_tasks_of_clients(session: Session, client_ids: Sequence[int], assignee: str) -> Sequence[OpenTask]:
    """Open tasks of these clients' cycles held by ``assignee``."""
    if not client_ids:
        return []
    return session.scalars(select(OpenTask).where(OpenTask.client_id.in_(list(client_ids)),
                                                  OpenTask.assignee == assignee)
                           .order_by(OpenTask.created_at)).all()


def planned_activities_of_clients(session: Session, client_ids: Sequence[int],
                                  assignee: str) -> Sequence[Activity]:
    """Planned ad-hoc contacts with these clients that ``assignee`` is to make."""
    if not client_ids:
        return []
    return session.scalars(select(Activity).where(Activity.client_id.in_(list(client_ids)),
                                                  Activity.assignee == assignee,
                                                  Activity.status == "planned")).all()


def live_cycles_of_clients_for_update(session: Session, client_ids: Sequence[int]) -> Sequence[Cycle]:
    """Active (or in incident) cycles of these clients with their state, locked on PostgreSQL."""
    if not client_ids:
        return []
    query = (select(Cycle).where(Cycle.client_id.in_(list(client_ids)), Cycle.status.in_(LIVE_CYCLE_STATUSES))
             .options(undefer(Cycle.state)).order_by(Cycle.id))
    if _is_postgresql(session):
        query = query.with_for_update(of=Cycle)
    return session.scalars(query).all()


def handovers(session: Session, limit: int = 200) -> Sequence[Handover]:
    """Hand-overs, newest first."""
    return session.scalars(select(Handover).order_by(Handover.created_at.desc(), Handover.id.desc())
                           .limit(limit)).all()


def handover_for_update(session: Session, handover_id: int) -> Handover | None:
    query = select(Handover).where(Handover.id == handover_id)
    if _is_postgresql(session):
        query = query.with_for_update(of=Handover)
    return session.scalar(query)


def handovers_due(session: Session, now: datetime, limit: int = 100) -> Sequence[Handover]:
    """Temporary hand-overs whose return time has come, oldest first; on PostgreSQL locked,
    skipping those another worker is returning."""
    query = (select(Handover).where(Handover.status == "temporary", Handover.returns_at <= now)
             .order_by(Handover.returns_at, Handover.id).limit(limit))
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=Handover)
    return session.scalars(query).all()


# ---------------------------------------------------------------- client imports and exports

def insert_clients(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert (one executemany); the new ids, in the order of ``rows``.

    The ids are taken first, so no RETURNING is needed (psycopg sends an executemany far
    faster): from the id sequence on PostgreSQL (safe beside other writers), above the highest
    id on SQLite (its writing transaction excludes other writers)."""
    if not rows:
        return []
    if _is_postgresql(session):
        ids = list(session.scalars(text("SELECT nextval(pg_get_serial_sequence('clients', 'id')) "
                                        "FROM generate_series(1, :n)"), {"n": len(rows)}))
    else:
        top = session.scalar(select(func.max(Client.id))) or 0
        ids = list(range(top + 1, top + 1 + len(rows)))
    session.execute(insert(Client.__table__), [{**row, "id": client_id} for row, client_id in zip(rows, ids)])
    return ids


def insert_contacts(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Contact.__table__), rows)


def client_names_and_tax_ids(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    """id -> (name, tax id) of these clients, in chunks within parameter limits."""
    unique, out = sorted(set(ids)), {}
    for i in range(0, len(unique), 500):
        for client_id, name, tax_id in session.execute(
                select(Client.id, Client.name, Client.tax_id).where(Client.id.in_(unique[i:i + 500]))):
            out[client_id] = (name, tax_id)
    return out


def import_run(session: Session, run_id: int) -> ImportRun | None:
    return session.get(ImportRun, run_id)


def import_runs(session: Session, created_by: str | None = None, limit: int = 100) -> Sequence[ImportRun]:
    """Import runs, newest first (those of one login when given)."""
    query = select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)
    if created_by is not None:
        query = query.where(ImportRun.created_by == created_by)
    return session.scalars(query).all()


def update_import_run(session: Session, run_id: int, **values: Any) -> None:
    session.execute(update(ImportRun).where(ImportRun.id == run_id).values(**values),
                    execution_options={"synchronize_session": False})


def avoid_trigram_lookups(session: Session) -> None:
    """For the rest of this transaction, no bitmap scans (PostgreSQL; nothing elsewhere). Trigram
    GIN indexes can be read only through bitmap scans, and the planner was seen to pick them for
    lookups by equal key, estimating milliseconds for what took seconds (keys of digits share
    their trigrams), over b-tree indexes or a plain scan."""
    if _is_postgresql(session):
        session.execute(text("SET LOCAL enable_bitmapscan = off"))


def refresh_client_statistics(session: Session) -> None:
    """Fresh planner statistics for clients and contacts after a bulk load (PostgreSQL's ANALYZE;
    nothing elsewhere): with the statistics of a much smaller table, key lookups turn into scans."""
    if _is_postgresql(session):
        session.execute(text("ANALYZE clients, contacts"))


def clients_for_export(session: Session, *, after_id: int = 0, limit: int = 1000, **criteria: Any) -> Sequence[Any]:
    """The clients search_clients finds (the same terms and filters), a page in id order after
    ``after_id`` rather than by name (an export reads them all), as plain rows:
    (id, name, kind, tax_id, industry, region, size, source, status, segment, owner login)."""
    query = (select(Client.id, Client.name, Client.kind, Client.tax_id, Client.industry, Client.region,
                    Client.size, Client.source, Client.status, Segment.name.label("segment"),
                    User.login.label("owner"))
             .outerjoin(Segment, Segment.id == Client.segment_id)
             .outerjoin(User, User.id == Client.owner_id)
             .where(Client.id > after_id))
    query = _client_search(session, query, **criteria)
    return session.execute(query.order_by(Client.id).limit(limit)).all()


def contact_rows_of_clients(session: Session, client_ids: Sequence[int]) -> Sequence[Any]:
    """(client_id, name, position, phone, email) of these clients' contacts, by client and id."""
    return session.execute(select(Contact.client_id, Contact.name, Contact.position, Contact.phone, Contact.email)
                           .where(Contact.client_id.in_(list(client_ids)))
                           .order_by(Contact.client_id, Contact.id)).all()


# ---------------------------------------------------------------- motivation (issue 6)

def sales_plans(session: Session, periods: Sequence[str], scenario: str) -> Sequence[SalesPlan]:
    """The plans (of managers and of teams) of these periods in one scenario."""
    return session.scalars(select(SalesPlan).where(SalesPlan.period.in_(list(periods)),
                                                   SalesPlan.scenario == scenario)
                           .order_by(SalesPlan.period, SalesPlan.login, SalesPlan.team_id)).all()


def plan_scenarios(session: Session, period: str | None = None) -> Sequence[str]:
    query = select(SalesPlan.scenario).distinct().order_by(SalesPlan.scenario)
    if period is not None:
        query = query.where(SalesPlan.period == period)
    return session.scalars(query).all()


def _credited_owner() -> Any:
    """Whose sale a cycle is: the owner it was credited to when decided, else the client's owner."""
    return func.coalesce(Cycle.credited_to_id, Client.owner_id)


def decided_cycles_between(session: Session, owner_ids: Sequence[int], start: datetime,
                           end: datetime) -> Sequence[Any]:
    """Cycles won or lost in [start, end) credited to these users (the client's owner when the
    cycle was decided): rows of (id, status, variables, started_at, ended_at, client_name, owner_id)."""
    owner = _credited_owner()
    return session.execute(
        select(Cycle.id, Cycle.status, Cycle.variables, Cycle.started_at, Cycle.ended_at,
               Client.name.label("client_name"), owner.label("owner_id"))
        .join(Client, Client.id == Cycle.client_id)
        .where(owner.in_(list(owner_ids)), Cycle.status.in_(("won", "lost")),
               Cycle.ended_at >= start, Cycle.ended_at < end)
        .order_by(Cycle.ended_at, Cycle.id)).all()


def payments_done_between(session: Session, owner_ids: Sequence[int], work_type: str, start: datetime,
                          end: datetime) -> Sequence[Any]:
    """Done work of that type in [start, end) in cycles credited to these users (see
    decided_cycles_between; the client's owner while the cycle runs), whoever did it: rows of
    (id, cycle_id, task_id, done_at, client_name, owner_id, variables)."""
    owner = _credited_owner()
    return session.execute(
        select(WorkDone.id, WorkDone.cycle_id, WorkDone.task_id, WorkDone.done_at,
               Client.name.label("client_name"), owner.label("owner_id"), Cycle.variables)
        .join(Client, Client.id == WorkDone.client_id)
        .join(Cycle, Cycle.id == WorkDone.cycle_id)
        .where(owner.in_(list(owner_ids)), WorkDone.work_type == work_type,
               WorkDone.done_at >= start, WorkDone.done_at < end)
        .order_by(WorkDone.done_at, WorkDone.id)).all()


def completed_task_variables(session: Session, task_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The values submitted when each of these tasks was completed (its history event)."""
    found: dict[str, dict[str, Any]] = {}
    unique = sorted(set(task_ids))
    for i in range(0, len(unique), 500):
        for task_id, data in session.execute(
                select(HistoryEvent.task_id, HistoryEvent.data).where(
                    HistoryEvent.task_id.in_(unique[i:i + 500]), HistoryEvent.type == "completed")):
            found[task_id] = dict((data or {}).get("variables") or {})
    return found


def work_done_between(session: Session, logins: Sequence[str], start: datetime, end: datetime) -> Sequence[Any]:
    """These people's done work done in [start, end): rows of (login, work_type, task_id,
    activity_id, due_at, done_at)."""
    return session.execute(
        select(WorkDone.login, WorkDone.work_type, WorkDone.task_id, WorkDone.activity_id, WorkDone.due_at,
               WorkDone.done_at)
        .where(WorkDone.login.in_(list(logins)), WorkDone.done_at >= start, WorkDone.done_at < end)
        .order_by(WorkDone.done_at, WorkDone.id)).all()


def reversals_until(session: Session, owner_ids: Sequence[int], end: datetime) -> Sequence[Any]:
    """Reversals before ``end`` of cycles credited to these users (the sale's manager bears
    its clawback): rows of (id, cycle_id, at, kind, amount, reason, variables, ended_at,
    client_name, owner_id)."""
    owner = _credited_owner()
    return session.execute(
        select(Reversal.id, Reversal.cycle_id, Reversal.at, Reversal.kind, Reversal.amount, Reversal.reason,
               Cycle.variables, Cycle.ended_at, Client.name.label("client_name"), owner.label("owner_id"))
        .join(Cycle, Cycle.id == Reversal.cycle_id)
        .join(Client, Client.id == Cycle.client_id)
        .where(owner.in_(list(owner_ids)), Reversal.at < end)
        .order_by(Reversal.at, Reversal.id)).all()


def reversals_of_cycle(session: Session, cycle_id: int) -> Sequence[Reversal]:
    return session.scalars(select(Reversal).where(Reversal.cycle_id == cycle_id)
                           .order_by(Reversal.at, Reversal.id)).all()


def statements(session: Session, periods: Sequence[str] | None = None,
               logins: Sequence[str] | None = None) -> Sequence[Statement]:
    """Statements (with their lines) of these periods and people, by period then login."""
    query = select(Statement)
    if periods is not None:
        query = query.where(Statement.period.in_(list(periods)))
    if logins is not None:
        query = query.where(Statement.login.in_(list(logins)))
    return session.scalars(query.order_by(Statement.period, Statement.login)).all()


def statement_of(session: Session, login: str, period: str) -> Statement | None:
    return session.scalar(select(Statement).where(Statement.login == login, Statement.period == period))


def locked_statement_periods(session: Session, logins: Sequence[str]) -> Sequence[Any]:
    """(login, period) of every locked statement of these people."""
    return session.execute(select(Statement.login, Statement.period).where(
        Statement.login.in_(list(logins)), Statement.status == "locked")).all()


def statement_comments(session: Session, statement_id: int) -> Sequence[StatementComment]:
    return session.scalars(select(StatementComment).where(StatementComment.statement_id == statement_id)
                           .order_by(StatementComment.created_at, StatementComment.id)).all()


def open_comment_counts(session: Session, statement_ids: Sequence[int]) -> dict[int, int]:
    """Unresolved comments per statement."""
    return {sid: n for sid, n in session.execute(
        select(StatementComment.statement_id, func.count()).where(
            StatementComment.statement_id.in_(list(statement_ids)), StatementComment.resolved.is_(False))
        .group_by(StatementComment.statement_id))}


# ---------------------------------------------------------------- motivation schemes

def scheme_versions(session: Session, name: str) -> Sequence[MotivationScheme]:
    """Every version of a scheme, oldest first."""
    return session.scalars(select(MotivationScheme).where(MotivationScheme.name == name)
                           .order_by(MotivationScheme.version)).all()


def scheme_version(session: Session, name: str, version: int) -> MotivationScheme | None:
    return session.scalar(select(MotivationScheme).where(MotivationScheme.name == name,
                                                         MotivationScheme.version == version))


def newest_scheme_version_for_update(session: Session, name: str) -> MotivationScheme | None:
    """The newest version of a scheme, row-locked on PostgreSQL (edits read-modify-write its JSON)."""
    query = (select(MotivationScheme).where(MotivationScheme.name == name)
             .order_by(MotivationScheme.version.desc()).limit(1))
    if _is_postgresql(session):
        query = query.with_for_update()
    return session.scalar(query)


def latest_schemes(session: Session) -> Sequence[MotivationScheme]:
    """The newest version of each scheme, by name."""
    newest = (select(MotivationScheme.name, func.max(MotivationScheme.version).label("version"))
              .group_by(MotivationScheme.name).subquery())
    return session.scalars(select(MotivationScheme).join(newest, and_(
        MotivationScheme.name == newest.c.name, MotivationScheme.version == newest.c.version))
        .order_by(MotivationScheme.name)).all()


def active_scheme_versions(session: Session) -> dict[str, int]:
    """Scheme name -> the number of its active version."""
    return {name: version for name, version in session.execute(
        select(MotivationScheme.name, MotivationScheme.version).where(MotivationScheme.status == "active"))}


def schemes_in_effect(session: Session, on: date) -> Sequence[MotivationScheme]:
    """Activated versions (active or retired, never drafts) effective on or before a day."""
    return session.scalars(select(MotivationScheme).where(
        MotivationScheme.status.in_(("active", "retired")), MotivationScheme.effective_from <= on)
        .order_by(MotivationScheme.name, MotivationScheme.version)).all()


def scheme_names_of_team(session: Session, team_id: int) -> list[str]:
    """The schemes with a version (of any status) for this team, by name."""
    return list(session.scalars(select(MotivationScheme.name).distinct()
                                .where(MotivationScheme.team_id == team_id).order_by(MotivationScheme.name)))


def team_ids_of_user(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


def motivation_scheme_versions(session: Session) -> Sequence[MotivationScheme]:
    """Every version of every motivation scheme, by name then version."""
    return session.scalars(select(MotivationScheme).order_by(MotivationScheme.name, MotivationScheme.version)).all()

