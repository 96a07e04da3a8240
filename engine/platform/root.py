"""The composition root: one area service per function of the regulation.

The web layer and the command line call only these services, for example
``platform.regulation.start_cycle(...)`` or ``platform.motivation.statement(...)``.
Errors are the engine's own (engine.shared.errors).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engine.platform.accounts import AccountsService
from engine.platform.base import Base
from engine.platform.clients import ClientsService
from engine.platform.cockpit import CockpitService
from engine.platform.control import ControlService
from engine.platform.motivation import MotivationService
from engine.platform.notify import NotifyService
from engine.platform.operations import OperationsService
from engine.platform.organization import OrganizationService
from engine.platform.outside import OutsideService
from engine.platform.planning import PlanningService
from engine.platform.regulation import RegulationService
from engine.shared.settings import Settings
from storage.db import Database


class Reglament(Base):
    @classmethod
    def open(cls, settings: Settings, clock: Callable[[], datetime] | None = None) -> Reglament:
        """The platform over the database ``settings.database_url`` names, with its secret key."""
        return cls(Database(settings.database_url), settings.secret_key, clock, settings)

    def __init__(self, db: Database, secret_key: str, clock: Callable[[], datetime] | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__(db, secret_key, clock, settings)
        self.accounts = AccountsService(self)
        self.notify = NotifyService(self)
        self.regulation = RegulationService(self)
        self.clients = ClientsService(self)
        self.planning = PlanningService(self)
        self.organization = OrganizationService(self)
        self.motivation = MotivationService(self)
        self.control = ControlService(self)
        self.outside = OutsideService(self)
        self.cockpit = CockpitService(self)
        self.operations = OperationsService(self)
