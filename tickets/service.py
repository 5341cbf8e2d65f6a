"""Opening tickets for calls and flagging them for human attention."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.sms import prepare_ticket_sms
from models import Call, Message, Ticket, TicketEvent, TicketFlag, insert_ignore
from models.base import utcnow
from tickets.assignment import assign_ticket
from tickets.calendar import WorkingCalendar, get_holiday_calendar
from tickets.reference import generate_reference
from tickets.topics import get_topics

logger = logging.getLogger(__name__)

# Fresh references tried before giving up; with 10**7 references a clash is rare.
REFERENCE_ATTEMPTS = 20


def unused_reference(session: Session) -> str:
    """Return a random reference that no ticket has yet."""
    for _ in range(REFERENCE_ATTEMPTS):
        reference = generate_reference()
        existing_id = session.scalar(
            select(Ticket.id).where(Ticket.reference == reference)
        )
        if existing_id is None:
            return reference

    raise RuntimeError(
        f"No unused ticket reference after {REFERENCE_ATTEMPTS} attempts; "
        "the reference space is nearly full, lengthen tickets.reference.BODY_LENGTH."
    )


@dataclass
class OpenedTicket:
    ticket: Ticket
    # True when this request created the ticket, False when it existed already.
    created: bool
    # The SMS with the reference, to be enqueued after commit; None when none is sent.
    message: Message | None = None


def deadlines(
    session: Session,
    topic_key: str,
    received_at: datetime,
    calendar: WorkingCalendar | None = None,
) -> dict[str, datetime]:
    """Return the first-response and resolution deadlines of a ticket on topic_key,
    counted on calendar, or else on the holidays table as read in session now.
    """
    calendar = calendar or get_holiday_calendar().read(session)
    topic = get_topics().get(topic_key)
    return {
        "first_response_due": calendar.deadline(received_at, topic.response_days),
        "resolution_due": calendar.deadline(received_at, topic.resolution_days),
    }


def open_ticket_for_call(session: Session, call: Call, topic: str) -> OpenedTicket:
    """Return the call's ticket, creating, assigning and announcing it on first use.

    The unique call_id makes this idempotent: a retried or concurrent webhook for the
    same call finds the existing ticket.
    """
    # Deadlines count from the ticket's creation, the time every page and export
    # shows as received, and the time a holiday change recounts them from.
    now = utcnow()
    inserted = insert_ignore(
        session,
        Ticket,
        {
            "reference": unused_reference(session),
            "call_id": call.id,
            "channel": "phone",
            "topic": topic,
            "caller_number": call.caller_number,
            "created_at": now,
            "updated_at": now,
            **deadlines(session, topic, now),
        },
        conflict=["call_id"],
    )
    ticket = session.scalars(select(Ticket).where(Ticket.call_id == call.id)).one()
    if not inserted:
        return OpenedTicket(ticket, created=False)

    session.add(
        TicketEvent(ticket_id=ticket.id, kind="created", detail={"topic": topic})
    )
    assign_ticket(session, ticket)
    message = prepare_ticket_sms(session, ticket)
    logger.info(
        "ticket opened ticket=%s call_sid=%s topic=%s",
        ticket.reference,
        call.call_sid,
        topic,
    )
    return OpenedTicket(ticket, created=True, message=message)


def flag_ticket(session: Session, ticket_id: int, kind: str, detail: str = "") -> bool:
    """Add a flag to a ticket unless it already carries it; return True if added."""
    added = insert_ignore(
        session,
        TicketFlag,
        {
            "ticket_id": ticket_id,
            "kind": kind,
            "detail": detail[:500],
            "created_at": utcnow(),
        },
        conflict=["ticket_id", "kind"],
    )
    if added:
        session.add(
            TicketEvent(ticket_id=ticket_id, kind="flagged", detail={"flag": kind})
        )
        logger.warning("ticket flagged ticket_id=%s flag=%s", ticket_id, kind)

    return added
