"""The end of a call: ticket, reference read-back, recording callbacks and their
retries.
"""

from __future__ import annotations

import concurrent.futures

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from models import Agent, AgentTopic, Call, Message, Recording, Ticket, TicketFlag, db
from tests.twiml import parse_twiml, spoken, verbs
from tests.webhooks import ACCOUNT_SID, call_params, twilio_post
from tickets.reference import is_valid_reference, spoken_reference

CALL_SID = "CA" + "b" * 32
RECORDING_SID = "RE" + "c" * 32
RECORDING_URL = f"http://127.0.0.1:8070/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"


def recording_params(call_sid: str = CALL_SID, **extra: str) -> dict[str, str]:
    params = call_params(
        call_sid,
        RecordingSid=RECORDING_SID,
        RecordingUrl=RECORDING_URL,
        RecordingDuration="7",
    )
    params.update(extra)
    return params


def status_params(
    call_sid: str = CALL_SID, status: str = "completed"
) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "CallSid": call_sid,
        "RecordingSid": RECORDING_SID,
        "RecordingUrl": RECORDING_URL,
        "RecordingStatus": status,
        "RecordingDuration": "7",
        "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
    }


def start_call(
    client: FlaskClient, digit: str = "1", caller: str = "+6281200000001"
) -> None:
    twilio_post(client, "/ivr/voice", call_params(CALL_SID, caller))
    twilio_post(
        client,
        "/ivr/menu/choice?invalid=0",
        call_params(CALL_SID, caller, Digits=digit),
    )


def count(model: type) -> int:
    with db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(model))


def add_agent(name: str, topics: list[str]) -> int:
    with db.session_scope() as session:
        agent = Agent(name=name, topics=[AgentTopic(topic=topic) for topic in topics])
        session.add(agent)
        session.flush()
        return agent.id


def test_recorded_reads_reference_twice(client: FlaskClient) -> None:
    start_call(client)
    root = parse_twiml(
        twilio_post(client, "/ivr/recorded", recording_params(Digits="#"))
    )

    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert is_valid_reference(ticket.reference)
    assert ticket.topic == "ktp_el"
    assert ticket.status == "baru"
    texts = spoken(root)
    digits = spoken_reference(ticket.reference)
    assert sum(digits in text for text in texts) == 2
    assert any("SMS" in text for text in texts)
    assert verbs(root)[-1] == "Hangup"


def test_recorded_twice_keeps_one_ticket(client: FlaskClient) -> None:
    start_call(client)
    first = parse_twiml(twilio_post(client, "/ivr/recorded", recording_params()))
    second = parse_twiml(twilio_post(client, "/ivr/recorded", recording_params()))

    assert count(Ticket) == 1
    assert count(Recording) == 1
    assert count(Message) == 1
    assert spoken(first) == spoken(second)


def test_ticket_goes_to_least_loaded_agent(client: FlaskClient) -> None:
    busy = add_agent("Busy", ["ktp_el"])
    idle = add_agent("Idle", ["ktp_el"])
    add_agent("Other topic", ["kk"])
    with db.session_scope() as session:
        session.add(Ticket(reference="10000007", topic="ktp_el", assignee_id=busy))

    start_call(client)
    twilio_post(client, "/ivr/recorded", recording_params())

    with db.session_scope() as session:
        ticket = session.scalars(
            select(Ticket).where(Ticket.call_id.is_not(None))
        ).one()
    assert ticket.assignee_id == idle


def test_withheld_caller_gets_no_sms(client: FlaskClient) -> None:
    start_call(client, caller="anonymous")
    root = parse_twiml(
        twilio_post(client, "/ivr/recorded", recording_params(From="anonymous"))
    )

    assert count(Ticket) == 1
    assert count(Message) == 0
    assert not any("SMS" in text for text in spoken(root))
    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.caller_number is None


def test_sms_job_enqueued_for_caller(
    client: FlaskClient, redis: Redis, app: Flask
) -> None:
    start_call(client)
    twilio_post(client, "/ivr/recorded", recording_params())

    queue = Queue(app.config["MESSAGING_QUEUE"], connection=redis)
    with db.session_scope() as session:
        message = session.scalars(select(Message)).one()
    assert queue.job_ids == [f"send-message-{message.id}"]
    assert message.to_number == "+6281200000001"
    assert "Nomor tiket" in message.body


def test_recording_status_enqueues_one_job(
    client: FlaskClient, redis: Redis, app: Flask
) -> None:
    start_call(client)
    twilio_post(client, "/ivr/recorded", recording_params())
    first = twilio_post(client, "/ivr/recording-status", status_params())
    second = twilio_post(client, "/ivr/recording-status", status_params())

    assert first.status_code == 204
    assert second.status_code == 204
    queue = Queue(app.config["TRANSCRIPTION_QUEUE"], connection=redis)
    assert queue.job_ids == [f"transcribe-{RECORDING_SID}"]
    job = queue.fetch_job(f"transcribe-{RECORDING_SID}")
    assert job.timeout == 120 + 3 * 7
    with db.session_scope() as session:
        recording = session.scalars(select(Recording)).one()
    assert recording.status == "queued"


def test_concurrent_callbacks_make_one_ticket(app: Flask, redis: Redis) -> None:
    """Status callback and action, each delivered four times at once, with no menu."""
    requests = [("/ivr/recording-status", status_params())] * 4
    requests += [("/ivr/recorded", recording_params())] * 4

    def deliver(request: tuple[str, dict[str, str]]) -> int:
        return twilio_post(app.test_client(), *request).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(deliver, requests))

    assert sorted(set(codes)) == [200, 204]
    assert count(Call) == 1
    assert count(Ticket) == 1
    assert count(Recording) == 1
    queue = Queue(app.config["TRANSCRIPTION_QUEUE"], connection=redis)
    assert queue.job_ids == [f"transcribe-{RECORDING_SID}"]


def test_status_callback_alone_opens_ticket(client: FlaskClient) -> None:
    """A hang-up that loses the action request still leaves a ticket."""
    start_call(client, digit="3")
    response = twilio_post(client, "/ivr/recording-status", status_params())

    assert response.status_code == 204
    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket)).one()
        recording = session.scalars(select(Recording)).one()
    assert ticket.topic == "akta"
    assert recording.ticket_id == ticket.id


def test_absent_recording_flags_ticket(
    client: FlaskClient, redis: Redis, app: Flask
) -> None:
    start_call(client)
    twilio_post(client, "/ivr/recording-status", status_params(status="absent"))

    with db.session_scope() as session:
        flags = session.scalars(select(TicketFlag.kind)).all()
        recording = session.scalars(select(Recording)).one()
    assert flags == ["no_audio"]
    assert recording.status == "flagged"
    assert Queue(app.config["TRANSCRIPTION_QUEUE"], connection=redis).count == 0


def test_silent_caller_gets_flagged_ticket(client: FlaskClient) -> None:
    start_call(client)
    root = parse_twiml(
        twilio_post(client, "/ivr/recorded?no_audio=1", call_params(CALL_SID))
    )

    assert verbs(root)[-1] == "Hangup"
    with db.session_scope() as session:
        flags = session.scalars(select(TicketFlag.kind)).all()
    assert flags == ["no_audio"]
    assert count(Recording) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"CallSid": CALL_SID, "RecordingStatus": "completed"},
        {"RecordingSid": RECORDING_SID, "RecordingStatus": "completed"},
        {
            "CallSid": CALL_SID,
            "RecordingSid": RECORDING_SID,
            "RecordingStatus": "completed",
        },
    ],
    ids=["no-recording-sid", "no-call-sid", "no-url"],
)
def test_recording_status_rejects_bad_data(
    client: FlaskClient, params: dict[str, str]
) -> None:
    response = twilio_post(client, "/ivr/recording-status", params)

    assert response.status_code == 400
    assert count(Recording) == 0


def test_call_status_never_moves_back(client: FlaskClient) -> None:
    twilio_post(client, "/ivr/voice", call_params(CALL_SID, CallStatus="ringing"))
    completed = call_params(CALL_SID, CallStatus="completed", CallDuration="42")
    twilio_post(client, "/ivr/status", completed)
    twilio_post(client, "/ivr/status", call_params(CALL_SID, CallStatus="in-progress"))

    with db.session_scope() as session:
        call = session.scalars(select(Call)).one()
    assert call.status == "completed"
    assert call.duration_seconds == 42
    assert call.ended_at is not None


def test_voice_webhook_error_apologises_in_twiml(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("ivr.views.start_call", broken)
    root = parse_twiml(twilio_post(client, "/ivr/voice", call_params(CALL_SID)))

    assert verbs(root) == ["Say", "Hangup"]
    assert spoken(root)[0].startswith("Mohon maaf")
