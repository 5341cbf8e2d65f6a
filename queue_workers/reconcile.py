"""The reconciler: finds recordings and messages whose job was never enqueued or lost.

The database is the source of truth. A row that is still open in the database but has no
live job in Redis is enqueued again. That happens when Redis was down at the webhook, a
worker was killed, or Redis lost its data. A row that has used up its attempts is marked
failed, and a recording's ticket is flagged for a human.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Message, MessageStatus, Recording, RecordingStatus
from models.base import utcnow
from queue_workers.enqueue import (
    enqueue_message,
    enqueue_transcription,
    job_is_live,
    message_job_id,
    transcription_job_id,
)
from tickets.service import flag_ticket

logger = logging.getLogger(__name__)

# Rows looked at per pass; the rest wait for the next pass.
BATCH_SIZE = 500


@dataclass
class ReconcileReport:
    recordings_enqueued: int = 0
    recordings_failed: int = 0
    messages_enqueued: int = 0
    messages_failed: int = 0

    @property
    def changed(self) -> bool:
        return any(vars(self).values())


def reconcile(
    session: Session, redis: Redis, config: dict[str, Any], now: datetime | None = None
) -> ReconcileReport:
    """Re-enqueue open recordings and messages without a live job; commit as it goes."""
    report = ReconcileReport()
    cutoff = (now or utcnow()) - timedelta(seconds=config["RECONCILE_GRACE"])
    try:
        reconcile_recordings(session, redis, config, cutoff, report)
        reconcile_messages(session, redis, config, cutoff, report)
    except RedisError as e:
        session.rollback()
        logger.warning("reconciler stopped: Redis unavailable error=%s", e)
        return report

    if report.changed:
        logger.info(
            "reconciler pass recordings_enqueued=%s recordings_failed=%s "
            "messages_enqueued=%s messages_failed=%s",
            report.recordings_enqueued,
            report.recordings_failed,
            report.messages_enqueued,
            report.messages_failed,
        )

    return report


def reconcile_recordings(
    session: Session,
    redis: Redis,
    config: dict[str, Any],
    cutoff: datetime,
    report: ReconcileReport,
) -> None:
    recordings = session.scalars(
        select(Recording)
        .where(
            Recording.status.in_(RecordingStatus.open_values()),
            Recording.updated_at < cutoff,
        )
        .order_by(Recording.id)
        .limit(BATCH_SIZE)
    ).all()
    for recording in recordings:
        if job_is_live(redis, transcription_job_id(recording.recording_sid)):
            continue

        if recording.attempts >= config["TRANSCRIBE_MAX_ATTEMPTS"]:
            recording.status = RecordingStatus.FAILED.value
            recording.error = f"gave up after {recording.attempts} attempts"
            if recording.ticket_id is not None:
                flag_ticket(
                    session,
                    recording.ticket_id,
                    "transcription_failed",
                    recording.error,
                )
            report.recordings_failed += 1
        elif enqueue_transcription(session, redis, config, recording):
            report.recordings_enqueued += 1

        session.commit()


def reconcile_messages(
    session: Session,
    redis: Redis,
    config: dict[str, Any],
    cutoff: datetime,
    report: ReconcileReport,
) -> None:
    messages = session.scalars(
        select(Message)
        .where(
            Message.status.in_(
                [MessageStatus.PENDING.value, MessageStatus.SENDING.value]
            ),
            Message.message_sid.is_(None),
            Message.updated_at < cutoff,
        )
        .order_by(Message.id)
        .limit(BATCH_SIZE)
    ).all()
    for message in messages:
        if job_is_live(redis, message_job_id(message.id)):
            continue

        if message.attempts >= config["SMS_MAX_ATTEMPTS"]:
            message.status = MessageStatus.FAILED.value
            message.error = f"gave up after {message.attempts} attempts"
            report.messages_failed += 1
        elif enqueue_message(session, redis, config, message):
            message.updated_at = utcnow()
            report.messages_enqueued += 1

        session.commit()
