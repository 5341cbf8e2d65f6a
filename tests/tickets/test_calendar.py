"""Working days: weekends and holidays skipped, arrival day not counted, WIB days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tickets.calendar import (
    DEFAULT_HOLIDAYS_FILE,
    HolidaysFileError,
    WorkingCalendar,
    load_holidays,
)

PLAIN = WorkingCalendar()
# 17 August 2026 is a Monday.
INDEPENDENCE_DAY = date(2026, 8, 17)
WITH_HOLIDAY = WorkingCalendar(frozenset({INDEPENDENCE_DAY}))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 12, 7), 1, date(2026, 12, 8)),  # Monday -> Tuesday
        (date(2026, 12, 11), 1, date(2026, 12, 14)),  # Friday -> Monday
        (date(2026, 12, 12), 1, date(2026, 12, 14)),  # Saturday -> Monday
        (date(2026, 12, 7), 10, date(2026, 12, 21)),  # two weeks
        (date(2026, 12, 7), 0, date(2026, 12, 7)),
    ],
)
def test_weekends_are_skipped(start: date, days: int, expected: date) -> None:
    assert PLAIN.add_working_days(start, days) == expected


def test_holiday_is_skipped() -> None:
    # Friday 14 August + 1 working day: Monday 17 is a holiday, so Tuesday 18.
    assert WITH_HOLIDAY.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)
    assert not WITH_HOLIDAY.is_working_day(INDEPENDENCE_DAY)
    assert PLAIN.is_working_day(INDEPENDENCE_DAY)


def test_friday_evening_ticket_is_due_end_of_wednesday() -> None:
    # 19:30 WIB on Friday 11 December 2026 is 12:30 UTC.
    received = datetime(2026, 12, 11, 12, 30, tzinfo=UTC)

    due = PLAIN.deadline(received, 3)

    # Midnight WIB ending Wednesday 16 December = 17:00 UTC that Wednesday.
    assert due == datetime(2026, 12, 16, 17, 0, tzinfo=UTC)


def test_late_utc_time_is_next_day_in_wib() -> None:
    # 18:00 UTC on Sunday is 01:00 WIB on Monday: the arrival day is Monday.
    received = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)

    assert PLAIN.deadline(received, 1) == datetime(2026, 12, 8, 17, 0, tzinfo=UTC)


def test_deadline_crosses_year_boundary() -> None:
    calendar = load_holidays(DEFAULT_HOLIDAYS_FILE)
    # Wednesday 30 December 2026; 1 January 2027 is a holiday, then a weekend.
    received = datetime(2026, 12, 30, 3, 0, tzinfo=UTC)

    assert calendar.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
    assert calendar.deadline(received, 2) == datetime(2027, 1, 4, 17, 0, tzinfo=UTC)


def test_working_days_left() -> None:
    received = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday morning WIB
    due = PLAIN.deadline(received, 3)  # end of Thursday 10 December

    assert PLAIN.working_days_left(datetime(2026, 12, 7, 3, 0, tzinfo=UTC), due) == 3
    assert PLAIN.working_days_left(datetime(2026, 12, 10, 3, 0, tzinfo=UTC), due) == 0
    assert PLAIN.working_days_left(datetime(2026, 12, 11, 3, 0, tzinfo=UTC), due) == -1


def test_negative_days_are_rejected() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        PLAIN.add_working_days(date(2026, 12, 7), -1)


def test_shipped_holidays_are_read() -> None:
    calendar = load_holidays(DEFAULT_HOLIDAYS_FILE)

    assert date(2026, 8, 17) in calendar.holidays
    assert date(2027, 12, 25) in calendar.holidays


def test_invalid_holiday_names_entry(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text('[[holiday]]\ndate = "17 Agustus"\nname = "Kemerdekaan"\n')

    with pytest.raises(HolidaysFileError, match="YYYY-MM-DD"):
        load_holidays(path)
