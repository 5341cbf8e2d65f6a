"""Officer login: passwords, CSRF, cookies, session rotation, timeouts and limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from redis import Redis
from sqlalchemy import select, update

from lokdon import create_app
from models import Agent, AuditEntry, Ticket, WebSession, db
from models.base import utcnow
from tests.conftest import app_config
from tests.web.helpers import PASSWORD, add_officer, csrf_token, log_in
from tickets.reference import generate_reference


def session_cookie(response) -> str:
    cookies = [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("lokdon_")
    ]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_login_page_is_indonesian(app: Flask) -> None:
    page = app.test_client().get("/login").get_data(as_text=True)

    assert "Masuk petugas" in page
    assert "Kata sandi" in page
    assert 'name="csrf_token"' in page


def test_login_opens_queue(app: Flask) -> None:
    add_officer()
    client = app.test_client()

    response = log_in(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/tickets"
    queue = client.get("/tickets")
    assert queue.status_code == 200
    assert "Tiket saya" in queue.get_data(as_text=True)
    with db.session_scope() as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["login"]


def test_queue_requires_login(app: Flask) -> None:
    response = app.test_client().get("/tickets")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_wrong_password_is_rejected(app: Flask) -> None:
    add_officer()
    client = app.test_client()

    response = log_in(client, password="salah")
    unknown = log_in(client, email="tidak.ada@disdukcapil.example")

    assert response.status_code == 401
    assert "Email atau kata sandi salah." in response.get_data(as_text=True)
    assert unknown.status_code == 401
    assert client.get("/tickets").status_code == 302


def test_login_without_csrf_token_is_rejected(app: Flask) -> None:
    add_officer()
    response = app.test_client().post(
        "/login", data={"email": "siti@disdukcapil.example", "password": PASSWORD}
    )

    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_logout_without_csrf_token_is_rejected(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    log_in(client)

    response = client.post("/logout")

    assert response.status_code == 400
    assert client.get("/tickets").status_code == 200


def test_cookie_flags_in_production(
    database_url: str, redis: Redis, tmp_path: Path
) -> None:
    config = app_config(
        database_url,
        tmp_path,
        LOKDON_ENV="production",
        SECRET_KEY="a-production-secret-for-tests",
        TWILIO_API_BASE_URL="http://127.0.0.1:8070",
    )
    app = create_app(config)
    add_officer()
    client = app.test_client()
    # Secure cookies come back over HTTPS only, as behind the TLS proxy.
    client.environ_base["wsgi.url_scheme"] = "https"
    cookie = session_cookie(log_in(client))

    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie


def test_cookie_not_secure_in_development(app: Flask) -> None:
    add_officer()
    cookie = session_cookie(log_in(app.test_client()))

    assert "HttpOnly" in cookie
    assert "Secure" not in cookie


def test_each_login_gets_new_session(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    before = client.get("/login").headers.getlist("Set-Cookie")
    first = session_cookie(log_in(client))
    second = session_cookie(log_in(client))

    with db.session_scope() as session:
        hashes = session.scalars(select(WebSession.token_hash)).all()
    assert len(set(hashes)) == 2
    assert first != second
    assert all(first != cookie for cookie in before)


def test_logout_ends_session_on_server(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    log_in(client)
    stolen = client.get_cookie("lokdon_session").value

    client.post("/logout", data={"csrf_token": csrf_token(client, "/tickets")})

    replay = app.test_client()
    replay.set_cookie("lokdon_session", stolen)
    assert replay.get("/tickets").status_code == 302
    with db.session_scope() as session:
        assert session.scalars(select(WebSession.revoked_at)).one() is not None


def test_idle_session_expires(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    log_in(client)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    with db.session_scope() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - idle))

    assert client.get("/tickets").status_code == 302


def test_absolute_timeout_ends_active_session(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    log_in(client)
    age = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
    with db.session_scope() as session:
        session.execute(update(WebSession).values(created_at=utcnow() - age))

    assert client.get("/tickets").status_code == 302


def test_repeated_failures_block_login(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert log_in(client, password="salah").status_code == 401

    blocked = log_in(client)

    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.get_data(as_text=True)
    assert client.get("/tickets").status_code == 302


def test_deactivated_officer_loses_session(app: Flask) -> None:
    agent_id = add_officer()
    client = app.test_client()
    log_in(client)
    with db.session_scope() as session:
        session.get(Agent, agent_id).active = False

    assert client.get("/tickets").status_code == 302


def test_agent_sees_own_and_unassigned_tickets(app: Flask) -> None:
    siti = add_officer()
    budi = add_officer("budi@disdukcapil.example", name="Budi Santoso")
    add_officer("andi@disdukcapil.example", role="supervisor", name="Andi Pratama")
    with db.session_scope() as session:
        for assignee in (siti, budi, None):
            session.add(
                Ticket(
                    reference=generate_reference(), topic="ktp_el", assignee_id=assignee
                )
            )

    agent_view = app.test_client()
    log_in(agent_view)
    supervisor_view = app.test_client()
    log_in(supervisor_view, "andi@disdukcapil.example")
    agent_page = agent_view.get("/tickets").get_data(as_text=True)
    supervisor_page = supervisor_view.get("/tickets").get_data(as_text=True)

    assert "Budi Santoso" not in agent_page
    assert agent_page.count("Siti Rahmawati") >= 2
    assert "Budi Santoso" in supervisor_page


def test_next_parameter_cannot_leave_site(app: Flask) -> None:
    add_officer()
    client = app.test_client()
    response = client.post(
        "/login",
        data={
            "email": "siti@disdukcapil.example",
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": csrf_token(client),
        },
    )

    assert response.headers["Location"] == "/tickets"
