"""Alembic migrations run from code, so `lokdon db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from lokdon.exceptions import ConfigurationError
from models.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may contain %-escapes.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to revision, creating the SQLite folder if needed."""
    make_engine(database_url).dispose()
    command.upgrade(alembic_config(database_url), revision)


def check_schema(database_url: str) -> None:
    """Raise ConfigurationError unless the database has been migrated."""
    engine = make_engine(database_url)
    try:
        migrated = inspect(engine).has_table("alembic_version")
    finally:
        engine.dispose()

    if not migrated:
        safe_url = engine.url.render_as_string(hide_password=True)
        raise ConfigurationError(
            f"The database {safe_url} has no LOKDON tables. Run `lokdon db upgrade`, "
            "or set DATABASE_URL to the hotline's database."
        )


def make_revision(database_url: str, message: str) -> None:
    """Autogenerate a new migration from the models (for developers)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
