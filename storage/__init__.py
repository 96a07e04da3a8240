"""Persistence: SQLAlchemy 2.0 models, repositories and Alembic migrations.

Repositories never commit; the unit of work in :mod:`storage.db` does.
"""
