"""Steps of transcribing one recording: claim, download, decode, transcribe, store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from models import (
    Recording,
    RecordingStatus,
    TicketEvent,
    Transcript,
    db,
    insert_ignore,
)
from queue_workers.download import download_recording
from queue_workers.runtime import get_model
from speech import (
    EmptyAudioError,
    UnreadableAudioError,
    is_silent,
    transcribe_file,
)
from tickets.service import flag_ticket

logger = logging.getLogger(__name__)

EXTENSIONS = {
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/ogg": ".ogg",
    "audio/opus": ".ogg",
}


@dataclass(frozen=True)
class RecordingWork:
    """Recording fields a job needs, copied out of the session that claimed it."""

    recording_id: int
    recording_sid: str
    url: str
    ticket_id: int | None
    local_path: str | None
    created_year_month: str

    @classmethod
    def claim(cls, session: Session, recording_id: int) -> RecordingWork | None:
        """Mark the recording processing and return it, or None if it is finished."""
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise LookupError(f"Recording {recording_id} does not exist.")

        if recording.status not in RecordingStatus.open_values():
            return None

        recording.status = RecordingStatus.PROCESSING.value
        recording.attempts += 1
        return cls(
            recording_id=recording.id,
            recording_sid=recording.recording_sid,
            url=recording.url,
            ticket_id=recording.ticket_id,
            local_path=recording.local_path,
            created_year_month=recording.created_at.strftime("%Y/%m"),
        )


@dataclass
class Outcome:
    status: str
    flags: list[str] = field(default_factory=list)
    detail: str = ""
    transcript: dict[str, Any] | None = None
    audio_format: str | None = None


def download_if_missing(work: RecordingWork, config: dict[str, Any]) -> Path:
    """Return the recording's local file, downloading it unless an earlier try did."""
    root = Path(config["RECORDINGS_DIR"])
    if work.local_path and (root / work.local_path).is_file():
        return root / work.local_path

    relative = Path(work.created_year_month) / work.recording_sid
    size, content_type = download_recording(
        work.url, root / relative, config, work.recording_sid
    )
    extension = EXTENSIONS.get(content_type.split(";")[0].strip().lower(), "")
    final = relative.with_suffix(extension) if extension else relative
    if final != relative:
        (root / relative).replace(root / final)

    with db.session_scope() as session:
        session.execute(
            update(Recording)
            .where(Recording.id == work.recording_id)
            .values(
                local_path=str(final), size_bytes=size, content_type=content_type[:100]
            )
        )

    return root / final


def transcribe_work(work: RecordingWork, path: Path, config: dict[str, Any]) -> Outcome:
    """Decode and transcribe path; audio problems become flags, not exceptions."""
    model = get_model(config["VOSK_MODEL_PATH"])
    try:
        decoded, transcript = transcribe_file(model, path)
    except EmptyAudioError as e:
        return Outcome(RecordingStatus.FLAGGED.value, ["no_audio"], str(e))
    except UnreadableAudioError as e:
        return Outcome(RecordingStatus.FLAGGED.value, ["unreadable_audio"], str(e))

    flags = []
    if decoded.truncated:
        flags.append("truncated_audio")

    if is_silent(decoded) or not transcript.words:
        flags.append("no_speech")

    status = RecordingStatus.TRANSCRIBED.value
    if "no_speech" in flags:
        status = RecordingStatus.FLAGGED.value

    return Outcome(
        status,
        flags,
        transcript=transcript.to_dict(),
        audio_format=decoded.source_format,
    )


def store_outcome(session: Session, work: RecordingWork, outcome: Outcome) -> None:
    """Store the transcript and flags on the ticket and finish the recording."""
    session.execute(
        update(Recording)
        .where(Recording.id == work.recording_id)
        .values(
            status=outcome.status,
            error=outcome.detail or None,
            audio_format=outcome.audio_format,
        )
    )
    if work.ticket_id is None:
        logger.warning("recording has no ticket recording_sid=%s", work.recording_sid)
        return

    if outcome.transcript is not None:
        store_transcript(session, work, outcome.transcript)

    for flag in outcome.flags:
        flag_ticket(session, work.ticket_id, flag, outcome.detail)


def store_transcript(
    session: Session, work: RecordingWork, transcript: dict[str, Any]
) -> None:
    assert work.ticket_id is not None
    inserted = insert_ignore(
        session,
        Transcript,
        {
            "ticket_id": work.ticket_id,
            "recording_id": work.recording_id,
            "text": transcript["text"],
            "words": transcript["words"],
            "confidence": transcript["confidence"],
            "audio_seconds": transcript["audio_seconds"],
            "decode_seconds": transcript["decode_seconds"],
            "real_time_factor": transcript["real_time_factor"],
            "model_name": transcript["model_name"],
        },
        conflict=["recording_id"],
    )
    if inserted:
        session.add(
            TicketEvent(
                ticket_id=work.ticket_id,
                kind="transcribed",
                detail={
                    "recording_sid": work.recording_sid,
                    "words": len(transcript["words"]),
                },
            )
        )
