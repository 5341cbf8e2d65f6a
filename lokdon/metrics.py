"""Prometheus metrics at /metrics: the latency of each Twilio webhook, and the state of
calls, recordings, tickets and queues, read from the database and Redis at scrape time.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from time import perf_counter

from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError
from rq.registry import FailedJobRegistry
from rq.worker import Worker
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models import (
    Call,
    CallStatus,
    Ticket,
    TicketStatus,
    db,
)
from models.base import utcnow
from queue_workers.worker import WORKER_MODELS_KEY
from reports.live import backlog

logger = logging.getLogger(__name__)

# Blueprints whose requests come from Twilio and are timed.
WEBHOOK_BLUEPRINTS = ("ivr", "messaging")
# Twilio gives a webhook 15 s in all, and most respond in a few milliseconds.
WEBHOOK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# When this environment variable names a folder, prometheus_client keeps every process's
# samples in files there, and a scrape adds them up.
MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@dataclass
class HotlineMetrics:
    """The metrics of one app. registry is None in multiprocess mode, where each scrape
    builds a registry from the files of every process."""

    registry: CollectorRegistry | None
    webhook_duration: Histogram
    state_collectors: tuple[Collector, ...]


def init_app(app: Flask) -> None:
    """Time the webhooks and serve /metrics, per process or across gunicorn workers."""
    state_collectors = (DatabaseCollector(), RedisCollector(app))
    multiprocess = bool(os.environ.get(MULTIPROC_DIR_VARIABLE))
    registry = None if multiprocess else CollectorRegistry()
    webhook_duration = Histogram(
        "lokdon_webhook_request_duration_seconds",
        "Time to answer a Twilio webhook, by Flask endpoint and status class.",
        ["route", "status"],
        buckets=WEBHOOK_BUCKETS,
        registry=registry,
    )
    if registry is not None:
        for collector in state_collectors:
            registry.register(collector)

    app.extensions["lokdon.metrics"] = HotlineMetrics(
        registry, webhook_duration, state_collectors
    )
    app.before_request(start_webhook_timer)
    app.after_request(observe_webhook_duration)
    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
    logger.info("metrics enabled multiprocess=%s", multiprocess)


def start_webhook_timer() -> None:
    if request.blueprint in WEBHOOK_BLUEPRINTS:
        g.webhook_started = perf_counter()


def observe_webhook_duration(response: Response) -> Response:
    """Record the time since start_webhook_timer, also for 4xx and 5xx responses."""
    started = g.pop("webhook_started", None)
    if started is None:
        return response

    metrics_of_app: HotlineMetrics = current_app.extensions["lokdon.metrics"]
    status_class = f"{response.status_code // 100}xx"
    metrics_of_app.webhook_duration.labels(request.endpoint, status_class).observe(
        perf_counter() - started
    )
    return response


def metrics() -> Response:
    """Serve the metrics; a bearer token is required when METRICS_TOKEN is set."""
    token = current_app.config.get("METRICS_TOKEN", "")
    if token and not bearer_token_matches(request.headers.get("Authorization"), token):
        return Response(
            "A valid bearer token is required; send Authorization: Bearer "
            "<METRICS_TOKEN>.\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )

    metrics_of_app: HotlineMetrics = current_app.extensions["lokdon.metrics"]
    registry = metrics_of_app.registry or multiprocess_registry(metrics_of_app)
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(registry), content_type=content_type)


def bearer_token_matches(authorization: str | None, token: str) -> bool:
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False

    return hmac.compare_digest(presented.strip().encode(), token.encode())


def multiprocess_registry(metrics_of_app: HotlineMetrics) -> CollectorRegistry:
    """Build a registry that sums the files of every process and reads the database
    and Redis once, in the process serving the scrape."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    for collector in metrics_of_app.state_collectors:
        registry.register(collector)

    return registry


class DatabaseCollector(Collector):
    """Calls, recordings, tickets and transcription speed, from four aggregate queries
    on a session of its own, never the request's."""

    def __init__(self) -> None:
        self.was_up = True

    def collect(self) -> Iterator[Metric]:
        try:
            with db.session() as session:
                families = database_families(session)
        except SQLAlchemyError as e:
            log_source_down(self, "database", e)
            yield up_gauge("database", False)
            return

        log_source_up(self, "database")
        yield up_gauge("database", True)
        yield from families


class RedisCollector(Collector):
    """Failed jobs per queue and live workers, from the app's Redis client."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.was_up = True

    def collect(self) -> Iterator[Metric]:
        redis: Redis = self.app.extensions["lokdon.redis"]
        queues = (
            self.app.config["TRANSCRIPTION_QUEUE"],
            self.app.config["MESSAGING_QUEUE"],
        )
        try:
            failures = {
                queue: FailedJobRegistry(queue, connection=redis).count
                for queue in queues
            }
            workers = count_live_workers(redis)
        except RedisError as e:
            log_source_down(self, "redis", e)
            yield up_gauge("redis", False)
            return

        log_source_up(self, "redis")
        yield up_gauge("redis", True)

        failed_jobs = GaugeMetricFamily(
            "lokdon_job_failures",
            "Jobs in the RQ failed job registry of each queue.",
            labels=["queue"],
        )
        for queue, count in failures.items():
            failed_jobs.add_metric([queue], count)

        yield failed_jobs
        yield GaugeMetricFamily(
            "lokdon_workers",
            "Workers that published their model state and are alive in RQ.",
            value=workers,
        )


def count_live_workers(redis: Redis) -> int:
    """Count the workers in WORKER_MODELS_KEY whose RQ worker key still exists.

    A worker killed with SIGKILL never removes its entry from the hash, but RQ's key
    for it expires with its heartbeat.
    """
    # The hash keys are bytes unless the client was made with decode_responses=True.
    names = [
        name.decode() if isinstance(name, bytes) else name
        for name in redis.hkeys(WORKER_MODELS_KEY)
    ]
    if not names:
        return 0

    pipeline = redis.pipeline(transaction=False)
    for name in names:
        pipeline.exists(Worker.redis_worker_namespace_prefix + name)

    return sum(1 for exists in pipeline.execute() if exists)


def database_families(session: Session) -> list[Metric]:
    return [
        calls_family(session),
        *backlog_families(session),
        tickets_family(session),
    ]


def calls_family(session: Session) -> Metric:
    """Calls by outcome: ticket, no_complaint (ended without one), in_progress."""
    has_ticket = Ticket.id.is_not(None)
    rows = session.execute(
        select(Call.status, has_ticket, func.count())
        .select_from(Call)
        .outerjoin(Ticket, Ticket.call_id == Call.id)
        .group_by(Call.status, has_ticket)
    ).all()

    final_statuses = {status.value for status in CallStatus if status.rank == 3}
    counts = {"ticket": 0, "no_complaint": 0, "in_progress": 0}
    for status, ticket_exists, count in rows:
        if ticket_exists:
            counts["ticket"] += count
        elif status in final_statuses:
            counts["no_complaint"] += count
        else:
            counts["in_progress"] += count

    family = GaugeMetricFamily(
        "lokdon_calls",
        "Calls recorded in the database, by outcome.",
        labels=["outcome"],
    )
    for outcome, count in counts.items():
        family.add_metric([outcome], count)

    return family


def backlog_families(session: Session) -> list[Metric]:
    """Return the waiting recordings, the oldest one's age and, when the last hour has
    transcripts, their mean real-time factor: the live view's backlog figures."""
    figures = backlog(session, utcnow())
    families: list[Metric] = [
        GaugeMetricFamily(
            "lokdon_recordings_waiting",
            "Recordings pending, queued or processing, without a transcript yet.",
            value=figures.recordings_waiting,
        ),
        GaugeMetricFamily(
            "lokdon_recording_oldest_waiting_seconds",
            "Age of the oldest waiting recording since it was stored; 0 when none.",
            value=figures.oldest_waiting_seconds or 0.0,
        ),
    ]
    if figures.real_time_factor is not None:
        families.append(
            GaugeMetricFamily(
                "lokdon_transcription_real_time_factor",
                "Mean decode seconds per audio second of the last hour's transcripts.",
                value=figures.real_time_factor,
            )
        )

    return families


def tickets_family(session: Session) -> Metric:
    """Tickets by status; every known status is exported, with 0 when it has none."""
    counts = dict.fromkeys((status.value for status in TicketStatus), 0)
    rows = session.execute(
        select(Ticket.status, func.count()).group_by(Ticket.status)
    ).all()
    for status, count in rows:
        counts[status] = count

    family = GaugeMetricFamily(
        "lokdon_tickets", "Tickets in the database, by status.", labels=["status"]
    )
    for status, count in counts.items():
        family.add_metric([status], count)

    return family


def up_gauge(source: str, up: bool) -> Metric:
    return GaugeMetricFamily(
        f"lokdon_{source}_up",
        f"1 when the last scrape could read the {source}, 0 when it failed.",
        value=1 if up else 0,
    )


def log_source_down(
    collector: DatabaseCollector | RedisCollector, source: str, error: Exception
) -> None:
    # A warning when the source goes down, then debug lines, so that a scrape every
    # few seconds does not flood the log.
    level = logging.WARNING if collector.was_up else logging.DEBUG
    logger.log(level, "metrics scrape could not read source=%s error=%s", source, error)
    collector.was_up = False


def log_source_up(collector: DatabaseCollector | RedisCollector, source: str) -> None:
    if not collector.was_up:
        logger.info("metrics scrape can read source=%s again", source)

    collector.was_up = True
