"""Redis down at the webhook: work waits in the database for the reconciler."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from redis import Redis
from rq import Queue
from sqlalchemy import select

from lokdon import create_app
from models import Message, Recording, TicketFlag, db
from models.base import utcnow
from queue_workers.reconcile import reconcile
from tests.conftest import app_config
from tests.ivr.test_recording import (
    RECORDING_SID,
    recording_params,
    start_call,
    status_params,
)
from tests.webhooks import twilio_post

# Nothing listens on port 1, so connecting fails at once.
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"


def later(seconds: int = 3600):
    return utcnow() + timedelta(seconds=seconds)


def redis_down_app(database_url: str, tmp_path: Path) -> Flask:
    return create_app(
        app_config(database_url, tmp_path, REDIS_URL=UNREACHABLE_REDIS_URL)
    )


def test_webhooks_answer_while_redis_is_down(
    database_url: str, redis: Redis, tmp_path: Path
) -> None:
    app = redis_down_app(database_url, tmp_path)
    with app.app_context():
        client = app.test_client()
        start_call(client)
        recorded = twilio_post(client, "/ivr/recorded", recording_params())
        status = twilio_post(client, "/ivr/recording-status", status_params())

        with db.session_scope() as session:
            recording = session.scalars(select(Recording)).one()
            message = session.scalars(select(Message)).one()

    assert recorded.status_code == 200
    assert status.status_code == 204
    assert recording.status == "pending"
    assert recording.job_id is None
    assert message.status == "pending"


def test_reconciler_enqueues_what_redis_missed(
    database_url: str, redis: Redis, tmp_path: Path
) -> None:
    app = redis_down_app(database_url, tmp_path)
    with app.app_context():
        client = app.test_client()
        start_call(client)
        twilio_post(client, "/ivr/recorded", recording_params())
        twilio_post(client, "/ivr/recording-status", status_params())

    healthy = create_app(app_config(database_url, tmp_path))
    with healthy.app_context(), db.session_scope() as session:
        early = reconcile(session, redis, healthy.config)
        report = reconcile(session, redis, healthy.config, now=later())
        again = reconcile(session, redis, healthy.config, now=later())
        recording = session.scalars(select(Recording)).one()

    assert early.recordings_enqueued == 0
    assert report.recordings_enqueued == 1
    assert report.messages_enqueued == 1
    assert again.recordings_enqueued == 0
    assert again.messages_enqueued == 0
    assert recording.status == "queued"
    transcription = Queue(healthy.config["TRANSCRIPTION_QUEUE"], connection=redis)
    assert transcription.job_ids == [f"transcribe-{RECORDING_SID}"]
    assert len(Queue(healthy.config["MESSAGING_QUEUE"], connection=redis).job_ids) == 1


def test_reconciler_requeues_lost_job(app: Flask, redis: Redis) -> None:
    """A job that Redis lost (worker killed, data gone) is enqueued again."""
    client = app.test_client()
    start_call(client)
    twilio_post(client, "/ivr/recorded", recording_params())
    twilio_post(client, "/ivr/recording-status", status_params())
    redis.flushdb()

    with db.session_scope() as session:
        report = reconcile(session, redis, app.config, now=later())

    assert report.recordings_enqueued == 1
    queue = Queue(app.config["TRANSCRIPTION_QUEUE"], connection=redis)
    assert queue.job_ids == [f"transcribe-{RECORDING_SID}"]


def test_reconciler_gives_up_after_max_attempts(app: Flask, redis: Redis) -> None:
    client = app.test_client()
    start_call(client)
    twilio_post(client, "/ivr/recorded", recording_params())
    with db.session_scope() as session:
        recording = session.scalars(select(Recording)).one()
        recording.attempts = app.config["TRANSCRIBE_MAX_ATTEMPTS"]

    with db.session_scope() as session:
        report = reconcile(session, redis, app.config, now=later())
        recording = session.scalars(select(Recording)).one()
        flags = session.scalars(select(TicketFlag.kind)).all()

    assert report.recordings_failed == 1
    assert recording.status == "failed"
    assert flags == ["transcription_failed"]
