"""Enqueueing of jobs, with ids derived from Twilio SIDs; Redis failures leave rows
pending.
"""

from __future__ import annotations

import logging
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from sqlalchemy.orm import Session

from models import Message, Recording, RecordingStatus
from models.base import utcnow

logger = logging.getLogger(__name__)

# How long RQ keeps a failed job for inspection and retry from the dashboard, in
# seconds.
FAILURE_TTL = 7 * 24 * 3600
# Job states in which a job will still run; anything else means it needs enqueueing
# again.
LIVE_JOB_STATES = {
    JobStatus.QUEUED,
    JobStatus.STARTED,
    JobStatus.DEFERRED,
    JobStatus.SCHEDULED,
}


def transcription_job_id(recording_sid: str) -> str:
    return f"transcribe-{recording_sid}"


def message_job_id(message_id: int) -> str:
    return f"send-message-{message_id}"


def transcription_timeout(config: dict[str, Any], duration_seconds: int | None) -> int:
    """Return the job timeout in seconds: a fixed part plus a part per audio second."""
    duration = duration_seconds if duration_seconds and duration_seconds > 0 else 0
    # An unknown duration gets the timeout of a recording of the maximum length.
    duration = duration or config["RECORD_MAX_LENGTH"]
    per_second = config["TRANSCRIBE_TIMEOUT_PER_AUDIO_SECOND"]
    return int(config["TRANSCRIBE_TIMEOUT_BASE"] + per_second * duration)


def job_is_live(redis: Redis, job_id: str) -> bool:
    """Return whether job_id is queued, running or scheduled in Redis."""
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        return False

    return job.get_status(refresh=False) in LIVE_JOB_STATES


def forget_failure(redis: Redis, queue: Queue, job_id: str) -> None:
    """Take a job id enqueued again off the failed list, where an earlier run of it
    (a worker that died, say) may have left it."""
    FailedJobRegistry(queue.name, connection=redis).remove(job_id)


def enqueue_transcription(
    session: Session, redis: Redis, config: dict[str, Any], recording: Recording
) -> bool:
    """Enqueue the transcription of recording and mark it queued; False if Redis failed.

    The caller commits the session. When Redis is unreachable the recording stays
    pending and the reconciler enqueues it later.
    """
    job_id = transcription_job_id(recording.recording_sid)
    queue = Queue(config["TRANSCRIPTION_QUEUE"], connection=redis)
    try:
        # Enqueueing a job id that is still queued would put it in the queue twice.
        if not job_is_live(redis, job_id):
            queue.enqueue(
                "queue_workers.jobs.transcribe_recording",
                recording.id,
                job_id=job_id,
                job_timeout=transcription_timeout(config, recording.duration_seconds),
                failure_ttl=FAILURE_TTL,
                retry=Retry(max=3, interval=[30, 120, 600]),
                description=f"transcribe recording {recording.recording_sid}",
            )
            forget_failure(redis, queue, job_id)
    except RedisError as e:
        logger.warning(
            "could not enqueue transcription recording_sid=%s error=%s; "
            "left pending for the reconciler",
            recording.recording_sid,
            e,
        )
        return False

    recording.status = RecordingStatus.QUEUED.value
    recording.job_id = job_id
    recording.enqueued_at = utcnow()
    logger.info(
        "transcription enqueued recording_sid=%s job_id=%s",
        recording.recording_sid,
        job_id,
    )
    return True


def enqueue_message(
    session: Session, redis: Redis, config: dict[str, Any], message: Message
) -> bool:
    """Enqueue sending message and mark it queued for sending; False if Redis failed."""
    job_id = message_job_id(message.id)
    queue = Queue(config["MESSAGING_QUEUE"], connection=redis)
    try:
        queue.enqueue(
            "queue_workers.jobs.send_message",
            message.id,
            job_id=job_id,
            job_timeout=60,
            failure_ttl=FAILURE_TTL,
            retry=Retry(max=4, interval=[10, 60, 300, 1800]),
            description=f"send message {message.id} of ticket {message.ticket_id}",
        )
        forget_failure(redis, queue, job_id)
    except RedisError as e:
        logger.warning(
            "could not enqueue message message_id=%s error=%s; "
            "left pending for the reconciler",
            message.id,
            e,
        )
        return False

    logger.info("message enqueued message_id=%s job_id=%s", message.id, job_id)
    return True
