"""Complaint tickets, their flags for human attention, and their history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.agent import Agent
from models.base import Base, TimestampMixin, UTCDateTime, utcnow


class TicketStatus(enum.StrEnum):
    """The ticket workflow, in the office's Indonesian terms."""

    BARU = "baru"  # new
    DIPROSES = "diproses"  # being worked on
    MENUNGGU_WARGA = "menunggu_warga"  # waiting for the citizen
    SELESAI = "selesai"  # resolved
    DITUTUP = "ditutup"  # closed

    @classmethod
    def open_values(cls) -> tuple[str, ...]:
        return (cls.BARU.value, cls.DIPROSES.value, cls.MENUNGGU_WARGA.value)

    @classmethod
    def resolved_values(cls) -> tuple[str, ...]:
        return (cls.SELESAI.value, cls.DITUTUP.value)


class TicketFlagKind(enum.StrEnum):
    """Reasons a ticket needs a human to look at its audio."""

    NO_AUDIO = "no_audio"  # nothing was recorded, or the file was empty
    NO_SPEECH = "no_speech"  # audio without recognisable speech
    UNREADABLE_AUDIO = "unreadable_audio"  # the file could not be decoded
    TRUNCATED_AUDIO = (
        "truncated_audio"  # decoding stopped early; the transcript is partial
    )
    TRANSCRIPTION_FAILED = "transcription_failed"  # download or transcription gave up


class Ticket(TimestampMixin, Base):
    __tablename__ = "tickets"
    # Trends and exports select tickets by the period they were opened or resolved
    # in. On PostgreSQL the included columns let the trend queries read the index
    # alone (see docs/benchmarks.md).
    __table_args__ = (
        Index(
            "ix_tickets_created_at",
            "created_at",
            postgresql_include=["topic", "assignee_id"],
        ),
        Index(
            "ix_tickets_resolved_at",
            "resolved_at",
            postgresql_include=["created_at", "resolution_due", "topic", "assignee_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Digits only with a Damm check digit, so a mistyped reference is detected.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # One ticket per call; None for tickets that arrive by another channel.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="phone")
    topic: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(
        String(20), default=TicketStatus.BARU.value, index=True
    )
    # E.164, or None when the caller ID was withheld.
    caller_number: Mapped[str | None] = mapped_column(String(20), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deadlines in working days from the topic's targets; see tickets.calendar.
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # First status change or reply by an officer.
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the ticket last became resolved or closed; None while it is open.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignee: Mapped[Agent | None] = relationship(lazy="joined")
    flags: Mapped[list[TicketFlag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TicketFlag.created_at"
    )

    @property
    def flag_kinds(self) -> list[str]:
        return [flag.kind for flag in self.flags]

    def __repr__(self) -> str:
        return f"<Ticket {self.reference} {self.status}>"


class TicketFlag(Base):
    __tablename__ = "ticket_flags"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    detail: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketEvent(Base):
    """One line of a ticket's history: what happened, who did it, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    # "system" or the agent id as a string.
    actor: Mapped[str] = mapped_column(String(40), default="system")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
