"""SMS to citizens through the Twilio Messages API, sent from jobs."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from messaging.exceptions import MessageRejectedError
from messaging.phone import mask_number
from models import Message, MessageStatus, Ticket
from tickets.reference import format_reference

logger = logging.getLogger(__name__)

TICKET_REFERENCE = "ticket_reference"


def twilio_client(config: dict[str, Any]) -> Client:
    """Return a Twilio REST client aimed at TWILIO_API_BASE_URL (Twilio or the
    simulator).
    """
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    # twilio-python builds every Messages API URL from the api domain's base_url.
    client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
    return client


def prepare_ticket_sms(session: Session, ticket: Ticket) -> Message | None:
    """Store the SMS with the ticket reference; return None when the caller has no
    number.
    """
    if ticket.caller_number is None:
        logger.info("no sms for withheld caller ticket=%s", ticket.reference)
        return None

    from ivr.prompts import get_prompts

    body = get_prompts().text(
        "sms_ticket_created", reference=format_reference(ticket.reference)
    )
    existing = session.scalars(
        select(Message).where(
            Message.ticket_id == ticket.id, Message.kind == TICKET_REFERENCE
        )
    ).first()
    if existing is not None:
        return existing

    message = Message(
        ticket_id=ticket.id,
        kind=TICKET_REFERENCE,
        to_number=ticket.caller_number,
        body=body,
    )
    session.add(message)
    session.flush()
    return message


def deliver_message(
    message: Message, config: dict[str, Any], status_callback: str
) -> Any:
    """Hand message to Twilio and return Twilio's message resource (sid, status).

    Raises MessageRejectedError when Twilio refuses the message with a 4xx (other than
    429), and lets other errors through so that the job is retried. Makes no database
    change, so no transaction stays open during the HTTP request.
    """
    client = twilio_client(config)
    try:
        created = client.messages.create(
            to=message.to_number,
            from_=config["TWILIO_PHONE_NUMBER"],
            body=message.body,
            status_callback=status_callback or None,
        )
    except TwilioRestException as e:
        if 400 <= e.status < 500 and e.status != 429:
            raise MessageRejectedError(
                f"Twilio rejected message {message.id} "
                f"to {mask_number(message.to_number)}: "
                f"HTTP {e.status}, Twilio error code {e.code}"
            ) from e

        raise

    return created


def advance_status(message: Message, status: str) -> None:
    """Move message to status unless it is already further along; unknown values are
    kept.
    """
    try:
        new_rank = MessageStatus(status).rank
    except ValueError:
        logger.warning(
            "unknown message status message_id=%s status=%s", message.id, status
        )
        return

    if new_rank > MessageStatus(message.status).rank:
        message.status = status


def apply_status_callback(
    session: Session, message_id: int | None, message_sid: str, status: str
) -> Message | None:
    """Apply a Twilio status callback; return the message, or None if it is unknown.

    The callback URL carries our message id because Twilio may call it before the job
    that sent the message has stored the MessageSid.
    """
    message = session.get(Message, message_id) if message_id else None
    if message is None:
        message = session.scalars(
            select(Message).where(Message.message_sid == message_sid)
        ).first()

    if message is None:
        return None

    if message.message_sid is None:
        message.message_sid = message_sid

    advance_status(message, status)
    return message
