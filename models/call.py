"""Phone calls as Twilio reports them, one row per CallSid."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, UTCDateTime


class CallStatus(enum.StrEnum):
    """Twilio's CallStatus values, in the order a call moves through them."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"

    @property
    def rank(self) -> int:
        """Position in the call's life; every final status shares the highest rank."""
        return {"queued": 0, "ringing": 1, "in-progress": 2}.get(self.value, 3)


class IvrStep(enum.StrEnum):
    """A caller's step in the hotline's menu, listed in the order the flow moves."""

    GREETING = "greeting"
    MENU = "menu"
    RECORDING = "recording"
    RECORDED = "recorded"

    @property
    def rank(self) -> int:
        return list(IvrStep).index(self)


class Call(TimestampMixin, Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    # The From parameter exactly as Twilio sent it ("anonymous" and the like included).
    from_raw: Mapped[str] = mapped_column(String(64), default="")
    # From in E.164, or None when withheld or not a valid number.
    caller_number: Mapped[str | None] = mapped_column(String(20), index=True)
    to_number: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default=CallStatus.RINGING.value)
    status_rank: Mapped[int] = mapped_column(Integer, default=1)
    ivr_step: Mapped[str] = mapped_column(String(20), default=IvrStep.GREETING.value)
    ivr_step_rank: Mapped[int] = mapped_column(Integer, default=0)
    # Topic key chosen in the menu.
    topic: Mapped[str | None] = mapped_column(String(40))
    # Indexed for the dashboard's calls of today and calls still in the menu.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<Call {self.call_sid} {self.status}>"
