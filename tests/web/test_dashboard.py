"""The managers' pages: who may open them, the live fragment, the retry action,
trends with filters, holidays entered in the UI."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from models import AuditEntry, Holiday, Ticket, db
from models.base import utcnow
from tests.reports.seed import add_ticket, wib
from tests.web.helpers import add_officer, csrf_token, log_in
from tickets.calendar import OFFICE_ZONE
from web.trends import MAX_PERIOD_DAYS

SUPERVISOR = "andi@disdukcapil.example"


@pytest.fixture
def manager(app: Flask) -> FlaskClient:
    add_officer(SUPERVISOR, role="supervisor", name="Andi Supervisor")
    client = app.test_client()
    log_in(client, SUPERVISOR)
    return client


@pytest.mark.parametrize(
    "path",
    ["/dashboard", "/dashboard/live", "/dashboard/trends", "/dashboard/holidays"],
)
def test_agents_get_forbidden(app: Flask, path: str) -> None:
    add_officer()
    client = app.test_client()
    log_in(client)

    response = client.get(path)

    assert response.status_code == 403
    assert "supervisor" in response.get_data(as_text=True)


def test_visitor_is_sent_to_login(app: Flask) -> None:
    response = app.test_client().get("/dashboard")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/dashboard")


def test_live_page_shows_figures(app: Flask, manager: FlaskClient) -> None:
    add_ticket(utcnow() - timedelta(days=30), assignee_id=1)
    add_ticket(utcnow())

    page = manager.get("/dashboard").get_data(as_text=True)
    fragment = manager.get("/dashboard/live").get_data(as_text=True)

    assert 'id="live"' in page
    assert 'data-refresh="5"' in page
    assert 'id="tickets-overdue" href="/tickets?deadline=lewat">1<' in page
    assert 'id="tickets-unassigned" href="/tickets?officer=none">1<' in fragment
    assert "<html" not in fragment
    assert 'id="no-workers"' in fragment


def test_retry_needs_csrf_and_supervisor(
    app: Flask, manager: FlaskClient, redis: Redis
) -> None:
    queue = Queue(app.config["MESSAGING_QUEUE"], connection=redis)
    job = Job.create("builtins.print", args=("x",), connection=redis, origin=queue.name)
    job.save()
    FailedJobRegistry(queue.name, connection=redis).add(job, ttl=600)
    url = f"/dashboard/jobs/{job.id}/retry"

    without_token = manager.post(url)
    assert without_token.status_code == 400
    assert job.id in FailedJobRegistry(queue.name, connection=redis).get_job_ids()

    token = csrf_token(manager, "/dashboard")
    retried = manager.post(url, data={"csrf_token": token})

    assert retried.status_code == 302
    assert FailedJobRegistry(queue.name, connection=redis).get_job_ids() == []
    assert queue.job_ids == [job.id]
    with db.session_scope() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "job_retried")
        ).one()
    assert entry.detail == {"job_id": job.id, "queue": queue.name}

    again = manager.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "tidak bisa diulang" in again.get_data(as_text=True)


def test_trends_page_draws_charts(app: Flask, manager: FlaskClient) -> None:
    today = utcnow()
    add_ticket(today, topic="kk", resolved_after=timedelta(hours=5))
    add_ticket(today, topic="ktp_el")

    response = manager.get("/dashboard/trends?granularity=month")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert page.count('<svg class="chart"') == 5
    assert 'id="total-opened">2<' in page
    assert 'id="total-resolved">1<' in page
    assert 'data-series="Kartu Keluarga (KK)"' in page or "Kartu Keluarga" in page


def test_trends_report_invalid_filters(app: Flask, manager: FlaskClient) -> None:
    response = manager.get(
        "/dashboard/trends?granularity=day&date_from=kemarin&topic=sim&officer=99"
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "Pengelompokan “day” tidak dikenal." in page
    assert "Tanggal awal “kemarin” tidak valid" in page
    assert "Topik “sim” tidak dikenal." in page
    assert "Petugas “99” tidak dikenal." in page


def test_trends_period_ends_today(app: Flask, manager: FlaskClient) -> None:
    response = manager.get("/dashboard/trends?date_from=2026-01-01&date_to=2099-12-31")
    today = utcnow().astimezone(OFFICE_ZONE).date()

    assert response.status_code == 200
    assert f'value="{today.isoformat()}"' in response.get_data(as_text=True)


def test_trends_year_out_of_range(app: Flask, manager: FlaskClient) -> None:
    response = manager.get("/dashboard/trends?date_from=1900-01-01")

    assert response.status_code == 400
    assert "Pilih tahun antara 2000 dan 2999." in response.get_data(as_text=True)


def test_ticket_page_shows_deadline_day(app: Flask, manager: FlaskClient) -> None:
    ticket_id = add_ticket(utcnow())
    with db.session_scope() as session:
        ticket = session.get(Ticket, ticket_id)
        ticket.resolution_due = wib(2026, 12, 10, 0, 0)
        reference = ticket.reference

    page = manager.get(f"/tickets/{reference}").get_data(as_text=True)

    assert "09-12-2026 23:59 WIB" in page


def test_trends_limit_period_length(app: Flask, manager: FlaskClient) -> None:
    response = manager.get("/dashboard/trends?date_from=2000-01-01&date_to=2026-12-01")

    first = date(2026, 12, 1) - timedelta(days=MAX_PERIOD_DAYS)
    assert response.status_code == 400
    assert f'value="{first.isoformat()}"' in response.get_data(as_text=True)


def test_holiday_added_in_ui(app: Flask, manager: FlaskClient) -> None:
    token = csrf_token(manager, "/dashboard/holidays")

    added = manager.post(
        "/dashboard/holidays",
        data={"csrf_token": token, "day": "2026-12-24", "name": "Cuti bersama Natal"},
        follow_redirects=True,
    )
    duplicate = manager.post(
        "/dashboard/holidays",
        data={"csrf_token": token, "day": "2026-12-24", "name": "Lagi"},
    )
    invalid = manager.post(
        "/dashboard/holidays",
        data={"csrf_token": token, "day": "24/12/2026", "name": ""},
    )

    assert added.status_code == 200
    page = added.get_data(as_text=True)
    assert 'data-day="2026-12-24"' in page
    assert "Cuti bersama Natal" in page
    assert duplicate.status_code == 409
    assert invalid.status_code == 400
    with db.session_scope() as session:
        assert session.get(Holiday, date(2026, 12, 24)).added_by_id == 1

    removed = manager.post(
        "/dashboard/holidays/2026-12-24/remove", data={"csrf_token": token}
    )
    from_file = manager.post(
        "/dashboard/holidays/2026-12-25/remove", data={"csrf_token": token}
    )

    assert removed.status_code == 302
    assert from_file.status_code == 404
    with db.session_scope() as session:
        assert session.scalars(select(Holiday)).all() == []


def test_nav_links_follow_role(
    app: Flask, manager: FlaskClient, tmp_path: Path
) -> None:
    add_officer()
    agent = app.test_client()
    log_in(agent)

    assert 'id="nav-dashboard"' in manager.get("/tickets").get_data(as_text=True)
    assert 'id="nav-dashboard"' not in agent.get("/tickets").get_data(as_text=True)
