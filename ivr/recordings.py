"""Recordings reported by Twilio: stored once per RecordingSid, then transcribed by a
job.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ivr.calls import ensure_call
from models import Call, Recording, RecordingStatus, Ticket, insert_ignore
from models.base import utcnow
from queue_workers.enqueue import enqueue_message, enqueue_transcription
from tickets.service import flag_ticket, open_ticket_for_call
from tickets.topics import get_topics

logger = logging.getLogger(__name__)


def parse_duration(value: str | None) -> int | None:
    try:
        return max(int(value or ""), 0)
    except ValueError:
        return None


def store_recording(
    session: Session, form: Mapping[str, str], call: Call, ticket: Ticket
) -> Recording:
    """Return the recording of form["RecordingSid"], stored and linked to the ticket."""
    recording_sid = form["RecordingSid"]
    insert_ignore(
        session,
        Recording,
        {
            "recording_sid": recording_sid,
            "call_id": call.id,
            "ticket_id": ticket.id,
            "url": form.get("RecordingUrl", "")[:500],
            "duration_seconds": parse_duration(form.get("RecordingDuration")),
        },
        conflict=["recording_sid"],
    )
    recording = session.scalars(
        select(Recording).where(Recording.recording_sid == recording_sid)
    ).one()
    if recording.ticket_id is None:
        recording.ticket_id = ticket.id

    if not recording.url and form.get("RecordingUrl"):
        recording.url = form["RecordingUrl"][:500]

    return recording


def claim_status_callback(session: Session, recording: Recording) -> bool:
    """Mark the first status callback of a recording; False for a duplicate delivery.

    The conditional UPDATE lets exactly one of two concurrent deliveries through.
    """
    result = session.execute(
        update(Recording)
        .where(Recording.id == recording.id, Recording.status_callback_at.is_(None))
        .values(status_callback_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def handle_recording_status(
    session: Session, redis: Redis, config: dict[str, Any], form: Mapping[str, str]
) -> None:
    """Store the recording, make sure its ticket exists, and enqueue its transcription.

    The ticket is normally opened by the <Record> action; it is opened here too, in case
    the caller hung up in a way that lost the action request, so no complaint is lost.
    """
    call = ensure_call(session, form, config["DEFAULT_PHONE_REGION"])
    topic = call.topic or get_topics().fallback.key
    opened = open_ticket_for_call(session, call, topic)
    recording = store_recording(session, form, call, opened.ticket)
    first_delivery = claim_status_callback(session, recording)
    status = form.get("RecordingStatus", "")
    recording_sid = recording.recording_sid

    if first_delivery and status != "completed":
        recording.status = RecordingStatus.FLAGGED.value
        recording.error = f"Twilio reported RecordingStatus={status!r}"
        flag_ticket(session, opened.ticket.id, "no_audio", recording.error)

    if first_delivery and form.get("RecordingDuration"):
        recording.duration_seconds = parse_duration(form.get("RecordingDuration"))

    session.commit()
    logger.info(
        "recording status recording_sid=%s call_sid=%s status=%s first=%s",
        recording_sid,
        call.call_sid,
        status,
        first_delivery,
    )

    if opened.message is not None:
        enqueue_message(session, redis, config, opened.message)

    if first_delivery and status == "completed":
        if enqueue_transcription(session, redis, config, recording):
            session.commit()
