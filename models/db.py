"""Engine and session factory shared by the web app, the workers and the CLI."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from flask import Flask, g
from sqlalchemy import CursorResult, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.base import Base

logger = logging.getLogger(__name__)

# Execution option of the connections of read_session(): on SQLite their transactions
# begin DEFERRED, which in WAL mode never takes the write lock.
READ_ONLY_OPTION = "lokdon_read_only"
# Milliseconds a SQLite writer waits for the file lock before failing with "database is
# locked"; the web and the workers write the same file.
SQLITE_BUSY_TIMEOUT_MS = 10_000


class Database:
    """The engine and session factory configured from DATABASE_URL."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self.read_session_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        self.configure(app.config["DATABASE_URL"])
        app.extensions["lokdon.db"] = self
        app.teardown_appcontext(self._close_request_session)

    def configure(self, url: str) -> None:
        """Create the engine for url, with WAL and a busy timeout on SQLite."""
        if self.engine is not None and str(self.engine.url) == str(make_url(url)):
            return

        if self.engine is not None:
            self.engine.dispose()

        self.engine = make_engine(url)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.read_session_factory = sessionmaker(
            self.engine.execution_options(**{READ_ONLY_OPTION: True}),
            expire_on_commit=False,
        )

    @property
    def dialect(self) -> str:
        assert self.engine is not None, "Database.configure() was not called"
        return self.engine.dialect.name

    def session(self) -> Session:
        """Return a new session; the caller closes it."""
        assert self.session_factory is not None, "Database.configure() was not called"
        return self.session_factory()

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_scope(self) -> Iterator[Session]:
        """Yield a session for reports that only read; it never commits.

        On SQLite it does not take the write lock, so a long report or a CSV download
        does not hold up the webhooks and workers.
        """
        assert self.read_session_factory is not None, (
            "Database.configure() was not called"
        )
        session = self.read_session_factory()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def request_session(self) -> Session:
        """Return the session of the current request, created on first use."""
        if "db_session" not in g:
            g.db_session = self.session()

        return g.db_session

    def _close_request_session(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is None:
            return

        if exc is not None:
            session.rollback()

        session.close()

    def create_all(self) -> None:
        """Create every table directly; tests and benchmarks use migrations instead."""
        assert self.engine is not None
        Base.metadata.create_all(self.engine)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets its folder, WAL mode, a busy timeout and foreign
    keys.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)

    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        future=True,
    )
    event.listen(engine, "connect", _set_sqlite_pragmas)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _set_sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _begin_immediate) instead of the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is
    # locked" when another writer committed in between; BEGIN IMMEDIATE takes the write
    # lock up front, so writers queue on the busy timeout instead. Sessions that only
    # read (Database.read_scope) begin deferred, and in WAL mode a reader does not
    # block writers.
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_ignore(
    session: Session, model: type[Base], values: Mapping[str, Any], conflict: list[str]
) -> bool:
    """Insert a row unless one with the same conflict columns exists; True if inserted.

    This is how Twilio callbacks stay idempotent: a duplicate delivery, even a
    concurrent one, hits the unique constraint and inserts nothing.
    """
    dialect = session.get_bind().dialect.name
    statement = _insert_ignore_statement(dialect, model.__table__, tuple(conflict))
    result = session.execute(statement, dict(values))
    # An INSERT returns a CursorResult; its rowcount is 0 when the conflict skipped it.
    return bool(cast(CursorResult[Any], result).rowcount)


def insert_ignore_many(
    session: Session,
    model: type[Base],
    rows: list[dict[str, Any]],
    conflict: list[str],
) -> None:
    """Insert rows in one statement, skipping each one that conflicts with a row."""
    dialect = session.get_bind().dialect.name
    statement = _insert_ignore_statement(dialect, model.__table__, tuple(conflict))
    session.execute(statement, rows)


@functools.cache
def _insert_ignore_statement(
    dialect: str, table: Any, conflict: tuple[str, ...]
) -> Any:
    # Built once per table: values arrive as bound parameters, which keeps building and
    # compiling the statement off the hot webhook paths. The table, not the mapped
    # class, makes it a Core INSERT that skips the ORM's bulk-insert machinery.
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise NotImplementedError(f"insert_ignore does not support {dialect}")

    return statement.on_conflict_do_nothing(index_elements=list(conflict))


db = Database()
