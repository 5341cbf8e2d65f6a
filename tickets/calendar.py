"""Indonesian working days: Monday to Friday, minus the office's holidays.

A deadline of N working days ends at midnight (WIB) after the Nth working day that
follows the day the ticket arrived. The arrival day never counts, whatever the hour, so
a complaint phoned in on Friday evening with 3 working days is due at the end of
Wednesday.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Holiday, db
from tickets.exceptions import TicketError

# The office's time zone: Pekanbaru is in Western Indonesia Time (WIB, UTC+7).
OFFICE_ZONE = ZoneInfo("Asia/Jakarta")
DEFAULT_HOLIDAYS_FILE = Path(__file__).with_name("holidays.toml")
# Working days left at which a deadline counts as near: the last day and the one before.
DUE_SOON_DAYS = 1


class HolidaysFileError(TicketError):
    """The holidays file is missing, unreadable or has an invalid entry."""


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """Return the days-th working day after start (start itself is not counted)."""
        if days < 0:
            raise ValueError(f"days must be zero or more, not {days}")

        day = start
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1

        return day

    def deadline(self, received_at: datetime, days: int) -> datetime:
        """Return, in UTC, the midnight WIB that ends the days-th working day after
        the local day of received_at."""
        local_day = received_at.astimezone(OFFICE_ZONE).date()
        last_day = self.add_working_days(local_day, days)
        end = datetime.combine(last_day + timedelta(days=1), time.min, OFFICE_ZONE)
        return end.astimezone(UTC)

    def working_days_left(self, now: datetime, deadline: datetime) -> int:
        """Count the working days from now's local day up to the deadline's last day;
        0 on the last day, negative once the deadline has passed."""
        today = now.astimezone(OFFICE_ZONE).date()
        last_day = (deadline.astimezone(OFFICE_ZONE) - timedelta(seconds=1)).date()
        if now >= deadline:
            return -max(self.count_between(last_day, today), 1)

        return self.count_between(today, last_day)

    def count_between(self, start: date, end: date) -> int:
        """Count working days after start up to and including end."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)

        return count


def office_midnight(day: date) -> datetime:
    """Return the start of day in WIB as a UTC time, the zone stored in the database."""
    return datetime.combine(day, time.min, OFFICE_ZONE).astimezone(UTC)


def last_minute(deadline: datetime) -> datetime:
    """Return, in WIB, the last minute a deadline allows: a deadline at midnight, as
    WorkingCalendar.deadline sets them, ends at 23:59 of the day before."""
    local = deadline.astimezone(OFFICE_ZONE)
    if local.time() == time.min:
        local -= timedelta(minutes=1)

    return local


def read_holidays_file(path: Path) -> dict[date, str]:
    """Read a holidays file: [[holiday]] entries with a TOML date and a name."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise HolidaysFileError(f"Cannot read holidays file {path}: {e}") from e

    holidays: dict[date, str] = {}
    for entry in data.get("holiday", []):
        day = entry.get("date")
        if not isinstance(day, date) or isinstance(day, datetime):
            raise HolidaysFileError(
                f"{path}: holiday {entry!r} needs date = YYYY-MM-DD (a TOML date)."
            )

        holidays[day] = str(entry.get("name", ""))

    return holidays


def load_holidays(path: Path) -> WorkingCalendar:
    """Return the calendar of the holidays in a holidays file."""
    return WorkingCalendar(frozenset(read_holidays_file(path)))


class HolidayCalendar:
    """The holidays file plus the holidays entered in the workspace (the holidays
    table), which is read on each use: a holiday entered in one process counts in
    every other at once, and the table is small."""

    def __init__(self, file_holidays: dict[date, str]) -> None:
        self.file_holidays = file_holidays

    def read(self, session: Session) -> WorkingCalendar:
        """Return the calendar with the table as read in session now."""
        entered = set(session.scalars(select(Holiday.day)))
        return WorkingCalendar(frozenset(self.file_holidays) | entered)


def init_app(app: Flask) -> None:
    path = Path(app.config["HOLIDAYS_FILE"] or DEFAULT_HOLIDAYS_FILE)
    app.extensions["lokdon.calendar"] = HolidayCalendar(read_holidays_file(path))


def get_holiday_calendar() -> HolidayCalendar:
    return current_app.extensions["lokdon.calendar"]


def get_calendar(session: Session | None = None) -> WorkingCalendar:
    """Return the current app's working-day calendar: weekends, file and table.

    Pass the caller's session when it has a transaction open; without one the table is
    read in a read-only session of its own.
    """
    if session is not None:
        return get_holiday_calendar().read(session)

    with db.read_scope() as own_session:
        return get_holiday_calendar().read(own_session)
