"""Shared fixtures: the app on SQLite and on PostgreSQL, real Redis, signed Twilio
requests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lokdon import create_app
from lokdon.migrate import upgrade_database
from models import Base, db
from tests.webhooks import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL

DATA_DIR = Path(__file__).parent / "data"
# Redis database the tests own and flush; production and `make run` use database 0.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
# Server where the tests create and drop their own PostgreSQL databases.
TEST_POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'lokdon.db'}"
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    admin = create_engine(TEST_POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"lokdon_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    url = (
        make_url(TEST_POSTGRES_URL)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    upgrade_database(url)
    yield url

    if db.engine is not None:
        db.engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty, migrated database: each test runs once per dialect."""
    url = request.getfixturevalue(f"{request.param}_url")
    empty_database(url)
    return url


def empty_database(url: str) -> None:
    engine = create_engine(url)
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            )
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))

    engine.dispose()


@pytest.fixture
def redis() -> Iterator[Redis]:
    client = Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def app_config(database_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    config = {
        "LOKDON_ENV": "development",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RECORDING_DOWNLOAD_BACKOFF": 0.05,
        # Write call rows before the response, so tests can read them at once.
        "CALL_START_BATCH_SECONDS": 0,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app(database_url: str, redis: Redis, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(app_config(database_url, tmp_path))
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
