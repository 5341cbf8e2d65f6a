"""RQ jobs. Each takes ids only and opens its own database sessions.

Their signatures are a wire format between web and worker versions: add only trailing
keyword parameters with defaults.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from rq import get_current_job
from sqlalchemy import update

from messaging.exceptions import MessageRejectedError
from messaging.sms import advance_status, deliver_message
from models import Message, MessageStatus, Recording, RecordingStatus, db
from queue_workers.exceptions import RecordingCredentialsError
from queue_workers.transcription import (
    RecordingWork,
    download_if_missing,
    store_outcome,
    transcribe_work,
)
from tickets.service import flag_ticket

logger = logging.getLogger(__name__)


def is_last_attempt() -> bool:
    """Return whether RQ will not retry the current job if it fails now."""
    job = get_current_job()
    return job is None or not job.retries_left


def stop_retrying() -> None:
    """Make RQ fail the current job for good when it raises; for errors a retry cannot
    fix.

    RQ's worker decides on a retry from retries_left of this same Job object.
    """
    job = get_current_job()
    if job is not None:
        job.retries_left = 0


def transcribe_recording(recording_id: int) -> dict[str, Any]:
    """Download, decode and transcribe one recording; store the result on its ticket."""
    config = current_app.config
    logger.info("transcription started recording_id=%s", recording_id)
    try:
        with db.session_scope() as session:
            work = RecordingWork.claim(session, recording_id)
    except LookupError:
        # The row will not come back, so a retry cannot help. A job for a missing
        # recording comes from another database sharing this Redis, or a restore.
        stop_retrying()
        logger.error(
            "transcription failed recording_id=%s: no such recording", recording_id
        )
        raise

    if work is None:
        logger.info("transcription skipped recording_id=%s: already done", recording_id)
        return {"recording_id": recording_id, "skipped": True}

    try:
        path = download_if_missing(work, config)
        outcome = transcribe_work(work, path, config)
    except RecordingCredentialsError as e:
        stop_retrying()
        give_up_recording(work, str(e))
        raise
    except Exception as e:
        if is_last_attempt():
            give_up_recording(work, str(e))
        else:
            note_recording_error(work, str(e))
        raise

    with db.session_scope() as session:
        store_outcome(session, work, outcome)

    logger.info(
        "transcription finished recording_sid=%s status=%s flags=%s",
        work.recording_sid,
        outcome.status,
        ",".join(outcome.flags) or "-",
    )
    return {
        "recording_id": recording_id,
        "status": outcome.status,
        "flags": outcome.flags,
    }


def note_recording_error(work: RecordingWork, error: str) -> None:
    with db.session_scope() as session:
        session.execute(
            update(Recording)
            .where(Recording.id == work.recording_id)
            .values(error=error[:2000])
        )


def give_up_recording(work: RecordingWork, error: str) -> None:
    """Mark the recording failed and flag its ticket, so a human takes over."""
    logger.error(
        "transcription gave up recording_sid=%s error=%s", work.recording_sid, error
    )
    with db.session_scope() as session:
        session.execute(
            update(Recording)
            .where(Recording.id == work.recording_id)
            .values(status=RecordingStatus.FAILED.value, error=error[:2000])
        )
        if work.ticket_id is not None:
            flag_ticket(session, work.ticket_id, "transcription_failed", error)


def send_message(message_id: int) -> dict[str, Any]:
    """Send one stored message through Twilio and record its MessageSid."""
    config = current_app.config
    with db.session_scope() as session:
        message = session.get(Message, message_id)
        if message is None or message.message_sid or message.status == "failed":
            logger.info("message skipped message_id=%s", message_id)
            return {"message_id": message_id, "skipped": True}

        message.status = MessageStatus.SENDING.value
        message.attempts += 1

    base = config["PUBLIC_BASE_URL"].rstrip("/")
    status_callback = f"{base}/messaging/status?message_id={message_id}" if base else ""
    try:
        created = deliver_message(message, config, status_callback)
    except MessageRejectedError as e:
        stop_retrying()
        fail_message(message_id, str(e))
        raise
    except Exception as e:
        if is_last_attempt():
            fail_message(message_id, str(e))
        raise

    with db.session_scope() as session:
        stored = session.get(Message, message_id)
        assert stored is not None
        stored.message_sid = stored.message_sid or created.sid
        stored.error = None
        advance_status(stored, created.status or MessageStatus.QUEUED.value)

    logger.info("message sent message_id=%s message_sid=%s", message_id, created.sid)
    return {"message_id": message_id, "message_sid": created.sid}


def fail_message(message_id: int, error: str) -> None:
    logger.error("message gave up message_id=%s error=%s", message_id, error)
    with db.session_scope() as session:
        session.execute(
            update(Message)
            .where(Message.id == message_id, Message.message_sid.is_(None))
            .values(status=MessageStatus.FAILED.value, error=error[:2000])
        )
