"""Failed jobs as the dashboard lists them, and the supervisors' retry of one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import (
    AuditEntry,
    Message,
    MessageStatus,
    Recording,
    RecordingStatus,
    TicketEvent,
    TicketFlag,
    db,
)
from queue_workers.enqueue import enqueue_message, enqueue_transcription
from queue_workers.exceptions import JobRetryError

logger = logging.getLogger(__name__)

TRANSCRIBE_FUNCTION = "queue_workers.jobs.transcribe_recording"
SEND_MESSAGE_FUNCTION = "queue_workers.jobs.send_message"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
            # A job enqueued again under the same id is no longer a failure.
            if job is not None and job.get_status(refresh=False) == JobStatus.FAILED:
                listed.append(describe_failure(job, queue))

    # RQ leaves ended_at unset on a job it failed because its worker died.
    listed.sort(key=lambda failure: failure.ended_at or EPOCH, reverse=True)
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
    redis: Redis, config: dict[str, Any], job_id: str, actor_id: int
) -> str:
    """Run a failed job again, with an audit entry, and return its queue.

    Transcriptions and messages reopen their database row, commit it, and are then
    enqueued afresh with their full retry budget, as the webhooks do. Any other job is
    requeued as it is.
    """
    job = fetch_failed_job(redis, config, job_id)
    registry = FailedJobRegistry(job.origin, connection=redis)
    if job.func_name not in (TRANSCRIBE_FUNCTION, SEND_MESSAGE_FUNCTION):
        try:
            registry.requeue(job)
        except InvalidJobOperation as e:
            raise JobRetryError(f"Job {job_id} was retried already.") from e

        audit_retry(job, actor_id)
        return job.origin

    # Only the request that takes the job off the failed list retries it, so a double
    # click or two supervisors at once run it once.
    score = redis.zscore(registry.key, job.id)
    if score is None or not redis.zrem(registry.key, job.id):
        raise JobRetryError(f"Job {job_id} was retried already.")

    try:
        with db.session_scope() as session:
            needs_job = reopen_row(session, job, actor_id)
            session.add(retry_audit_entry(job, actor_id))
    except BaseException:
        # Back on the failed list, so that it can be retried once the cause is fixed.
        redis.zadd(registry.key, {job.id: score})
        raise

    if needs_job:
        enqueue_row(redis, config, job)

    logger.info(
        "failed job retried job_id=%s queue=%s by=%s", job_id, job.origin, actor_id
    )
    return job.origin


def fetch_failed_job(redis: Redis, config: dict[str, Any], job_id: str) -> Job:
    queues = (config["TRANSCRIPTION_QUEUE"], config["MESSAGING_QUEUE"])
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError as e:
        raise JobRetryError(
            f"Job {job_id} no longer exists; failed jobs expire after their "
            "failure_ttl, and a retried one leaves the failed list."
        ) from e

    registry = FailedJobRegistry(job.origin, connection=redis)
    if job.origin not in queues or job_id not in registry.get_job_ids():
        raise JobRetryError(f"Job {job_id} is not in the failed jobs of {job.origin}.")

    return job


def reopen_row(session: Session, job: Job, actor_id: int) -> bool:
    """Reopen the recording or message of a failed job; return whether it needs a
    job, which is False when it was finished meanwhile."""
    if job.func_name == TRANSCRIBE_FUNCTION:
        return reopen_recording(session, job.args[0], actor_id)

    return reopen_message(session, job.args[0])


def enqueue_row(redis: Redis, config: dict[str, Any], job: Job) -> None:
    """Enqueue the reopened row's job; when Redis fails the row stays pending and the
    reconciler enqueues it."""
    with db.session_scope() as session:
        if job.func_name == TRANSCRIBE_FUNCTION:
            recording = session.get(Recording, job.args[0])
            if recording is not None:
                enqueue_transcription(session, redis, config, recording)
        else:
            message = session.get(Message, job.args[0])
            if message is not None:
                enqueue_message(session, redis, config, message)


def retry_audit_entry(job: Job, actor_id: int) -> AuditEntry:
    return AuditEntry(
        agent_id=actor_id,
        action="job_retried",
        detail={"job_id": job.id, "queue": job.origin},
    )


def audit_retry(job: Job, actor_id: int) -> None:
    with db.session_scope() as session:
        session.add(retry_audit_entry(job, actor_id))


def reopen_recording(session: Session, recording_id: int, actor_id: int) -> bool:
    """Make a failed recording pending again and lift its ticket's failure flag."""
    recording = session.get(Recording, recording_id, with_for_update=True)
    if recording is None:
        raise JobRetryError(f"Recording {recording_id} of the job does not exist.")

    if recording.status in (RecordingStatus.TRANSCRIBED, RecordingStatus.FLAGGED):
        return False

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

    return True


def reopen_message(session: Session, message_id: int) -> bool:
    message = session.get(Message, message_id, with_for_update=True)
    if message is None:
        raise JobRetryError(f"Message {message_id} of the job does not exist.")

    if message.message_sid is not None:
        return False

    message.status = MessageStatus.PENDING.value
    message.attempts = 0
    message.error = None
    return True
