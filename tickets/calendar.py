"""Indonesian working days: Monday to Friday, minus the office's holidays.

A deadline of N working days ends at midnight (WIB) after the Nth working day that
follows the day the ticket arrived. The arrival day never counts, whatever the hour, so
a complaint phoned in on Friday evening with 3 working days is due at the end of
Wednesday.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models import Holiday, db
from tickets.exceptions import TicketError

logger = logging.getLogger(__name__)

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
    table), read again from the database at most every refresh_seconds.

    A process that adds or removes a holiday calls invalidate(); other processes see the
    change within refresh_seconds.
    """

    def __init__(self, file_holidays: dict[date, str], refresh_seconds: float) -> None:
        self.file_holidays = file_holidays
        self.refresh_seconds = refresh_seconds
        self._calendar = WorkingCalendar(frozenset(file_holidays))
        self._loaded_at: float | None = None
        self._lock = threading.Lock()

    def current(self, session: Session | None = None) -> WorkingCalendar:
        """Return the calendar, reading the table again once refresh_seconds passed.

        Pass the caller's session when it holds a transaction: on SQLite a second
        connection would wait for that transaction's write lock.
        """
        with self._lock:
            expired = (
                self._loaded_at is None
                or monotonic() - self._loaded_at >= self.refresh_seconds
            )
            if expired:
                self._calendar = self._load(session)
                self._loaded_at = monotonic()

            return self._calendar

    def read(self, session: Session) -> WorkingCalendar:
        """Return the calendar from the table as read in session now, bypassing the
        cache. Stored deadlines use it, because they must not lag behind a change."""
        entered = set(session.scalars(select(Holiday.day)))
        return WorkingCalendar(frozenset(self.file_holidays) | entered)

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None

    def _load(self, session: Session | None) -> WorkingCalendar:
        try:
            if session is not None:
                entered = set(session.scalars(select(Holiday.day)))
            else:
                with db.session() as own_session:
                    entered = set(own_session.scalars(select(Holiday.day)))
        except SQLAlchemyError as e:
            # Deadlines still count the file's holidays and the last ones read.
            logger.warning("holidays table unreadable, using the last read error=%s", e)
            return self._calendar

        return WorkingCalendar(frozenset(self.file_holidays) | entered)


def init_app(app: Flask) -> None:
    path = Path(app.config["HOLIDAYS_FILE"] or DEFAULT_HOLIDAYS_FILE)
    app.extensions["lokdon.calendar"] = HolidayCalendar(
        read_holidays_file(path), app.config["HOLIDAYS_REFRESH_SECONDS"]
    )


def get_holiday_calendar() -> HolidayCalendar:
    return current_app.extensions["lokdon.calendar"]


def get_calendar(session: Session | None = None) -> WorkingCalendar:
    """Return the current app's working-day calendar: weekends, file and table."""
    return get_holiday_calendar().current(session)
