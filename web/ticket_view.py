"""What the ticket page shows, gathered in a fixed number of queries and with every NIK
masked unless the officer has unmasked this ticket."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Agent,
    Message,
    Recording,
    Ticket,
    TicketEvent,
    TicketNote,
    Transcript,
    TranscriptCorrection,
)
from tickets.nik import mask_text, mask_words
from tickets.reference import format_reference
from tickets.topics import get_topics
from tickets.workflow import ALLOWED_TRANSITIONS
from web.labels import EVENT_LABELS, FLAG_LABELS, MESSAGE_STATUS_LABELS, STATUS_LABELS

# Vosk confidence below which a word is shown as doubtful.
LOW_CONFIDENCE = 0.6


def ticket_context(
    session: Session, ticket: Ticket, agent: Agent, unmasked: bool
) -> dict[str, Any]:
    """Return the template values of the ticket page."""

    def show(text: str) -> str:
        return text if unmasked else mask_text(text)

    transcript = session.scalars(
        select(Transcript)
        .where(Transcript.ticket_id == ticket.id)
        .order_by(Transcript.id)
    ).first()
    recording = session.scalars(
        select(Recording).where(Recording.ticket_id == ticket.id).order_by(Recording.id)
    ).first()
    agents = {a.id: a.name for a in session.scalars(select(Agent))}
    corrections = []
    if transcript is not None:
        corrections = session.scalars(
            select(TranscriptCorrection)
            .where(TranscriptCorrection.transcript_id == transcript.id)
            .order_by(TranscriptCorrection.id.desc())
        ).all()

    return {
        "ticket": ticket,
        "reference": format_reference(ticket.reference),
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "next_statuses": [
            (status, STATUS_LABELS[status])
            for status in sorted(ALLOWED_TRANSITIONS.get(ticket.status, set()))
        ],
        "topics": [(topic.key, topic.name) for topic in get_topics().topics],
        "topic_name": dict((t.key, t.name) for t in get_topics().topics).get(
            ticket.topic, ticket.topic
        ),
        "assignee": agents.get(ticket.assignee_id or 0),
        "flags": [FLAG_LABELS.get(kind, kind) for kind in ticket.flag_kinds],
        "recording": recording,
        "words": transcript_words(transcript, unmasked),
        "machine_text": show(transcript.text) if transcript else None,
        "correction": corrections[0] if corrections else None,
        "correction_text": show(corrections[0].text) if corrections else None,
        "correction_author": agents.get(corrections[0].agent_id)
        if corrections
        else None,
        "events": history(session, ticket, agents),
        "notes": [
            {
                "author": agents.get(note.agent_id),
                "at": note.created_at,
                "body": show(note.body),
            }
            for note in session.scalars(
                select(TicketNote)
                .where(TicketNote.ticket_id == ticket.id)
                .order_by(TicketNote.id)
            )
        ],
        "messages": [
            {
                "body": show(message.body),
                "status": MESSAGE_STATUS_LABELS.get(message.status, message.status),
                "at": message.created_at,
            }
            for message in session.scalars(
                select(Message)
                .where(Message.ticket_id == ticket.id)
                .order_by(Message.id)
            )
        ],
        "unmasked": unmasked,
        # The correction form edits the text in full, so it needs the NIKs unmasked.
        "masked_nik": transcript is not None
        and mask_text(transcript.text) != transcript.text,
        "low_confidence": LOW_CONFIDENCE,
    }


def transcript_words(
    transcript: Transcript | None, unmasked: bool
) -> list[dict[str, Any]]:
    if transcript is None:
        return []

    words = transcript.words if unmasked else mask_words(transcript.words)
    return [
        {**word, "low": float(word.get("conf", 1.0)) < LOW_CONFIDENCE} for word in words
    ]


def history(
    session: Session, ticket: Ticket, agents: dict[int, str]
) -> list[dict[str, Any]]:
    events = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id)
    ).all()
    rows = []
    for event in events:
        actor = (
            "Sistem" if event.actor == "system" else agents.get(int(event.actor), "?")
        )
        detail = dict(event.detail or {})
        if event.kind == "status":
            detail = {
                "dari": STATUS_LABELS.get(detail.get("old"), detail.get("old")),
                "ke": STATUS_LABELS.get(detail.get("new"), detail.get("new")),
            }
        elif event.kind == "assigned":
            detail = {"petugas": agents.get(detail.get("agent_id"), "?")}
        elif event.kind == "flagged":
            detail = {"tanda": FLAG_LABELS.get(detail.get("flag"), detail.get("flag"))}

        rows.append(
            {
                "at": event.created_at,
                "actor": actor,
                "label": EVENT_LABELS.get(event.kind, event.kind),
                "detail": ", ".join(f"{k}: {v}" for k, v in detail.items()),
            }
        )

    return rows
