"""Working-day deadlines: set when a ticket opens, ordering and marking the queue."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from redis import Redis
from sqlalchemy import select, update

from lokdon import create_app
from models import Ticket, db
from models.base import utcnow
from tests.conftest import app_config
from tests.web.helpers import add_officer, csrf_token, log_in
from tests.webhooks import call_params, twilio_post
from tickets.calendar import DEFAULT_HOLIDAYS_FILE, get_calendar, load_holidays
from tickets.reference import format_reference, generate_reference


def add_due_ticket(assignee_id: int, due_in: timedelta, topic: str = "ktp_el") -> str:
    reference = generate_reference()
    now = utcnow()
    with db.session_scope() as session:
        session.add(
            Ticket(
                reference=reference,
                topic=topic,
                assignee_id=assignee_id,
                first_response_due=now + due_in,
                resolution_due=now + due_in,
            )
        )

    return reference


def test_new_ticket_gets_working_day_deadlines(app: Flask) -> None:
    client = app.test_client()
    call_sid = "CA" + "7" * 32
    with app.app_context():
        twilio_post(client, "/ivr/voice", call_params(call_sid))
        twilio_post(
            client, "/ivr/menu/choice?invalid=0", call_params(call_sid, Digits="3")
        )
        twilio_post(client, "/ivr/recorded?no_audio=1", call_params(call_sid))

    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket)).one()
    calendar = load_holidays(DEFAULT_HOLIDAYS_FILE)
    # akta: 3 working days to a first response, 14 to resolution (tickets/topics.toml).
    assert ticket.first_response_due == calendar.deadline(ticket.created_at, 3)
    assert ticket.resolution_due == calendar.deadline(ticket.created_at, 14)
    assert ticket.first_responded_at is None


def test_queue_orders_by_deadline_and_marks_it(app: Flask) -> None:
    agent_id = add_officer()
    later = add_due_ticket(agent_id, timedelta(days=20))
    overdue = add_due_ticket(agent_id, timedelta(days=-2))
    soon = add_due_ticket(agent_id, timedelta(hours=5))
    client = app.test_client()
    log_in(client)

    page = client.get("/tickets").get_data(as_text=True)

    positions = [page.index(format_reference(ref)) for ref in (overdue, soon, later)]
    assert positions == sorted(positions)
    assert f'data-reference="{overdue}" class="overdue"' in page
    assert f'data-reference="{soon}" class="due-soon"' in page
    assert f'data-reference="{later}" class=""' in page
    assert "Terlambat" in page
    assert "Hampir jatuh tempo" in page


def test_marks_name_the_missed_deadline(app: Flask) -> None:
    agent_id = add_officer()
    now = utcnow()
    reference = generate_reference()
    with db.session_scope() as session:
        session.add(
            Ticket(
                reference=reference,
                topic="ktp_el",
                assignee_id=agent_id,
                first_response_due=now - timedelta(days=2),
                resolution_due=now + timedelta(days=20),
            )
        )
    client = app.test_client()
    log_in(client)

    queue = client.get("/tickets").get_data(as_text=True)
    ticket = client.get(f"/tickets/{reference}").get_data(as_text=True)

    row = queue.split(f'data-reference="{reference}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="overdue"' in row
    assert "Tanggapan pertama:" in row
    assert "Terlambat" in row
    response_row = ticket.split('id="response-due"', 1)[1].split("</tr>", 1)[0]
    resolution_row = ticket.split('id="resolution-due"', 1)[1].split("</tr>", 1)[0]
    assert "Terlambat" in response_row
    assert "Terlambat" not in resolution_row


def test_resolved_ticket_is_not_marked(app: Flask) -> None:
    agent_id = add_officer()
    reference = add_due_ticket(agent_id, timedelta(days=-2))
    with db.session_scope() as session:
        session.execute(update(Ticket).values(status="selesai"))
    client = app.test_client()
    log_in(client)

    page = client.get("/tickets?status=semua").get_data(as_text=True)

    assert f'data-reference="{reference}" class=""' in page


def test_status_change_records_first_response(app: Flask) -> None:
    agent_id = add_officer()
    reference = add_due_ticket(agent_id, timedelta(days=3))
    client = app.test_client()
    log_in(client)

    client.post(
        f"/tickets/{reference}/status",
        data={"status": "diproses", "csrf_token": csrf_token(client, "/tickets")},
    )

    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.first_responded_at is not None


def test_topic_correction_moves_deadline(app: Flask) -> None:
    agent_id = add_officer()
    reference = add_due_ticket(agent_id, timedelta(days=3), topic="kk")
    client = app.test_client()
    log_in(client)

    client.post(
        f"/tickets/{reference}/topic",
        data={"topic": "akta", "csrf_token": csrf_token(client, "/tickets")},
    )

    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket)).one()
    calendar = load_holidays(DEFAULT_HOLIDAYS_FILE)
    assert ticket.resolution_due == calendar.deadline(ticket.created_at, 14)


def test_holidays_file_setting(database_url: str, redis: Redis, tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.toml"
    holidays.write_text('[[holiday]]\ndate = 2026-12-08\nname = "Libur kantor"\n')
    app = create_app(app_config(database_url, tmp_path, HOLIDAYS_FILE=str(holidays)))

    with app.app_context():
        assert not get_calendar().is_working_day(date(2026, 12, 8))
