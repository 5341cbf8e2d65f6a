"""Alembic environment: runs the migrations against the URL set by lokdon.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import models
from models.db import _set_sqlite_pragmas

config = context.config
target_metadata = models.Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    if connectable.dialect.name == "sqlite":
        from sqlalchemy import event

        event.listen(connectable, "connect", _set_sqlite_pragmas)

    with connectable.connect() as connection:
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
