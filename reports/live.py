"""The live state of the desk: calls on the line, work behind them, officers' load.

Each part is a few aggregate queries on indexed columns; see docs/benchmarks.md for
their timings on 100,000 tickets.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.registry import StartedJobRegistry
from rq.worker import Worker
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models import (
    Agent,
    Call,
    Recording,
    RecordingStatus,
    Ticket,
    TicketStatus,
    Transcript,
)
from models.call import IvrStep
from queue_workers.failures import FailedJob, failed_jobs
from queue_workers.worker import WORKER_MODELS_KEY
from tickets.calendar import (
    DUE_SOON_DAYS,
    OFFICE_ZONE,
    get_holiday_calendar,
    office_midnight,
)

logger = logging.getLogger(__name__)

# A call with no final status after this long lost its status callback, so it is no
# longer counted as on the line. Recordings last at most RECORD_MAX_LENGTH (3 min).
ACTIVE_CALL_WINDOW = timedelta(hours=1)
# Window of the mean transcription real-time factor.
REAL_TIME_FACTOR_WINDOW = timedelta(hours=1)
# Failed jobs listed with their error; the count covers all of them.
FAILED_JOBS_SHOWN = 20
# A worker that published its state this long ago and is not registered with RQ
# has died.
MODEL_LOAD_GRACE = timedelta(minutes=10)


@dataclass
class CallsNow:
    in_menu: int = 0
    recording: int = 0
    # Complaint recorded; the caller hears the ticket reference before hanging up.
    hearing_reference: int = 0
    today: int = 0
    today_with_ticket: int = 0
    today_without_complaint: int = 0


@dataclass
class WorkerState:
    name: str
    state: str
    model: str | None
    model_loaded: bool
    current_job: str | None
    pid: int | None
    last_heartbeat: datetime | None


@dataclass
class Backlog:
    recordings_waiting: int = 0
    oldest_waiting_seconds: float | None = None
    jobs_queued: int = 0
    jobs_running: int = 0
    failed_total: int = 0
    failed: list[FailedJob] = field(default_factory=list)
    workers: list[WorkerState] = field(default_factory=list)
    real_time_factor: float | None = None
    transcripts_last_hour: int = 0
    # Set when Redis could not be read; the job and worker figures are then missing.
    redis_error: str | None = None


@dataclass
class OfficerLoad:
    agent_id: int | None
    name: str
    open: int
    overdue: int
    due_soon: int


@dataclass
class Officers:
    unassigned: int = 0
    overdue: int = 0
    due_soon: int = 0
    open: int = 0
    per_officer: list[OfficerLoad] = field(default_factory=list)


@dataclass
class LiveSnapshot:
    generated_at: datetime
    calls: CallsNow
    backlog: Backlog
    officers: Officers

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def live_snapshot(
    session: Session, redis: Redis, config: dict[str, Any], now: datetime
) -> LiveSnapshot:
    """Read the whole live view: database_snapshot, then add_queue_figures."""
    snapshot = database_snapshot(session, now)
    add_queue_figures(snapshot.backlog, redis, config, now)
    return snapshot


def database_snapshot(session: Session, now: datetime) -> LiveSnapshot:
    """Read the live view's figures that come from the database."""
    return LiveSnapshot(
        generated_at=now,
        calls=calls_now(session, now),
        backlog=backlog(session, now),
        officers=officers(session, now, due_soon_before(session, now)),
    )


def due_soon_before(session: Session, now: datetime) -> datetime:
    """Return the end of the next working day. A deadline at or before it is near,
    as the officers' queue marks it."""
    return get_holiday_calendar().read(session).deadline(now, DUE_SOON_DAYS)


def calls_now(session: Session, now: datetime) -> CallsNow:
    """Count the calls on the line by menu step, and today's calls by outcome."""
    counts = CallsNow()
    on_line = session.execute(
        select(Call.ivr_step, func.count())
        .where(Call.started_at >= now - ACTIVE_CALL_WINDOW, Call.status_rank < 3)
        .group_by(Call.ivr_step)
    ).all()
    for step, count in on_line:
        if step in (IvrStep.GREETING, IvrStep.MENU):
            counts.in_menu += count
        elif step == IvrStep.RECORDING:
            counts.recording += count
        else:
            counts.hearing_reference += count

    ended = Call.status_rank >= 3
    has_ticket = Ticket.id.is_not(None)
    today, with_ticket, without = session.execute(
        select(
            func.count(Call.id),
            func.count(Ticket.id),
            func.coalesce(func.sum(case((and_(ended, ~has_ticket), 1), else_=0)), 0),
        )
        .select_from(Call)
        .outerjoin(Ticket, Ticket.call_id == Call.id)
        .where(Call.started_at >= office_midnight(now.astimezone(OFFICE_ZONE).date()))
    ).one()
    counts.today = today
    counts.today_with_ticket = with_ticket
    counts.today_without_complaint = without
    return counts


def deadline_reached_by(moment: datetime) -> Any:
    """Open tickets whose resolution deadline, or first-response deadline while no
    response was made, is at or before moment."""
    # Each comparison is guarded against NULL deadlines, so that the condition is false
    # and not unknown for tickets without one; NOT of it must be true for them.
    return and_(
        Ticket.status.in_(TicketStatus.open_values()),
        or_(
            and_(
                Ticket.resolution_due.is_not(None),
                Ticket.resolution_due <= moment,
            ),
            and_(
                Ticket.first_responded_at.is_(None),
                Ticket.first_response_due.is_not(None),
                Ticket.first_response_due <= moment,
            ),
        ),
    )


def officers(session: Session, now: datetime, soon: datetime) -> Officers:
    """Count open, overdue and due-soon tickets per officer, and the unassigned ones.

    A deadline at or before soon counts as near, and the overdue tickets are not
    counted again as near.
    """
    overdue = deadline_reached_by(now)
    due_soon = and_(~overdue, deadline_reached_by(soon))
    rows = session.execute(
        select(
            Ticket.assignee_id,
            func.count(),
            func.sum(case((overdue, 1), else_=0)),
            func.sum(case((due_soon, 1), else_=0)),
        )
        .where(Ticket.status.in_(TicketStatus.open_values()))
        .group_by(Ticket.assignee_id)
    ).all()
    agents = session.execute(
        select(Agent.id, Agent.name, Agent.active).order_by(Agent.name)
    ).all()

    result = Officers()
    loads = {
        row[0]: OfficerLoad(row[0], "", row[1], row[2] or 0, row[3] or 0)
        for row in rows
    }
    for agent_id, load in loads.items():
        result.open += load.open
        result.overdue += load.overdue
        result.due_soon += load.due_soon
        if agent_id is None:
            result.unassigned = load.open

    for agent_id, name, active in agents:
        load = loads.get(agent_id) or OfficerLoad(agent_id, "", 0, 0, 0)
        # An inactive officer is listed only while tickets still wait on them.
        if active or load.open:
            load.name = name
            result.per_officer.append(load)

    result.per_officer.sort(key=lambda load: (-load.overdue, -load.open, load.name))
    return result


def backlog(session: Session, now: datetime) -> Backlog:
    """Collect the transcription backlog and speed from the database."""
    result = Backlog()
    waiting, oldest = session.execute(
        select(func.count(), func.min(Recording.created_at)).where(
            Recording.status.in_(RecordingStatus.open_values())
        )
    ).one()
    result.recordings_waiting = waiting
    if oldest is not None:
        result.oldest_waiting_seconds = max((now - oldest).total_seconds(), 0.0)

    mean, count = session.execute(
        select(func.avg(Transcript.real_time_factor), func.count()).where(
            Transcript.created_at >= now - REAL_TIME_FACTOR_WINDOW,
            Transcript.real_time_factor.is_not(None),
        )
    ).one()
    result.real_time_factor = float(mean) if mean is not None else None
    result.transcripts_last_hour = count
    return result


def add_queue_figures(
    result: Backlog, redis: Redis, config: dict[str, Any], now: datetime
) -> None:
    """Add the jobs and workers from Redis; a Redis error is noted in result and
    leaves the database figures in place."""
    queues = [config["MESSAGING_QUEUE"], config["TRANSCRIPTION_QUEUE"]]
    try:
        read_jobs(redis, queues, result)
        result.workers = worker_states(redis, now)
    except RedisError as e:
        logger.warning("dashboard could not read Redis error=%s", e)
        result.redis_error = str(e)


def read_jobs(redis: Redis, queues: list[str], result: Backlog) -> None:
    for name in queues:
        result.jobs_queued += Queue(name, connection=redis).count
        result.jobs_running += StartedJobRegistry(name, connection=redis).count

    result.failed_total, result.failed = failed_jobs(redis, queues, FAILED_JOBS_SHOWN)


def worker_states(redis: Redis, now: datetime) -> list[WorkerState]:
    """Return each hotline worker with its model state, from the workers' hash and
    RQ's worker registry. A worker whose RQ key expired has died and is left out."""
    published: dict[str, dict[str, Any]] = {}
    for name, raw in redis.hgetall(WORKER_MODELS_KEY).items():
        key = name.decode() if isinstance(name, bytes) else name
        published[key] = json.loads(raw)

    states: list[WorkerState] = []
    for worker in Worker.all(connection=redis):
        info = published.pop(worker.name, {})
        states.append(
            WorkerState(
                name=worker.name,
                state=worker.get_state(),
                model=info.get("model"),
                model_loaded=bool(info.get("model")),
                current_job=worker.get_current_job_id(),
                pid=info.get("pid") or worker.pid,
                last_heartbeat=worker.last_heartbeat,
            )
        )

    # Workers loading their model, or about to start, have not registered with RQ
    # yet. Older entries belong to workers killed without cleaning up, and are
    # removed.
    dead = []
    for name, info in published.items():
        since = info.get("published_at")
        if since and now - datetime.fromisoformat(since) < MODEL_LOAD_GRACE:
            model = info.get("model")
            state = "started" if model else "loading"
            states.append(
                WorkerState(
                    name, state, model, bool(model), None, info.get("pid"), None
                )
            )
        else:
            dead.append(name)

    if dead:
        redis.hdel(WORKER_MODELS_KEY, *dead)
        logger.info("dead workers removed from %s: %s", WORKER_MODELS_KEY, dead)

    states.sort(key=lambda state: state.name)
    return states
