"""Outbound SMS to citizens, sent by jobs and tracked by MessageSid."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin


class MessageStatus(enum.StrEnum):
    """Our send state, then Twilio's MessageStatus values once Twilio has it."""

    PENDING = "pending"
    SENDING = "sending"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """Order of progress; callbacks never move a message to a lower rank."""
        order = ["pending", "sending", "queued", "sent", "delivered"]
        return order.index(self.value) if self.value in order else len(order)


class Message(TimestampMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("ticket_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    # What the message is for, e.g. "ticket_reference"; one of each kind per ticket.
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20), default="sms")
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(20), default=MessageStatus.PENDING.value, index=True
    )
    message_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.kind} {self.status}>"
