"""Migrations that move data: resolution times backfilled from ticket history."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lokdon.migrate import upgrade_database
from tests.conftest import TEST_POSTGRES_URL

BEFORE_RESOLVED_AT = "6426132f32f9"


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, so it can be migrated step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return

    admin = create_engine(TEST_POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"lokdon_migrate_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    yield make_url(TEST_POSTGRES_URL).set(database=name).render_as_string(False)

    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def add_ticket(connection, ticket_id: int, status: str, events: list) -> None:
    connection.execute(
        text(
            "INSERT INTO tickets (id, reference, channel, topic, status, created_at, "
            "updated_at) VALUES (:id, :reference, 'phone', 'kk', :status, "
            "'2026-11-02 03:00:00', '2026-11-20 03:00:00')"
        ),
        {"id": ticket_id, "reference": f"{ticket_id:08d}", "status": status},
    )
    for created_at, old, new in events:
        connection.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, kind, actor, detail, "
                "created_at) VALUES (:ticket_id, 'status', '1', :detail, :created_at)"
            ),
            {
                "ticket_id": ticket_id,
                "detail": json.dumps({"old": old, "new": new}),
                "created_at": created_at,
            },
        )


def test_resolved_at_backfilled(blank_url: str) -> None:
    upgrade_database(blank_url, BEFORE_RESOLVED_AT)
    engine = create_engine(blank_url)
    with engine.begin() as connection:
        # Resolved, reopened, resolved again, then closed: the second resolution.
        add_ticket(
            connection,
            1,
            "ditutup",
            [
                ("2026-11-05 03:00:00", "baru", "selesai"),
                ("2026-11-06 03:00:00", "selesai", "diproses"),
                ("2026-11-09 03:00:00", "diproses", "selesai"),
                ("2026-11-10 03:00:00", "selesai", "ditutup"),
            ],
        )
        add_ticket(
            connection, 2, "diproses", [("2026-11-05 03:00:00", "baru", "diproses")]
        )
        # Closed with no history: its last update is used.
        add_ticket(connection, 3, "selesai", [])

    upgrade_database(blank_url)

    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, resolved_at FROM tickets ORDER BY id")
        ).all()
    engine.dispose()
    resolved = {
        ticket_id: str(value)[:19] if value else None for ticket_id, value in rows
    }
    assert resolved[1] == "2026-11-09 03:00:00"
    assert resolved[2] is None
    assert resolved[3] == "2026-11-20 03:00:00"
