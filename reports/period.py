"""Periods of the trend views: the office's weeks and months, bucketed in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

from tickets.calendar import office_midnight

WEEK = "week"
MONTH = "month"
GRANULARITIES = (WEEK, MONTH)
# WIB is UTC+7 all year (Indonesia has no daylight saving time), so shifting UTC
# timestamps by 7 hours gives the office's local time on both databases.
OFFICE_UTC_OFFSET_HOURS = 7


@dataclass(frozen=True)
class Period:
    """Days first to last, both inclusive and in WIB, counted by week or month."""

    first: date
    last: date
    granularity: str

    @property
    def start(self) -> datetime:
        """Return the period's first instant, in UTC."""
        return office_midnight(self.first)

    @property
    def end(self) -> datetime:
        """Return the instant after the period's last day, in UTC."""
        return office_midnight(self.last + timedelta(days=1))

    def buckets(self) -> list[date]:
        """Return the first day of every week (Monday) or month the period touches."""
        day = bucket_of(self.first, self.granularity)
        buckets = []
        while day <= self.last:
            buckets.append(day)
            day = next_bucket(day, self.granularity)

        return buckets


def bucket_of(day: date, granularity: str) -> date:
    if granularity == WEEK:
        return day - timedelta(days=day.weekday())

    return day.replace(day=1)


def next_bucket(day: date, granularity: str) -> date:
    if granularity == WEEK:
        return day + timedelta(days=7)

    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def bucket_expression(session: Session, column: Any, granularity: str) -> Any:
    """Return SQL for the first local day of the week or month of a UTC timestamp."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone("Asia/Jakarta", column)
        return func.date_trunc(granularity, local)

    shift = f"+{OFFICE_UTC_OFFSET_HOURS} hours"
    if granularity == WEEK:
        # "weekday 0" moves forward to Sunday (or stays on one), so 6 days back is the
        # Monday that starts the ISO week.
        return func.date(column, shift, "weekday 0", "-6 days")

    return func.strftime("%Y-%m-01", column, shift)


def bucket_value(value: date | datetime | str) -> date:
    """Return the date of a bucket from PostgreSQL (a datetime) or SQLite (text)."""
    if isinstance(value, datetime):
        return value.date()

    if isinstance(value, date):
        return value

    return date.fromisoformat(value[:10])


def seconds_between(session: Session, start: Any, end: Any) -> Any:
    """Return SQL for the seconds from start to end."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)

    return (func.julianday(end) - func.julianday(start)) * 86400.0
