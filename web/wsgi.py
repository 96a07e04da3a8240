"""The WSGI entry point: ``gunicorn 'web.wsgi:app'`` (or any WSGI server).

Settings come from the environment (README, Settings and Deployment). This module starts no
timer worker: ``reglament serve`` starts one per process unless ``--no-worker``, and
``reglament worker`` runs them on their own hosts.
"""
from __future__ import annotations

from web.app import create_app
from web.observability import configure_logging

configure_logging()
app = create_app()
application = app  # the name mod_wsgi and some hosts look for
