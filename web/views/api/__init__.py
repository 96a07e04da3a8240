"""The JSON API under /api/v1: one module per resource, one blueprint (``bp``)."""
from web.views.api import (  # noqa: F401  (each module registers its routes on bp)
    auth,
    clients,
    cockpit,
    control,
    cycles,
    deals,
    messages,
    motivation,
    notifications,
    organization,
    planning,
    regulations,
    signals,
    tasks,
    users,
)
from web.views.api.base import bp

__all__ = ["bp"]
