"""Failed jobs: listed with their error, and retried by a supervisor after the cause
is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Retry, SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from models import Message, Recording, TicketEvent, db
from queue_workers.enqueue import enqueue_transcription
from queue_workers.exceptions import JobRetryError
from queue_workers.failures import failed_jobs, retry_failed_job
from tests.conftest import DATA_DIR
from tests.queue_workers.test_jobs import (
    RECORDING_SID,
    flags,
    make_app,
    record_complaint,
    recording_row,
    run_transcription,
)
from tests.web.helpers import add_officer
from tests.webhooks import AUTH_TOKEN
from twilio_sim.cloud import TwilioCloud

JOB_ID = f"transcribe-{RECORDING_SID}"


def test_failed_job_listed_with_error(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    app = make_app(database_url, tmp_path, cloud, TWILIO_AUTH_TOKEN="wrong-token")
    with app.app_context():
        run_transcription(app, redis, cloud)
        queues = [app.config["TRANSCRIPTION_QUEUE"], app.config["MESSAGING_QUEUE"]]

        total, listed = failed_jobs(redis, queues, limit=20)

    assert total == 1
    assert [job.job_id for job in listed] == [JOB_ID]
    assert listed[0].queue == app.config["TRANSCRIPTION_QUEUE"]
    assert listed[0].error.startswith("queue_workers.exceptions.RecordingCredentials")
    assert "401" in listed[0].error
    assert listed[0].ended_at is not None


def test_retry_transcribes_after_fix(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    app = make_app(database_url, tmp_path, cloud, TWILIO_AUTH_TOKEN="wrong-token")
    with app.app_context():
        actor = add_officer()
        queue = run_transcription(app, redis, cloud)
        assert recording_row().status == "failed"
        assert flags() == ["transcription_failed"]

        # The operator fixes the token, then a supervisor retries the job.
        app.config["TWILIO_AUTH_TOKEN"] = AUTH_TOKEN
        retry_failed_job(redis, app.config, JOB_ID, actor_id=actor)

        assert FailedJobRegistry(queue=queue).get_job_ids() == []
        assert queue.job_ids == [JOB_ID]
        assert recording_row().status == "queued"
        assert flags() == []

        SimpleWorker([queue], connection=redis).work(burst=True)

        recording = recording_row()
        assert recording.status == "transcribed"
        assert recording.error is None
        with db.session_scope() as session:
            kinds = list(session.scalars(select(TicketEvent.kind)))
        assert "retried" in kinds


def test_retry_twice_is_rejected(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    app = make_app(database_url, tmp_path, cloud, TWILIO_AUTH_TOKEN="wrong-token")
    with app.app_context():
        actor = add_officer()
        run_transcription(app, redis, cloud)
        retry_failed_job(redis, app.config, JOB_ID, actor_id=actor)

        with pytest.raises(JobRetryError):
            retry_failed_job(redis, app.config, JOB_ID, actor_id=actor)

        with pytest.raises(JobRetryError):
            retry_failed_job(redis, app.config, "no-such-job", actor_id=actor)


def test_retry_resends_failed_message(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    app = make_app(database_url, tmp_path, cloud, TWILIO_AUTH_TOKEN="wrong-token")
    with app.app_context():
        actor = add_officer()
        audio = (DATA_DIR / "ktp.wav").read_bytes()
        record_complaint(app, cloud, audio)
        queue = Queue(app.config["MESSAGING_QUEUE"], connection=redis)
        with db.session_scope() as session:
            message = session.scalars(select(Message)).one()
            message_id = message.id

        # The reference SMS was enqueued with retries; exhaust them at once.
        job_id = f"send-message-{message_id}"
        job = queue.fetch_job(job_id)
        assert job is not None
        job.retries_left = 0
        job.save()
        SimpleWorker([queue], connection=redis).work(burst=True)
        with db.session_scope() as session:
            assert session.get(Message, message_id).status == "failed"

        app.config["TWILIO_AUTH_TOKEN"] = AUTH_TOKEN
        retry_failed_job(redis, app.config, job_id, actor_id=actor)

        SimpleWorker([queue], connection=redis).work(burst=True)

        with db.session_scope() as session:
            sent = session.get(Message, message_id)
            assert sent.message_sid is not None
            assert sent.attempts == 1
        assert len(cloud.messages) == 1


def test_abandoned_job_listed_beside_failed(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    """RQ fails the job of a worker that died without setting its ended_at."""
    app = make_app(database_url, tmp_path, cloud, TWILIO_AUTH_TOKEN="wrong-token")
    with app.app_context():
        run_transcription(app, redis, cloud)
        queue_name = app.config["TRANSCRIPTION_QUEUE"]
        abandoned = Job.create("builtins.print", connection=redis, origin=queue_name)
        abandoned.set_status(JobStatus.FAILED)
        abandoned.save()
        FailedJobRegistry(queue_name, connection=redis).add(abandoned, ttl=600)

        total, listed = failed_jobs(redis, [queue_name], limit=20)

    assert total == 2
    assert [job.job_id for job in listed] == [JOB_ID, abandoned.id]
    assert listed[1].ended_at is None


def test_enqueue_again_leaves_failed_list(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    """The reconciler enqueues a recording left processing by a dead worker again,
    under the same job id. The old failure must then leave the failed list."""
    app = make_app(database_url, tmp_path, cloud, TWILIO_AUTH_TOKEN="wrong-token")
    with app.app_context():
        queue = run_transcription(app, redis, cloud)
        with db.session_scope() as session:
            recording = session.scalars(select(Recording)).one()
            recording.status = "processing"
            assert enqueue_transcription(session, redis, app.config, recording)

        total, listed = failed_jobs(redis, [queue.name], limit=20)

    assert FailedJobRegistry(queue=queue).get_job_ids() == []
    assert queue.job_ids == [JOB_ID]
    assert total == 0
    assert listed == []


def test_job_for_missing_recording_not_retried(
    database_url: str, redis: Redis, tmp_path: Path, cloud: TwilioCloud
) -> None:
    app = make_app(database_url, tmp_path, cloud)
    with app.app_context():
        queue = Queue(app.config["TRANSCRIPTION_QUEUE"], connection=redis)
        queue.enqueue(
            "queue_workers.jobs.transcribe_recording",
            999,
            job_id="transcribe-RE-missing",
            retry=Retry(max=3, interval=[30]),
        )

        SimpleWorker([queue], connection=redis).work(burst=True)

    assert FailedJobRegistry(queue=queue).get_job_ids() == ["transcribe-RE-missing"]
    assert ScheduledJobRegistry(queue=queue).get_job_ids() == []
