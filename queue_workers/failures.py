"""Failed jobs as the dashboard lists them, and the supervisors' retry of one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import (
    Message,
    MessageStatus,
    Recording,
    RecordingStatus,
    TicketEvent,
    TicketFlag,
)
from queue_workers.enqueue import enqueue_message, enqueue_transcription
from queue_workers.exceptions import JobRetryError

logger = logging.getLogger(__name__)

TRANSCRIBE_FUNCTION = "queue_workers.jobs.transcribe_recording"
SEND_MESSAGE_FUNCTION = "queue_workers.jobs.send_message"


@dataclass(frozen=True)
class FailedJob:
    job_id: str
    queue: str
    description: str
    ended_at: datetime | None
    # The last line of the traceback: the exception and its message.
    error: str


def failed_jobs(
    redis: Redis, queues: list[str], limit: int
) -> tuple[int, list[FailedJob]]:
    """Return how many jobs failed in queues and the latest limit of them, newest
    first."""
    total = 0
    listed: list[FailedJob] = []
    for queue in queues:
        registry = FailedJobRegistry(queue, connection=redis)
        total += registry.count
        job_ids = registry.get_job_ids(0, limit - 1, desc=True)
        for job in Job.fetch_many(job_ids, connection=redis):
            if job is not None:
                listed.append(describe_failure(job, queue))

    listed.sort(key=lambda failure: failure.ended_at or datetime.min, reverse=True)
    return total, listed[:limit]


def describe_failure(job: Job, queue: str) -> FailedJob:
    result = job.latest_result()
    traceback = (result.exc_string if result is not None else None) or ""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return FailedJob(
        job_id=job.id,
        queue=queue,
        description=job.description or job.func_name or job.id,
        ended_at=job.ended_at,
        error=lines[-1].strip() if lines else "",
    )


def retry_failed_job(
    session: Session, redis: Redis, config: dict[str, Any], job_id: str, actor_id: int
) -> str:
    """Run a failed job again and return its queue.

    Transcriptions and messages reopen their database row and are enqueued afresh with
    their full retry budget, so the reconciler and the workers see them as new work.
    Any other job is requeued as it is.
    """
    queues = [config["TRANSCRIPTION_QUEUE"], config["MESSAGING_QUEUE"]]
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError as e:
        raise JobRetryError(
            f"Job {job_id} no longer exists; failed jobs expire after their "
            "failure_ttl, and a retried one leaves the failed list."
        ) from e

    queue = job.origin
    registry = FailedJobRegistry(queue, connection=redis)
    if queue not in queues or job_id not in registry.get_job_ids():
        raise JobRetryError(f"Job {job_id} is not in the failed jobs of {queue}.")

    if job.func_name == TRANSCRIBE_FUNCTION:
        recording = reopen_recording(session, job.args[0], actor_id)
        registry.remove(job, delete_job=True)
        enqueue_transcription(session, redis, config, recording)
    elif job.func_name == SEND_MESSAGE_FUNCTION:
        message = reopen_message(session, job.args[0])
        registry.remove(job, delete_job=True)
        enqueue_message(session, redis, config, message)
    else:
        try:
            registry.requeue(job)
        except InvalidJobOperation as e:
            raise JobRetryError(f"Job {job_id} was retried already.") from e

    logger.info("failed job retried job_id=%s queue=%s by=%s", job_id, queue, actor_id)
    return queue


def reopen_recording(session: Session, recording_id: int, actor_id: int) -> Recording:
    """Make a failed recording pending again and lift its ticket's failure flag."""
    recording = session.get(Recording, recording_id, with_for_update=True)
    if recording is None:
        raise JobRetryError(f"Recording {recording_id} of the job does not exist.")

    recording.status = RecordingStatus.PENDING.value
    recording.attempts = 0
    recording.error = None
    if recording.ticket_id is not None:
        session.execute(
            delete(TicketFlag).where(
                TicketFlag.ticket_id == recording.ticket_id,
                TicketFlag.kind == "transcription_failed",
            )
        )
        session.add(
            TicketEvent(
                ticket_id=recording.ticket_id,
                kind="retried",
                actor=str(actor_id),
                detail={"recording_sid": recording.recording_sid},
            )
        )

    return recording


def reopen_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id, with_for_update=True)
    if message is None:
        raise JobRetryError(f"Message {message_id} of the job does not exist.")

    if message.message_sid is None:
        message.status = MessageStatus.PENDING.value
        message.attempts = 0
        message.error = None

    return message
