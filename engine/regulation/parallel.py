"""A second cycle of the same regulation for a client that has one running: the page asks for
confirmation, the API refuses it unless asked for explicitly (``"allow_parallel": true``)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.shared.errors import TaskNotActionable
from storage.models import RegulationVersion
from storage.repositories import cockpit as cockpit_repo


class ParallelCycle(TaskNotActionable):
    """The client already has a running cycle of this regulation (409); ``details["cycles"]`` lists them."""

    code = "parallel_cycle"


def refuse_parallel(session: Session, client_id: int, client_name: str, version: RegulationVersion) -> None:
    cockpit_repo.lock_client(session, client_id)  # a concurrent start waits here, then sees this one's cycle
    running = cockpit_repo.running_cycles(session, client_id, version.regulation_id)
    if running:
        raise ParallelCycle(
            f"{client_name} already has a running cycle of {version.regulation.name} "
            f"(#{', #'.join(str(c.id) for c in running)}); start another only on purpose (allow_parallel)",
            {"cycles": [{"id": c.id, "status": c.status, "stage": c.stage,
                         "started_at": c.started_at.isoformat()} for c in running]})
