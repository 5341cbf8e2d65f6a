"""CSV exports: one row per ticket with the view's filters, masked unless an admin
requests them in full, guarded against spreadsheet formulas, audited."""

from __future__ import annotations

import csv
import io
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import (
    AuditEntry,
    Recording,
    Ticket,
    Transcript,
    TranscriptCorrection,
    db,
)
from models.base import utcnow
from tests.reports.seed import add_ticket, wib
from tests.web.helpers import add_officer, log_in

NIK = "1471010101900001"


def add_transcribed_ticket(text: str, correction: str | None = None, **options) -> int:
    ticket_id = add_ticket(utcnow(), **options)
    with db.session_scope() as session:
        recording = Recording(
            recording_sid=f"RE{ticket_id:032d}",
            ticket_id=ticket_id,
            url="http://127.0.0.1:9/recording",
            status="transcribed",
        )
        session.add(recording)
        session.flush()
        transcript = Transcript(
            ticket_id=ticket_id, recording_id=recording.id, text=text
        )
        session.add(transcript)
        session.flush()
        if correction is not None:
            session.add(
                TranscriptCorrection(
                    transcript_id=transcript.id, agent_id=1, text=correction
                )
            )
    return ticket_id


def read_csv(response) -> list[dict[str, str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def client_for(app: Flask, email: str, role: str, name: str) -> FlaskClient:
    add_officer(email, role=role, name=name)
    client = app.test_client()
    log_in(client, email)
    return client


@pytest.fixture
def supervisor(app: Flask) -> FlaskClient:
    return client_for(app, "andi@disdukcapil.example", "supervisor", "Andi")


def test_trends_export_is_masked(app: Flask, supervisor: FlaskClient) -> None:
    add_transcribed_ticket(f"nik saya {NIK} tolong", assignee_id=1)

    response = supervisor.get("/dashboard/trends.csv")
    rows = read_csv(response)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert len(rows) == 1
    assert rows[0]["Telepon"] == "*" * 11 + "001"
    assert NIK not in rows[0]["Transkrip"]
    assert "0001" in rows[0]["Transkrip"]
    assert rows[0]["Petugas"] == "Andi"
    assert rows[0]["Topik"] == "KTP elektronik"


def test_unmasked_export_is_for_admins(app: Flask, supervisor: FlaskClient) -> None:
    add_transcribed_ticket(f"nik saya {NIK}")
    admin = client_for(app, "admin@disdukcapil.example", "admin", "Admin")

    rejected = supervisor.get("/dashboard/trends.csv?unmasked=1")
    allowed = admin.get("/dashboard/trends.csv?unmasked=1")
    rows = read_csv(allowed)

    assert rejected.status_code == 403
    assert 'id="export-unmasked"' in admin.get("/tickets").get_data(as_text=True)
    assert 'id="export-unmasked"' not in supervisor.get("/tickets").get_data(
        as_text=True
    )
    assert rows[0]["Transkrip"] == f"nik saya {NIK}"
    # A leading "+" would start a formula in a spreadsheet.
    assert rows[0]["Telepon"] == "'+6281200000001"
    with db.session_scope() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export")
        ).all()
        rejections = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export_refused")
        ).all()
    assert len(rejections) == 1
    assert len(entries) == 1
    assert entries[0].detail["unmasked"] is True
    assert entries[0].detail["tickets"] == 1
    assert entries[0].detail["view"] == "trends"


def test_export_uses_latest_correction(app: Flask, supervisor: FlaskClient) -> None:
    add_transcribed_ticket("mesin", correction='=HYPERLINK("http://x")')

    rows = read_csv(supervisor.get("/dashboard/trends.csv"))

    assert rows[0]["Transkrip"] == '\'=HYPERLINK("http://x")'


def test_export_applies_trend_filters(app: Flask, supervisor: FlaskClient) -> None:
    add_transcribed_ticket("satu", topic="kk")
    add_transcribed_ticket("dua", topic="ktp_el")
    add_ticket(utcnow() - timedelta(days=400), topic="kk")

    rows = read_csv(supervisor.get("/dashboard/trends.csv?topic=kk"))

    assert [row["Transkrip"] for row in rows] == ["satu"]


def test_resolution_columns(app: Flask, supervisor: FlaskClient) -> None:
    add_ticket(utcnow() - timedelta(days=20), resolved_after=timedelta(days=2))
    add_ticket(utcnow() - timedelta(days=20), resolved_after=timedelta(days=19))
    add_ticket(utcnow())

    rows = read_csv(supervisor.get("/dashboard/trends.csv"))

    assert [row["Selesai dalam tenggat"] for row in rows] == ["ya", "tidak", ""]
    assert rows[0]["Status"] == "Selesai"
    assert rows[2]["Selesai (WIB)"] == ""


def test_queue_export_keeps_agent_view(app: Flask) -> None:
    siti = add_officer()
    budi = add_officer("budi@disdukcapil.example", name="Budi")
    add_transcribed_ticket("punya siti", assignee_id=siti)
    add_transcribed_ticket("punya budi", assignee_id=budi)
    add_transcribed_ticket("belum ada", assignee_id=None)
    add_transcribed_ticket("sudah", assignee_id=siti, status="ditutup")
    client = app.test_client()
    log_in(client)

    rows = read_csv(client.get("/tickets.csv"))
    everything = read_csv(client.get("/tickets.csv?status=semua"))
    invalid = client.get("/tickets.csv?status=hilang")

    assert sorted(row["Transkrip"] for row in rows) == ["belum ada", "punya siti"]
    assert sorted(row["Transkrip"] for row in everything) == [
        "belum ada",
        "punya siti",
        "sudah",
    ]
    assert invalid.status_code == 400
    assert "Ekspor CSV tidak dibuat" in invalid.get_data(as_text=True)
    assert 'id="export"' in client.get("/tickets").get_data(as_text=True)


def test_export_in_english(app: Flask, supervisor: FlaskClient) -> None:
    add_ticket(utcnow())

    body = supervisor.get("/dashboard/trends.csv?lang=en").get_data(as_text=True)

    assert body.splitlines()[0].startswith("\ufeffTicket number,")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_download_holds_no_write_lock(app: Flask, supervisor: FlaskClient) -> None:
    add_transcribed_ticket("satu")
    response = supervisor.get("/dashboard/trends.csv")
    chunks = iter(response.response)
    first = next(chunks)

    # The download's transaction is still open: a webhook must be able to write.
    started = time.monotonic()
    add_ticket(utcnow())
    waited = time.monotonic() - started

    rest = b"".join(
        chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in chunks
    )
    response.close()
    assert waited < 1.0
    assert (
        "satu" in (first if isinstance(first, str) else first.decode()) + rest.decode()
    )


def test_phone_numbers_in_transcript_masked(
    app: Flask, supervisor: FlaskClient
) -> None:
    add_transcribed_ticket(
        "mesin",
        correction=f"NIK {NIK}, telepon 0812-7777-8888 atau +62 812 7777 9999",
        caller_number=None,
    )

    rows = read_csv(supervisor.get("/dashboard/trends.csv"))

    assert "7777" not in rows[0]["Transkrip"]
    assert "••••-••••-•888" in rows[0]["Transkrip"]
    assert "•999" in rows[0]["Transkrip"]
    assert NIK not in rows[0]["Transkrip"]
    assert rows[0]["Telepon"] == ""


def test_deadlines_show_their_last_minute(app: Flask, supervisor: FlaskClient) -> None:
    ticket_id = add_ticket(utcnow())
    with db.session_scope() as session:
        ticket = session.get(Ticket, ticket_id)
        ticket.resolution_due = wib(2026, 12, 10, 0, 0)

    rows = read_csv(supervisor.get("/dashboard/trends.csv"))

    assert rows[0]["Tenggat penyelesaian (WIB)"] == "2026-12-09 23:59"


def test_trends_export_rejects_bad_filters(app: Flask, supervisor: FlaskClient) -> None:
    response = supervisor.get("/dashboard/trends.csv?topic=paspor")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Ekspor CSV tidak dibuat" in page
    assert "Topik “paspor” tidak dikenal." in page
