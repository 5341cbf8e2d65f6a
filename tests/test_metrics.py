"""Tests of /metrics, parsed with prometheus_client's own parser, against real Redis and
the database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from rq import Queue, SimpleWorker
from rq.worker import Worker
from sqlalchemy.orm import Session

from lokdon import create_app
from models import Call, Recording, Ticket, Transcript, db
from models.base import utcnow
from queue_workers.worker import WORKER_MODELS_KEY, publish_model_state
from tests.conftest import app_config
from tests.webhooks import call_params, twilio_post
from tickets.reference import generate_reference

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def fail_on_purpose(recording_id: int) -> None:
    """An RQ job that always raises, so that RQ puts it in the failed job registry."""
    raise RuntimeError(f"recording {recording_id} failed on purpose")


def scrape(client: FlaskClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return parse_samples(response.get_data(as_text=True))


def parse_samples(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            samples[(found.name, tuple(sorted(found.labels.items())))] = found.value

    return samples


def sample(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def add_call(session: Session, call_sid: str, status: str) -> Call:
    call = Call(call_sid=call_sid, status=status, started_at=utcnow())
    session.add(call)
    session.flush()
    return call


def add_ticket(session: Session, status: str, call: Call | None = None) -> Ticket:
    ticket = Ticket(
        reference=generate_reference(),
        topic="ktp_el",
        status=status,
        call_id=call.id if call else None,
    )
    session.add(ticket)
    session.flush()
    return ticket


def add_recording(
    session: Session, ticket: Ticket, status: str, age: timedelta
) -> Recording:
    created = utcnow() - age
    recording = Recording(
        recording_sid=f"RE{ticket.reference}",
        ticket_id=ticket.id,
        url="http://127.0.0.1:8070/recording",
        status=status,
        created_at=created,
        updated_at=created,
    )
    session.add(recording)
    session.flush()
    return recording


def add_transcript(
    session: Session, ticket: Ticket, real_time_factor: float, age: timedelta
) -> None:
    recording = add_recording(session, ticket, "transcribed", age)
    created = utcnow() - age
    session.add(
        Transcript(
            ticket_id=ticket.id,
            recording_id=recording.id,
            real_time_factor=real_time_factor,
            created_at=created,
            updated_at=created,
        )
    )


def test_welcome_webhooks_fill_histogram(client: FlaskClient) -> None:
    for number in range(3):
        response = twilio_post(client, "/ivr/voice", call_params(f"CA{number:032d}"))
        assert response.status_code == 200

    unsigned = client.post("/ivr/voice", data=call_params("CA" + "9" * 32))
    assert unsigned.status_code == 403

    samples = scrape(client)
    name = "lokdon_webhook_request_duration_seconds"
    assert sample(samples, f"{name}_count", route="ivr.welcome", status="2xx") == 3
    assert sample(samples, f"{name}_count", route="ivr.welcome", status="4xx") == 1
    assert (
        sample(samples, f"{name}_bucket", route="ivr.welcome", status="2xx", le="10.0")
        == 3
    )
    assert sample(samples, f"{name}_sum", route="ivr.welcome", status="2xx") > 0


def test_other_requests_not_timed(client: FlaskClient) -> None:
    client.get("/healthz")
    client.get("/metrics")

    samples = scrape(client)
    routes = {
        dict(labels).get("route")
        for (name, labels) in samples
        if name.startswith("lokdon_webhook_request_duration_seconds")
    }
    assert routes == set()


def test_tickets_counted_by_status(app: Flask, client: FlaskClient) -> None:
    with db.session_scope() as session:
        add_ticket(session, "baru")
        add_ticket(session, "baru")
        add_ticket(session, "diproses")
        add_ticket(session, "selesai")

    samples = scrape(client)
    assert sample(samples, "lokdon_tickets", status="baru") == 2
    assert sample(samples, "lokdon_tickets", status="diproses") == 1
    assert sample(samples, "lokdon_tickets", status="selesai") == 1
    assert sample(samples, "lokdon_tickets", status="ditutup") == 0


def test_recordings_waiting_and_oldest_age(app: Flask, client: FlaskClient) -> None:
    with db.session_scope() as session:
        add_recording(session, add_ticket(session, "baru"), "pending", timedelta(0))
        add_recording(
            session, add_ticket(session, "baru"), "queued", timedelta(minutes=10)
        )
        add_recording(
            session, add_ticket(session, "baru"), "processing", timedelta(minutes=3)
        )
        add_recording(
            session, add_ticket(session, "baru"), "transcribed", timedelta(hours=5)
        )
        add_recording(session, add_ticket(session, "baru"), "failed", timedelta(days=1))

    samples = scrape(client)
    assert sample(samples, "lokdon_recordings_waiting") == 3
    oldest = sample(samples, "lokdon_recording_oldest_waiting_seconds")
    assert oldest is not None
    assert 600 <= oldest < 660


def test_no_waiting_recordings_age_zero(app: Flask, client: FlaskClient) -> None:
    samples = scrape(client)
    assert sample(samples, "lokdon_recordings_waiting") == 0
    assert sample(samples, "lokdon_recording_oldest_waiting_seconds") == 0


def test_calls_counted_by_outcome(app: Flask, client: FlaskClient) -> None:
    with db.session_scope() as session:
        add_ticket(session, "baru", add_call(session, "CA" + "1" * 32, "completed"))
        add_ticket(session, "baru", add_call(session, "CA" + "2" * 32, "in-progress"))
        add_call(session, "CA" + "3" * 32, "completed")
        add_call(session, "CA" + "4" * 32, "no-answer")
        add_call(session, "CA" + "5" * 32, "in-progress")
        add_ticket(session, "baru")

    samples = scrape(client)
    assert sample(samples, "lokdon_calls", outcome="ticket") == 2
    assert sample(samples, "lokdon_calls", outcome="no_complaint") == 2
    assert sample(samples, "lokdon_calls", outcome="in_progress") == 1


def test_real_time_factor_mean_last_hour(app: Flask, client: FlaskClient) -> None:
    assert "lokdon_transcription_real_time_factor" not in {
        name for name, _ in scrape(client)
    }

    with db.session_scope() as session:
        add_transcript(session, add_ticket(session, "baru"), 0.2, timedelta(minutes=5))
        add_transcript(session, add_ticket(session, "baru"), 0.4, timedelta(minutes=50))
        add_transcript(session, add_ticket(session, "baru"), 3.0, timedelta(hours=2))

    samples = scrape(client)
    assert sample(samples, "lokdon_transcription_real_time_factor") == pytest.approx(
        0.3
    )


def test_failed_jobs_counted_per_queue(
    app: Flask, client: FlaskClient, redis: Redis
) -> None:
    transcription = Queue(app.config["TRANSCRIPTION_QUEUE"], connection=redis)
    messaging = Queue(app.config["MESSAGING_QUEUE"], connection=redis)
    transcription.enqueue(fail_on_purpose, 1)
    transcription.enqueue(fail_on_purpose, 2)
    messaging.enqueue(fail_on_purpose, 3)
    SimpleWorker([transcription, messaging], connection=redis).work(burst=True)

    samples = scrape(client)
    assert sample(samples, "lokdon_redis_up") == 1
    assert sample(samples, "lokdon_job_failures", queue="transcription") == 2
    assert sample(samples, "lokdon_job_failures", queue="messaging") == 1


def test_workers_counts_only_live_ones(
    app: Flask, client: FlaskClient, redis: Redis
) -> None:
    assert sample(scrape(client), "lokdon_workers") == 0

    queue = Queue(app.config["TRANSCRIPTION_QUEUE"], connection=redis)
    live = Worker([queue], connection=redis, name="lokdon-test-live")
    live.register_birth()
    publish_model_state(redis, "lokdon-test-live", {"pid": 1})
    # A worker killed with SIGKILL leaves its entry but no RQ worker key.
    publish_model_state(redis, "lokdon-test-killed", {"pid": 2})
    assert redis.hlen(WORKER_MODELS_KEY) == 2

    assert sample(scrape(client), "lokdon_workers") == 1


def test_token_required_when_configured(database_url: str, tmp_path: Path) -> None:
    app = create_app(app_config(database_url, tmp_path, METRICS_TOKEN="s3cret-token"))
    client = app.test_client()

    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer other"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    basic = client.get("/metrics", headers={"Authorization": "Basic s3cret-token"})
    assert basic.status_code == 401

    samples = scrape(client, Authorization="Bearer s3cret-token")
    assert sample(samples, "lokdon_database_up") == 1


def test_redis_down_still_answers(database_url: str, tmp_path: Path) -> None:
    app = create_app(
        app_config(database_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    )

    samples = scrape(app.test_client())
    names = {name for name, _ in samples}
    assert sample(samples, "lokdon_redis_up") == 0
    assert "lokdon_job_failures" not in names
    assert "lokdon_workers" not in names
    assert sample(samples, "lokdon_database_up") == 1
    assert sample(samples, "lokdon_tickets", status="baru") == 0


MULTIPROCESS_SCRIPT = """
import sys
from pathlib import Path

from lokdon import create_app
from tests.conftest import app_config
from tests.webhooks import call_params, twilio_post

database_url, tmp_path, prefix, count = sys.argv[1:5]
client = create_app(app_config(database_url, Path(tmp_path))).test_client()
for number in range(int(count)):
    sid = f"CA{prefix}{number:031d}"
    assert twilio_post(client, "/ivr/voice", call_params(sid)).status_code == 200

if prefix == "3":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


def test_multiprocess_mode_sums_processes(database_url: str, tmp_path: Path) -> None:
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir)}
    root = Path(__file__).resolve().parent.parent

    def run(prefix: str, count: int) -> str:
        completed = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, database_url, str(tmp_path)]
            + [prefix, str(count)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return completed.stdout

    run("1", 2)
    run("2", 3)
    samples = parse_samples(run("3", 1))

    name = "lokdon_webhook_request_duration_seconds_count"
    assert sample(samples, name, route="ivr.welcome", status="2xx") == 6
    assert sample(samples, "lokdon_calls", outcome="in_progress") == 6
    assert sample(samples, "lokdon_database_up") == 1
