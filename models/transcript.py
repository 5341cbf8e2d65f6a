"""Machine transcripts of recordings, with Vosk's word timings and confidences."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin


class Transcript(TimestampMixin, Base):
    __tablename__ = "transcripts"
    # The dashboard averages the real-time factor of the last hour's transcripts.
    __table_args__ = (Index("ix_transcripts_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    # One machine transcript per recording; a retried job finds it and stops.
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # [{"word": ..., "start": s, "end": s, "conf": 0..1}, ...] as Vosk returns them.
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    audio_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    decode_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    real_time_factor: Mapped[float | None] = mapped_column(Float)
    model_name: Mapped[str] = mapped_column(String(120), default="")

    def __repr__(self) -> str:
        return f"<Transcript {self.id} ticket={self.ticket_id}>"
