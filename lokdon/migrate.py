"""Alembic migrations run from code, so `lokdon db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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


def make_revision(database_url: str, message: str) -> None:
    """Autogenerate a new migration from the models (for developers)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
