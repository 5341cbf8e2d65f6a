"""Trends of a period: tickets opened per topic, opened against resolved, time to
resolve and the share resolved within the deadline, over time, per topic and per
officer.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func, null, select
from sqlalchemy.orm import Session

from models import Agent, Ticket
from reports.period import Period, bucket_expression, bucket_value, seconds_between


@dataclass
class GroupFigures:
    """The figures of one topic, one officer, one bucket of time, or the whole period.

    opened counts tickets opened in the period; the others count tickets resolved in
    it, whenever they were opened.
    """

    key: Any
    label: str
    opened: int = 0
    resolved: int = 0
    # Resolved tickets that had a resolution deadline, and those resolved by it.
    with_deadline: int = 0
    within_deadline: int = 0
    median_seconds: float | None = None

    @property
    def within_share(self) -> float | None:
        if not self.with_deadline:
            return None

        return self.within_deadline / self.with_deadline

    @property
    def median_days(self) -> float | None:
        if self.median_seconds is None:
            return None

        return self.median_seconds / 86400


@dataclass
class Trends:
    period: Period
    buckets: list[GroupFigures]
    # Tickets opened per topic key, one count per bucket.
    opened_by_topic: dict[str, list[int]]
    per_topic: list[GroupFigures]
    per_officer: list[GroupFigures]
    total: GroupFigures = field(default_factory=lambda: GroupFigures(None, ""))


def compute_trends(
    session: Session,
    period: Period,
    conditions: list[ColumnElement[bool]],
    topic_names: dict[str, str],
) -> Trends:
    """Compute the trends of the tickets matching conditions (topic, officer) in
    period."""
    buckets = {day: GroupFigures(day, day.isoformat()) for day in period.buckets()}
    opened_by_topic: dict[str, list[int]] = {}
    index = {day: position for position, day in enumerate(buckets)}
    opened_bucket = bucket_expression(session, Ticket.created_at, period.granularity)
    opened_rows = session.execute(
        select(opened_bucket, Ticket.topic, func.count())
        .where(*conditions, *opened_in(period))
        .group_by(opened_bucket, Ticket.topic)
    ).all()
    for raw_bucket, topic, count in opened_rows:
        day = bucket_value(raw_bucket)
        counts = opened_by_topic.setdefault(topic, [0] * len(buckets))
        counts[index[day]] += count
        buckets[day].opened += count

    resolved_bucket = bucket_expression(session, Ticket.resolved_at, period.granularity)
    for raw_bucket, resolution in resolutions(
        session, period, conditions, resolved_bucket
    ).items():
        apply_resolution(buckets[bucket_value(raw_bucket)], resolution)

    per_topic = group_figures(session, period, conditions, Ticket.topic)
    for figures in per_topic:
        figures.label = topic_names.get(figures.key, figures.key)

    per_officer = group_figures(session, period, conditions, Ticket.assignee_id)
    names = {row.id: row.name for row in session.execute(select(Agent.id, Agent.name))}
    for figures in per_officer:
        figures.label = names.get(figures.key, "") if figures.key is not None else ""

    totals = group_figures(session, period, conditions, None)
    ordered_topics = sorted(opened_by_topic, key=lambda key: -sum(opened_by_topic[key]))
    return Trends(
        period=period,
        buckets=list(buckets.values()),
        opened_by_topic={key: opened_by_topic[key] for key in ordered_topics},
        per_topic=sorted(per_topic, key=lambda row: (-row.opened, row.label)),
        per_officer=sorted(per_officer, key=lambda row: (-row.resolved, row.label)),
        total=totals[0] if totals else GroupFigures(None, ""),
    )


def opened_in(period: Period) -> list[ColumnElement[bool]]:
    return [Ticket.created_at >= period.start, Ticket.created_at < period.end]


def resolved_in(period: Period) -> list[ColumnElement[bool]]:
    return [Ticket.resolved_at >= period.start, Ticket.resolved_at < period.end]


@dataclass
class Resolution:
    resolved: int
    with_deadline: int
    within_deadline: int
    median_seconds: float | None


def resolutions(
    session: Session,
    period: Period,
    conditions: list[ColumnElement[bool]],
    key: Any,
) -> dict[Any, Resolution]:
    """Return the tickets resolved in period per value of key (a column or SQL
    expression; None makes one group keyed None).

    PostgreSQL computes the median with percentile_cont in the same scan. SQLite has
    no percentile function, so its durations are fetched and the median taken here.
    """
    where = [*conditions, *resolved_in(period)]
    grouped = key if key is not None else null()
    with_deadline = func.count(Ticket.resolution_due)
    within = func.coalesce(
        func.sum(case((Ticket.resolved_at <= Ticket.resolution_due, 1), else_=0)), 0
    )
    duration = seconds_between(session, Ticket.created_at, Ticket.resolved_at)
    postgresql = session.get_bind().dialect.name == "postgresql"
    columns = [func.count(), with_deadline, within]
    if postgresql:
        columns.append(func.percentile_cont(0.5).within_group(duration))

    statement = select(grouped, *columns).where(*where)
    if key is not None:
        statement = statement.group_by(key)

    result: dict[Any, Resolution] = {}
    for value, count, deadline_count, within_count, *median in session.execute(
        statement
    ):
        if count:
            seconds = float(median[0]) if median and median[0] is not None else None
            result[value] = Resolution(count, deadline_count, within_count, seconds)

    if not postgresql:
        durations: dict[Any, list[float]] = defaultdict(list)
        for value, seconds in session.execute(select(grouped, duration).where(*where)):
            durations[value].append(float(seconds))

        for value, values in durations.items():
            result[value].median_seconds = statistics.median(values)

    return result


def apply_resolution(figures: GroupFigures, resolution: Resolution) -> None:
    figures.resolved = resolution.resolved
    figures.with_deadline = resolution.with_deadline
    figures.within_deadline = resolution.within_deadline
    figures.median_seconds = resolution.median_seconds


def group_figures(
    session: Session,
    period: Period,
    conditions: list[ColumnElement[bool]],
    key: Any,
) -> list[GroupFigures]:
    """Return the figures per value of key (a column), or one row for the whole
    period when key is None."""
    figures: dict[Any, GroupFigures] = {}
    opened = select(key if key is not None else null(), func.count()).where(
        *conditions, *opened_in(period)
    )
    if key is not None:
        opened = opened.group_by(key)

    for value, count in session.execute(opened):
        if count:
            figures.setdefault(value, GroupFigures(value, "")).opened = count

    for value, resolution in resolutions(session, period, conditions, key).items():
        apply_resolution(figures.setdefault(value, GroupFigures(value, "")), resolution)

    if key is None and not figures:
        return [GroupFigures(None, "")]

    return list(figures.values())
