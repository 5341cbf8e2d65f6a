"""Jobs against the Twilio simulator and the real Vosk model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from lokdon import create_app
from messaging.exceptions import MessageRejectedError
from models import Message, Recording, Ticket, TicketFlag, Transcript, db
from queue_workers.enqueue import enqueue_transcription
from queue_workers.exceptions import RecordingCredentialsError, RecordingTooLargeError
from queue_workers.jobs import send_message, transcribe_recording
from tests.conftest import DATA_DIR, app_config
from tests.ivr.test_recording import CALL_SID, RECORDING_SID, start_call
from tests.webhooks import call_params, twilio_post
from twilio_sim.cloud import TwilioCloud

# Audio handling does not depend on the database, so those tests run on SQLite only.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def make_app(
    database_url: str, tmp_path: Path, cloud: TwilioCloud, **overrides: object
) -> Flask:
    # No PUBLIC_BASE_URL: the simulator must not send status callbacks to a made-up
    # host.
    config = app_config(
        database_url,
        tmp_path,
        TWILIO_API_BASE_URL=cloud.base_url,
        PUBLIC_BASE_URL="",
        **overrides,
    )
    return create_app(config)


@pytest.fixture
def job_app(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path, cloud)
    with app.app_context():
        yield app


def record_complaint(
    app: Flask, cloud: TwilioCloud, audio: bytes, **faults: int
) -> int:
    """Walk a call to its recording through the webhooks; return the recording id."""
    cloud.register_recording(RECORDING_SID, audio, **faults)
    client = app.test_client()
    start_call(client)
    params = call_params(
        CALL_SID,
        RecordingSid=RECORDING_SID,
        RecordingUrl=cloud.recording_url(RECORDING_SID),
        RecordingDuration="5",
    )
    twilio_post(client, "/ivr/recorded", params)
    with db.session_scope() as session:
        return session.scalars(select(Recording.id)).one()


def flags() -> list[str]:
    with db.session_scope() as session:
        return list(session.scalars(select(TicketFlag.kind).order_by(TicketFlag.kind)))


def recording_row() -> Recording:
    with db.session_scope() as session:
        return session.scalars(select(Recording)).one()


def test_speech_is_transcribed_with_word_timings(
    job_app: Flask, cloud: TwilioCloud
) -> None:
    recording_id = record_complaint(job_app, cloud, (DATA_DIR / "ktp.wav").read_bytes())

    result = transcribe_recording(recording_id)

    assert result["status"] == "transcribed"
    with db.session_scope() as session:
        transcript = session.scalars(select(Transcript)).one()
        ticket = session.scalars(select(Ticket)).one()
    assert transcript.ticket_id == ticket.id
    assert transcript.text
    assert len(transcript.words) >= 3
    for word in transcript.words:
        assert word["start"] < word["end"]
        assert 0.0 <= word["conf"] <= 1.0
    assert transcript.real_time_factor > 0
    assert transcript.model_name
    recording = recording_row()
    assert recording.status == "transcribed"
    assert recording.audio_format.startswith("wav")
    kept = Path(job_app.config["RECORDINGS_DIR"]) / recording.local_path
    assert kept.read_bytes() == (DATA_DIR / "ktp.wav").read_bytes()
    assert flags() == []


def test_second_run_changes_nothing(job_app: Flask, cloud: TwilioCloud) -> None:
    recording_id = record_complaint(job_app, cloud, (DATA_DIR / "kk.wav").read_bytes())

    transcribe_recording(recording_id)
    again = transcribe_recording(recording_id)

    assert again["skipped"] is True
    assert cloud.download_count(RECORDING_SID) == 1
    with db.session_scope() as session:
        assert len(session.scalars(select(Transcript)).all()) == 1


@sqlite_only
def test_download_waits_for_late_recording(job_app: Flask, cloud: TwilioCloud) -> None:
    audio = (DATA_DIR / "akta_mulaw.wav").read_bytes()
    recording_id = record_complaint(job_app, cloud, audio, not_ready_requests=2)
    cloud.fail_recording_fetches(RECORDING_SID, 1, status=503)

    result = transcribe_recording(recording_id)

    assert result["status"] == "transcribed"
    assert cloud.recording(RECORDING_SID).fetch_count == 4
    assert recording_row().audio_format == "wav/pcm_mulaw"


@sqlite_only
@pytest.mark.parametrize(
    ("name", "expected_flags", "status"),
    [
        ("empty.wav", ["no_audio"], "flagged"),
        ("garbage.wav", ["unreadable_audio"], "flagged"),
        ("silence.wav", ["no_speech"], "flagged"),
        ("truncated.wav", ["truncated_audio"], "transcribed"),
    ],
)
def test_bad_audio_flags_ticket(
    job_app: Flask,
    cloud: TwilioCloud,
    name: str,
    expected_flags: list[str],
    status: str,
) -> None:
    recording_id = record_complaint(job_app, cloud, (DATA_DIR / name).read_bytes())

    result = transcribe_recording(recording_id)

    assert result["status"] == status
    assert flags() == expected_flags
    assert recording_row().status == status


@sqlite_only
@pytest.mark.parametrize("name", ["pindah.mp3", "voice_note.ogg"])
def test_compressed_formats_are_transcribed(
    job_app: Flask, cloud: TwilioCloud, name: str
) -> None:
    recording_id = record_complaint(job_app, cloud, (DATA_DIR / name).read_bytes())

    result = transcribe_recording(recording_id)

    assert result["status"] == "transcribed"
    with db.session_scope() as session:
        assert session.scalars(select(Transcript.words)).one()


def test_oversized_recording_is_refused(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    app = make_app(database_url, tmp_path, cloud, RECORDING_MAX_BYTES=1000)
    with app.app_context():
        recording_id = record_complaint(app, cloud, (DATA_DIR / "ktp.wav").read_bytes())
        with pytest.raises(RecordingTooLargeError, match="RECORDING_MAX_BYTES"):
            transcribe_recording(recording_id)

        assert recording_row().status == "failed"
        assert flags() == ["transcription_failed"]
        assert list(Path(app.config["RECORDINGS_DIR"]).rglob("*.part")) == []


def run_transcription(app: Flask, redis: Redis, cloud: TwilioCloud) -> Queue:
    """Record a complaint and run its transcription job in a real RQ worker."""
    audio = (DATA_DIR / "ktp.wav").read_bytes()
    recording_id = record_complaint(app, cloud, audio)
    with db.session_scope() as session:
        recording = session.get(Recording, recording_id)
        assert enqueue_transcription(session, redis, app.config, recording)

    queue = Queue(app.config["TRANSCRIPTION_QUEUE"], connection=redis)
    SimpleWorker([queue], connection=redis).work(burst=True)
    return queue


def test_rejected_credentials_fail_without_retry(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    """A real RQ worker runs the job: a 401 fails it at once, with no retry."""
    app = make_app(database_url, tmp_path, cloud, TWILIO_AUTH_TOKEN="wrong-token")
    with app.app_context():
        queue = run_transcription(app, redis, cloud)

        job_id = f"transcribe-{RECORDING_SID}"
        assert job_id in FailedJobRegistry(queue=queue).get_job_ids()
        assert ScheduledJobRegistry(queue=queue).get_job_ids() == []
        assert cloud.recording(RECORDING_SID).download_count == 0
        recording = recording_row()
        assert recording.status == "failed"
        assert "401" in recording.error
        assert flags() == ["transcription_failed"]


def test_credentials_error_names_settings(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    app = make_app(database_url, tmp_path, cloud, TWILIO_AUTH_TOKEN="wrong-token")
    with app.app_context():
        recording_id = record_complaint(app, cloud, (DATA_DIR / "ktp.wav").read_bytes())
        with pytest.raises(RecordingCredentialsError, match="TWILIO_AUTH_TOKEN"):
            transcribe_recording(recording_id)


def test_sms_reaches_twilio(job_app: Flask, cloud: TwilioCloud) -> None:
    client = job_app.test_client()
    start_call(client)
    twilio_post(client, "/ivr/recorded?no_audio=1", call_params(CALL_SID))
    with db.session_scope() as session:
        message_id = session.scalars(select(Message.id)).one()
        reference = session.scalars(select(Ticket.reference)).one()

    send_message(message_id)

    sent = cloud.messages
    assert len(sent) == 1
    assert sent[0].to == "+6281200000001"
    assert sent[0].from_ == job_app.config["TWILIO_PHONE_NUMBER"]
    assert f"{reference[:4]}-{reference[4:]}" in sent[0].body
    with db.session_scope() as session:
        message = session.get(Message, message_id)
    assert message.message_sid == sent[0].sid
    assert message.status == "queued"
    assert message.attempts == 1


def test_sms_sent_once_when_job_repeats(job_app: Flask, cloud: TwilioCloud) -> None:
    client = job_app.test_client()
    start_call(client)
    twilio_post(client, "/ivr/recorded?no_audio=1", call_params(CALL_SID))
    with db.session_scope() as session:
        message_id = session.scalars(select(Message.id)).one()

    send_message(message_id)
    repeat = send_message(message_id)

    assert repeat["skipped"] is True
    assert len(cloud.messages) == 1


def test_rejected_sms_is_marked_failed(job_app: Flask, cloud: TwilioCloud) -> None:
    client = job_app.test_client()
    start_call(client)
    twilio_post(client, "/ivr/recorded?no_audio=1", call_params(CALL_SID))
    with db.session_scope() as session:
        message = session.scalars(select(Message)).one()
        message.body = ""
        message_id = message.id

    with pytest.raises(MessageRejectedError, match="HTTP 400"):
        send_message(message_id)

    with db.session_scope() as session:
        message = session.get(Message, message_id)
    assert message.status == "failed"
    assert "+62812" not in message.error
