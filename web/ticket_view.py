"""Template values of the ticket page, gathered in a fixed number of queries.

Every NIK is masked unless the officer has unmasked this ticket.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Agent,
    Message,
    Ticket,
    TicketEvent,
    TicketNote,
    Transcript,
    TranscriptCorrection,
)
from tickets.calendar import get_holiday_calendar
from tickets.lookup import first_recording, first_transcript
from tickets.nik import mask_text, mask_words
from tickets.reference import format_reference
from tickets.workflow import ALLOWED_TRANSITIONS
from web.deadlines import STATE_LABELS, deadline_states
from web.i18n import topic_names
from web.labels import EVENT_LABELS, FLAG_LABELS, MESSAGE_STATUS_LABELS, STATUS_LABELS

# Vosk confidence below which a word is shown as doubtful.
LOW_CONFIDENCE = 0.6


def ticket_context(
    session: Session, ticket: Ticket, agent: Agent, unmasked: bool
) -> dict[str, Any]:
    """Return the template values of the ticket page."""

    def show(text: str) -> str:
        return text if unmasked else mask_text(text)

    transcript = first_transcript(session, ticket.id)
    recording = first_recording(session, ticket.id)
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
        "topics": list(topic_names().items()),
        "topic_name": topic_names().get(ticket.topic, ticket.topic),
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
        "has_nik": has_nik(transcript, corrections[0] if corrections else None),
        "low_confidence": LOW_CONFIDENCE,
        "deadline_states": deadline_states(
            ticket, calendar=get_holiday_calendar().read(session)
        ),
        "state_labels": STATE_LABELS,
    }


def has_nik(
    transcript: Transcript | None, correction: TranscriptCorrection | None
) -> bool:
    """Return whether the machine transcript or the latest correction contains a NIK."""
    texts = [
        transcript.text if transcript else "",
        correction.text if correction else "",
    ]
    return any(text and mask_text(text) != text for text in texts)


def latest_correction(
    session: Session, transcript: Transcript
) -> TranscriptCorrection | None:
    return session.scalars(
        select(TranscriptCorrection)
        .where(TranscriptCorrection.transcript_id == transcript.id)
        .order_by(TranscriptCorrection.id.desc())
    ).first()


def transcript_words(
    transcript: Transcript | None, unmasked: bool
) -> list[dict[str, Any]]:
    if transcript is None:
        return []

    words = transcript.words if unmasked else mask_words(transcript.words)
    return [
        {**word, "low": float(word.get("conf", 1.0)) < LOW_CONFIDENCE} for word in words
    ]


def event_detail(kind: str, detail: dict[str, Any], agents: dict[int, str]) -> str:
    """Describe an event's detail for officers, without internal keys or ids."""
    topics = topic_names()
    if kind == "status":
        old, new = detail.get("old", ""), detail.get("new", "")
        return f"{STATUS_LABELS.get(old, old)} → {STATUS_LABELS.get(new, new)}"

    if kind == "assigned":
        return agents.get(detail.get("agent_id", 0), "?")

    if kind == "flagged":
        flag = detail.get("flag", "")
        return str(FLAG_LABELS.get(flag, flag))

    if kind == "topic":
        old, new = detail.get("old", ""), detail.get("new", "")
        return f"{topics.get(old, old)} → {topics.get(new, new)}"

    if kind == "created":
        return topics.get(detail.get("topic", ""), "")

    if kind == "transcribed":
        return _("%(count)d kata", count=detail.get("words", 0))

    return ""


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
            _("Sistem")
            if event.actor == "system"
            else agents.get(int(event.actor), "?")
        )
        rows.append(
            {
                "at": event.created_at,
                "actor": actor,
                "label": EVENT_LABELS.get(event.kind, event.kind),
                "detail": event_detail(event.kind, dict(event.detail or {}), agents),
            }
        )

    return rows
