"""The Alembic migrations create exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.db import Database
from storage.models import Base


def test_upgraded_database_matches_the_models(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree; add a migration: {diff}"


def test_upgrade_is_idempotent(database: Database) -> None:
    from storage import schema

    schema.upgrade(database)  # a second `reglament init` changes nothing and does not fail
    with database.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    assert current == ScriptDirectory.from_config(schema.alembic_config(database)).get_current_head()
