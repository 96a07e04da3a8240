"""Indicators of a manager's period: the figures a statement pays on.

For a login and a period (engine.periods: calendar months and quarters in UTC):

- won cycles: cycles that ended ``won`` in the period whose client the manager owns
  (Client.owner_id as it is now), with the cycle variable ``amount`` (set at the proposal);
- payments: payment tasks done in the period (the done-work log, work type ``payment``) in
  cycles of the manager's clients, with the ``paid_amount`` submitted at that task (read
  from the task's "completed" history event); whoever confirmed it (accounting, usually),
  the payment counts for the client's owner;
- work done per work type: the manager's own rows of the done-work log done in the period;
- on-time share: of those rows that had a deadline, the share done by it;
- conversion: won / decided (won + lost) cycles of the manager's clients ended in the period;
- average cycle duration (days from start to end) of the won cycles;
- reversals (clawback) landing in the period (see ``landing_period``).

``gather`` reads every login's figures in a fixed number of queries (six), however many
managers, cycles or tasks there are.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from engine.shared import periods
from engine.shared.periods import Period
from storage.repositories import motivation as motivation_repo

#: ratios (attainment, conversion, shares) keep four places, cut (never rounded up across a
#: tier boundary: 79.99999 % is not 80 %)
FOUR_PLACES = Decimal("0.0001")
#: how many task/cycle ids an explanation lists before it says "and N more"
MAX_IDS = 200
PAYMENT = "payment"


def to_decimal(value: Any) -> Decimal | None:
    """A form value (int, float, "1 200 000", "1200000.50") as a Decimal; None when it is none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class Deal:
    """A cycle that ended won in the period."""

    cycle_id: int
    client: str
    amount: Decimal | None  # None: the cycle has no (valid) ``amount``
    started_at: datetime
    ended_at: datetime
    #: the period it was won in, when that period was locked early before it: it lands here as a correction
    late_from: str | None = None

    @property
    def days(self) -> Decimal:
        return Decimal((self.ended_at - self.started_at).total_seconds()) / Decimal(86400)


@dataclass(frozen=True)
class Payment:
    """A payment task done in the period."""

    cycle_id: int
    task_id: str | None
    client: str
    amount: Decimal | None
    done_at: datetime
    #: the period it was paid in, when that period was locked early before it (see Deal.late_from)
    late_from: str | None = None


@dataclass(frozen=True)
class Work:
    """Done work of one work type: how much, and which tasks and ad-hoc contacts."""

    count: int = 0
    task_ids: tuple[str, ...] = ()
    activity_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReversalItem:
    """A won cycle cancelled or refunded, reversed in this period."""

    id: int
    cycle_id: int
    client: str
    kind: str  # cancelled, refunded
    amount: Decimal | None  # the refunded amount; None: all of it
    reason: str
    at: datetime
    cycle_amount: Decimal | None  # the cycle's ``amount``
    paid_amount: Decimal | None  # the cycle's ``paid_amount``
    won_at: datetime | None
    late: bool = False  # its own period was locked: it lands here as a correction

    @property
    def happened_in(self) -> str:
        return periods.of(self.at).key


@dataclass(frozen=True)
class Indicators:
    login: str
    period: str
    won: tuple[Deal, ...] = ()
    lost_count: int = 0
    payments: tuple[Payment, ...] = ()
    work: Mapping[str, Work] = field(default_factory=dict)
    with_due: int = 0
    on_time: int = 0
    reversals: tuple[ReversalItem, ...] = ()

    @property
    def won_count(self) -> int:
        return len(self.won)

    @property
    def won_amount(self) -> Decimal:
        return sum((d.amount or Decimal(0) for d in self.won), Decimal(0))

    @property
    def paid_amount(self) -> Decimal:
        return sum((p.amount or Decimal(0) for p in self.payments), Decimal(0))

    @property
    def decided_count(self) -> int:
        return self.won_count + self.lost_count

    @property
    def conversion(self) -> Decimal | None:
        """Won / decided cycles ended in the period; None when none was decided."""
        if not self.decided_count:
            return None
        return (Decimal(self.won_count) / Decimal(self.decided_count)).quantize(FOUR_PLACES, rounding=ROUND_DOWN)

    @property
    def on_time_share(self) -> Decimal | None:
        """Done by the deadline / done work that had a deadline; None when none had one."""
        if not self.with_due:
            return None
        return (Decimal(self.on_time) / Decimal(self.with_due)).quantize(FOUR_PLACES, rounding=ROUND_DOWN)

    @property
    def avg_cycle_days(self) -> Decimal | None:
        if not self.won:
            return None
        return (sum((d.days for d in self.won), Decimal(0)) / len(self.won)).quantize(Decimal("0.1"))

    @property
    def work_done(self) -> dict[str, int]:
        return {name: w.count for name, w in sorted(self.work.items())}

    def basis_total(self, basis: str) -> Decimal:
        return self.paid_amount if basis == "paid_amount" else self.won_amount

    def as_dict(self) -> dict[str, Any]:
        """The figures as stored with a statement (JSON: amounts and shares as strings)."""
        return {
            "won_count": self.won_count, "won_amount": str(self.won_amount),
            "paid_amount": str(self.paid_amount), "lost_count": self.lost_count,
            "decided_count": self.decided_count, "conversion": decimal_text(self.conversion),
            "with_due": self.with_due, "on_time": self.on_time, "on_time_share": decimal_text(self.on_time_share),
            "avg_cycle_days": decimal_text(self.avg_cycle_days), "work_done": self.work_done,
            "won_cycles": [d.cycle_id for d in self.won][:MAX_IDS],
            "reversals": [r.id for r in self.reversals],
        }


def decimal_text(value: Decimal | None) -> str | None:
    """A figure as stored in JSON: its text, None when unknown."""
    return None if value is None else str(value)


def revenue_attainment(basis_total: Decimal, target: Decimal | None) -> Decimal | None:
    """Basis total / revenue target (1.0 = 100 %); None without a target."""
    if not target or target <= 0:
        return None
    return (basis_total / target).quantize(FOUR_PLACES, rounding=ROUND_DOWN)


def activity_attainment(done: Mapping[str, int], targets: Mapping[str, int], cap: Decimal) -> Decimal | None:
    """The mean over work types with a target of min(done / target, cap); None without targets."""
    ratios = [min(Decimal(done.get(name, 0)) / Decimal(target), cap)
              for name, target in sorted(targets.items()) if target and int(target) > 0]
    if not ratios:
        return None
    return (sum(ratios, Decimal(0)) / len(ratios)).quantize(FOUR_PLACES, rounding=ROUND_DOWN)


# ---------------------------------------------------------------- reading the figures

def landing_period(happened: Period, locked: set[str]) -> Period:
    """Where a reversal lands: the period it happened in, or, when the manager's statement of
    that period is already locked, the first later period (of the same kind) not locked."""
    period = happened
    while period.key in locked:
        period = period.next()
    return period


#: per login, the periods whose statements are locked and when each was locked
Locked = Mapping[str, Mapping[str, datetime | None]]


def gather(session: Session, owners: Mapping[str, int], period: Period,
           locked: Locked | None = None) -> dict[str, Indicators]:
    """The indicators of each login (``owners``: login -> user id) for the period, in six
    queries. ``locked``: per login, the periods whose statements are locked, with when: a
    reversal of a locked period lands in the next open one, and so does whatever a period
    locked early (before it ended) received after its lock (wins, payments, work), marked
    ``late_from`` (three more queries for each such period)."""
    locked = locked or {}
    logins = sorted(owners)
    login_of = {user_id: login for login, user_id in owners.items()}
    found = _window(session, owners, period.key, period.start_at, period.end_at, None)
    for login, earlier, locked_at in _late_windows(owners, period, locked):
        late = _window(session, {login: owners[login]}, period.key, locked_at, earlier.end_at, earlier.key)[login]
        found[login] = _merged(found[login], late)
    reversals = _reversals(session, sorted(login_of), login_of, period,
                           {login: set(keys) for login, keys in locked.items()})
    return {login: replace(found[login], reversals=tuple(reversals.get(login, ()))) for login in logins}


def _late_windows(owners: Mapping[str, int], period: Period, locked: Locked
                  ) -> list[tuple[str, Period, datetime]]:
    """(login, earlier period, just after its lock) for each earlier period locked early whose later
    events land in ``period`` (the first period after it not locked)."""
    out = []
    for login in sorted(owners):
        keys = locked.get(login, {})
        for key, locked_at in sorted(keys.items()):
            earlier = periods.parse(key)
            if earlier.kind != period.kind or not earlier < period or locked_at is None:
                continue
            if locked_at < earlier.end_at and landing_period(earlier, set(keys)) == period:
                out.append((login, earlier, after_lock(locked_at)))
    return out


def after_lock(locked_at: datetime) -> datetime:
    """The first moment after a lock: what happened up to the lock itself is in the locked
    statement (its figures were checked against the period computed at that moment)."""
    return locked_at + timedelta(microseconds=1)


def _window(session: Session, owners: Mapping[str, int], period_key: str, start: datetime, end: datetime,
            late_from: str | None) -> dict[str, Indicators]:
    """What happened in [start, end) for each login (three queries); reversals apart."""
    logins = sorted(owners)
    login_of = {user_id: login for login, user_id in owners.items()}
    ids = sorted(login_of)
    won: dict[str, list[Deal]] = {login: [] for login in logins}
    lost = dict.fromkeys(logins, 0)
    for row in motivation_repo.decided_cycles_between(session, ids, start, end):
        login = login_of[row.owner_id]
        if row.status == "won":
            won[login].append(Deal(row.id, row.client_name, to_decimal((row.variables or {}).get("amount")),
                                   row.started_at, row.ended_at, late_from))
        else:
            lost[login] += 1
    payments = _payments(session, ids, login_of, start, end, late_from)
    work, with_due, on_time = _work(session, logins, start, end)
    return {login: Indicators(
        login=login, period=period_key, won=tuple(won[login]), lost_count=lost[login],
        payments=tuple(payments.get(login, ())), work=work.get(login, {}), with_due=with_due.get(login, 0),
        on_time=on_time.get(login, 0)) for login in logins}


def _merged(ind: Indicators, late: Indicators) -> Indicators:
    work = dict(ind.work)
    for name, more in late.work.items():
        had = work.get(name, Work())
        work[name] = Work(had.count + more.count, (had.task_ids + more.task_ids)[:MAX_IDS],
                          (had.activity_ids + more.activity_ids)[:MAX_IDS])
    return replace(ind, won=ind.won + late.won, lost_count=ind.lost_count + late.lost_count,
                   payments=ind.payments + late.payments, work=work, with_due=ind.with_due + late.with_due,
                   on_time=ind.on_time + late.on_time)


def _payments(session: Session, owner_ids: Sequence[int], login_of: Mapping[int, str],
              start: datetime, end: datetime, late_from: str | None) -> dict[str, list[Payment]]:
    rows = motivation_repo.payments_done_between(session, owner_ids, PAYMENT, start, end)
    values = motivation_repo.completed_task_variables(session, [r.task_id for r in rows if r.task_id])
    found: dict[str, list[Payment]] = {}
    for row in rows:
        submitted = values.get(row.task_id or "", {})
        amount = to_decimal(submitted.get("paid_amount"))
        if amount is None:  # a payment confirmed without the amount in its form: the cycle's figure
            amount = to_decimal((row.variables or {}).get("paid_amount"))
        found.setdefault(login_of[row.owner_id], []).append(
            Payment(row.cycle_id, row.task_id, row.client_name, amount, row.done_at, late_from))
    return found


def _work(session: Session, logins: Sequence[str], start: datetime, end: datetime
          ) -> tuple[dict[str, dict[str, Work]], dict[str, int], dict[str, int]]:
    tasks: dict[str, dict[str, list[str]]] = {}
    contacts: dict[str, dict[str, list[int]]] = {}
    counts: dict[str, dict[str, int]] = {}
    with_due: dict[str, int] = {}
    on_time: dict[str, int] = {}
    for row in motivation_repo.work_done_between(session, logins, start, end):
        if row.due_at is not None:
            with_due[row.login] = with_due.get(row.login, 0) + 1
            if row.done_at <= row.due_at:
                on_time[row.login] = on_time.get(row.login, 0) + 1
        if not row.work_type:
            continue
        per_type = counts.setdefault(row.login, {})
        per_type[row.work_type] = per_type.get(row.work_type, 0) + 1
        if row.task_id:
            tasks.setdefault(row.login, {}).setdefault(row.work_type, []).append(row.task_id)
        elif row.activity_id:
            contacts.setdefault(row.login, {}).setdefault(row.work_type, []).append(row.activity_id)
    work = {login: {name: Work(count, tuple(tasks.get(login, {}).get(name, ())[:MAX_IDS]),
                               tuple(contacts.get(login, {}).get(name, ())[:MAX_IDS]))
                    for name, count in per_type.items()}
            for login, per_type in counts.items()}
    return work, with_due, on_time


def _reversals(session: Session, owner_ids: Sequence[int], login_of: Mapping[int, str], period: Period,
               locked: Mapping[str, set[str]]) -> dict[str, list[ReversalItem]]:
    found: dict[str, list[ReversalItem]] = {}
    for row in motivation_repo.reversals_until(session, owner_ids, period.end_at):
        login = login_of[row.owner_id]
        happened = periods.of(row.at, period.kind)
        if happened > period:
            continue
        if landing_period(happened, locked.get(login, set())) != period:
            continue
        variables = row.variables or {}
        found.setdefault(login, []).append(ReversalItem(
            id=row.id, cycle_id=row.cycle_id, client=row.client_name, kind=row.kind,
            amount=row.amount, reason=row.reason or "", at=row.at,
            cycle_amount=to_decimal(variables.get("amount")), paid_amount=to_decimal(variables.get("paid_amount")),
            won_at=row.ended_at, late=happened != period))
    return found
