"""Recorded complaints, one row per RecordingSid, and their transcription state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, UTCDateTime


class RecordingStatus(enum.StrEnum):
    """A recording's state on its way to a transcript."""

    PENDING = "pending"  # stored, no job enqueued yet (or Redis was down)
    QUEUED = "queued"  # a transcription job was enqueued
    PROCESSING = "processing"  # a worker is downloading or transcribing it
    TRANSCRIBED = "transcribed"  # transcript stored
    FLAGGED = "flagged"  # no usable audio; the ticket carries a flag for a human
    FAILED = "failed"  # gave up (credentials rejected or attempts exhausted)

    @classmethod
    def open_values(cls) -> tuple[str, ...]:
        return (cls.PENDING.value, cls.QUEUED.value, cls.PROCESSING.value)


class Recording(TimestampMixin, Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Twilio's RecordingUrl, without a format extension.
    url: Mapped[str] = mapped_column(String(500))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(
        String(20), default=RecordingStatus.PENDING.value, index=True
    )
    # Set by the first recording status callback; later deliveries see it and stop.
    status_callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[str | None] = mapped_column(String(100))
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # Downloaded file, relative to RECORDINGS_DIR.
    local_path: Mapped[str | None] = mapped_column(String(300))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    # Container and codec the decoder found, e.g. "wav/pcm_mulaw".
    audio_format: Mapped[str | None] = mapped_column(String(60))

    def __repr__(self) -> str:
        return f"<Recording {self.recording_sid} {self.status}>"
