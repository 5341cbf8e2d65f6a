"""Trends: weekly and monthly buckets in WIB, opened against resolved, medians and
the share resolved within the deadline, per topic and per officer."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask

from models import Ticket, db
from reports.period import MONTH, WEEK, Period
from reports.trends import compute_trends
from tests.reports.seed import add_ticket, wib
from tests.web.helpers import add_officer

TOPICS = {"ktp_el": "KTP-el", "kk": "Kartu Keluarga", "akta": "Akta"}


def trends_of(period: Period, *conditions: object) -> object:
    with db.session_scope() as session:
        return compute_trends(session, period, list(conditions), TOPICS)


def test_weeks_start_monday_in_wib(app: Flask) -> None:
    # Sunday 23:30 WIB is still Sunday 16:30 UTC; Monday 00:30 WIB is Sunday 17:30
    # UTC. Only the office's clock decides the week.
    add_ticket(wib(2026, 11, 29, 23, 30))
    add_ticket(wib(2026, 11, 30, 0, 30))
    add_ticket(wib(2026, 11, 30, 9, 0))

    trends = trends_of(Period(date(2026, 11, 23), date(2026, 12, 6), WEEK))

    assert [row.key for row in trends.buckets] == [
        date(2026, 11, 23),
        date(2026, 11, 30),
    ]
    assert [row.opened for row in trends.buckets] == [1, 2]
    assert trends.total.opened == 3


def test_months_follow_wib_midnight(app: Flask) -> None:
    add_ticket(wib(2026, 11, 30, 23, 59))
    add_ticket(wib(2026, 12, 1, 0, 1))

    trends = trends_of(Period(date(2026, 11, 1), date(2026, 12, 31), MONTH))

    assert [row.key for row in trends.buckets] == [date(2026, 11, 1), date(2026, 12, 1)]
    assert [row.opened for row in trends.buckets] == [1, 1]


def test_period_excludes_tickets_outside(app: Flask) -> None:
    add_ticket(wib(2026, 10, 31, 23, 59))
    add_ticket(wib(2026, 11, 1, 0, 0))
    add_ticket(wib(2026, 11, 30, 23, 59))
    add_ticket(wib(2026, 12, 1, 0, 0))

    trends = trends_of(Period(date(2026, 11, 1), date(2026, 11, 30), MONTH))

    assert trends.total.opened == 2


def test_opened_per_topic_per_week(app: Flask) -> None:
    monday = wib(2026, 11, 2)
    for _ in range(3):
        add_ticket(monday, topic="ktp_el")
    add_ticket(monday, topic="kk")
    add_ticket(monday + timedelta(days=7), topic="kk")

    trends = trends_of(Period(date(2026, 11, 2), date(2026, 11, 15), WEEK))

    assert trends.opened_by_topic == {"ktp_el": [3, 0], "kk": [1, 1]}
    assert list(trends.opened_by_topic) == ["ktp_el", "kk"]


def test_resolved_counts_in_week_resolved(app: Flask) -> None:
    # Opened in the first week, resolved in the second: it counts as opened in the
    # first and resolved in the second.
    add_ticket(wib(2026, 11, 2), resolved_after=timedelta(days=8))

    trends = trends_of(Period(date(2026, 11, 2), date(2026, 11, 15), WEEK))

    assert [row.opened for row in trends.buckets] == [1, 0]
    assert [row.resolved for row in trends.buckets] == [0, 1]


def test_median_and_share_within_deadline(app: Flask) -> None:
    monday = wib(2026, 11, 2)
    for days in (1, 2, 4, 20):
        add_ticket(monday, resolved_after=timedelta(days=days))
    add_ticket(monday, resolved_after=timedelta(days=1), due_after=None)
    add_ticket(monday)

    trends = trends_of(Period(date(2026, 11, 2), date(2026, 12, 31), MONTH))
    total = trends.total

    assert total.opened == 6
    assert total.resolved == 5
    assert total.median_days is not None
    assert abs(total.median_days - 2.0) < 1e-6
    # One of four tickets with a deadline (14 days) took 20 days.
    assert total.with_deadline == 4
    assert total.within_deadline == 3
    assert total.within_share == 0.75


def test_per_officer_and_per_topic(app: Flask) -> None:
    siti = add_officer()
    budi = add_officer("budi@disdukcapil.example", name="Budi Santoso")
    monday = wib(2026, 11, 2)
    add_ticket(monday, assignee_id=siti, resolved_after=timedelta(days=1))
    add_ticket(monday, assignee_id=siti, resolved_after=timedelta(days=3))
    add_ticket(monday, assignee_id=budi, topic="kk", resolved_after=timedelta(days=30))
    add_ticket(monday, topic="akta")

    trends = trends_of(Period(date(2026, 11, 1), date(2026, 12, 31), MONTH))
    officers = {row.label: row for row in trends.per_officer}
    topics = {row.key: row for row in trends.per_topic}

    assert officers["Siti Rahmawati"].resolved == 2
    assert officers["Siti Rahmawati"].median_days == 2.0
    assert officers["Siti Rahmawati"].within_share == 1.0
    assert officers["Budi Santoso"].within_share == 0.0
    assert officers[""].opened == 1
    assert topics["kk"].label == "Kartu Keluarga"
    assert topics["akta"].resolved == 0
    assert topics["akta"].median_days is None
    assert topics["ktp_el"].opened == 2


def test_conditions_filter_trends(app: Flask) -> None:
    siti = add_officer()
    monday = wib(2026, 11, 2)
    add_ticket(monday, assignee_id=siti)
    add_ticket(monday, topic="kk")

    trends = trends_of(
        Period(date(2026, 11, 1), date(2026, 11, 30), MONTH), Ticket.assignee_id == siti
    )

    assert trends.total.opened == 1
    assert list(trends.opened_by_topic) == ["ktp_el"]


def test_empty_period_has_zero_buckets(app: Flask) -> None:
    trends = trends_of(Period(date(2026, 1, 1), date(2026, 3, 31), MONTH))

    assert [row.opened for row in trends.buckets] == [0, 0, 0]
    assert trends.total.opened == 0
    assert trends.total.median_days is None
    assert trends.per_topic == []
