"""Read-only views of tickets for the CLI and the simulator: one dict per ticket."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Call, Message, Recording, Ticket, Transcript, db
from tickets.exceptions import TicketNotFoundError
from tickets.reference import normalize_reference


def first_recording(session: Session, ticket_id: int) -> Recording | None:
    """Return the ticket's recording; a phone ticket has at most one today."""
    return session.scalars(
        select(Recording).where(Recording.ticket_id == ticket_id).order_by(Recording.id)
    ).first()


def first_transcript(session: Session, ticket_id: int) -> Transcript | None:
    """Return the machine transcript of the ticket's recording, or None."""
    return session.scalars(
        select(Transcript)
        .where(Transcript.ticket_id == ticket_id)
        .order_by(Transcript.id)
    ).first()


def ticket_summary(session: Session, ticket: Ticket) -> dict[str, Any]:
    """Return the ticket with its status, topic, flags, assignee, recording and
    transcript.
    """
    recording = first_recording(session, ticket.id)
    transcript = first_transcript(session, ticket.id)
    messages = session.scalars(
        select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
    ).all()
    call = session.get(Call, ticket.call_id) if ticket.call_id else None

    return {
        "reference": ticket.reference,
        "status": ticket.status,
        "topic": ticket.topic,
        "channel": ticket.channel,
        "caller_number": ticket.caller_number,
        "call_sid": call.call_sid if call else None,
        "flags": ticket.flag_kinds,
        "assignee": (
            {"id": ticket.assignee.id, "name": ticket.assignee.name}
            if ticket.assignee
            else None
        ),
        "created_at": ticket.created_at.isoformat(),
        "recording": (
            {
                "recording_sid": recording.recording_sid,
                "status": recording.status,
                "duration_seconds": recording.duration_seconds,
                "audio_format": recording.audio_format,
                "error": recording.error,
            }
            if recording
            else None
        ),
        "transcript": (
            {
                "text": transcript.text,
                "words": transcript.words,
                "confidence": transcript.confidence,
                "real_time_factor": transcript.real_time_factor,
                "model_name": transcript.model_name,
            }
            if transcript
            else None
        ),
        "messages": [
            {
                "kind": message.kind,
                "to": message.to_number,
                "status": message.status,
                "message_sid": message.message_sid,
            }
            for message in messages
        ],
    }


def find_ticket(session: Session, reference: str) -> Ticket:
    """Return the ticket with reference, or raise TicketNotFoundError."""
    normalized = normalize_reference(reference)
    ticket = session.scalars(
        select(Ticket).where(Ticket.reference == normalized)
    ).first()
    if ticket is None:
        raise TicketNotFoundError(f"No ticket has the reference {reference!r}.")

    return ticket


def ticket_summary_for_call(call_sid: str) -> dict[str, Any] | None:
    """Return the summary of the ticket opened for call_sid, or None."""
    with db.session_scope() as session:
        ticket = session.scalars(
            select(Ticket)
            .join(Call, Call.id == Ticket.call_id)
            .where(Call.call_sid == call_sid)
        ).first()
        return ticket_summary(session, ticket) if ticket else None
