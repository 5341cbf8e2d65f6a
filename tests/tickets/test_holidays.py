"""Holidays entered in the workspace: they join the file's, move open tickets'
deadlines, and removing one moves them back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from models import AuditEntry, Call, Holiday, Ticket, db
from tests.reports.seed import add_ticket, wib
from tickets.calendar import get_calendar
from tickets.exceptions import HolidayError
from tickets.holidays import add_holiday, list_holidays, remove_holiday
from tickets.service import deadlines

# Tuesday 1 December 2026; 3 working days later is Friday 4 December.
ARRIVAL = wib(2026, 12, 1, 9)


def ticket_dues(ticket_id: int) -> tuple[object, object]:
    with db.session_scope() as session:
        ticket = session.get(Ticket, ticket_id)
        return ticket.first_response_due, ticket.resolution_due


def add_ticket_with_deadlines(status: str = "baru") -> int:
    with db.session_scope() as session:
        due = deadlines(session, "ktp_el", ARRIVAL)
    ticket_id = add_ticket(ARRIVAL, status=status)
    with db.session_scope() as session:
        ticket = session.get(Ticket, ticket_id)
        ticket.first_response_due = due["first_response_due"]
        ticket.resolution_due = due["resolution_due"]
    return ticket_id


def test_holiday_moves_open_deadlines(app: Flask) -> None:
    open_id = add_ticket_with_deadlines()
    closed_id = add_ticket_with_deadlines(status="ditutup")
    before = ticket_dues(open_id)

    with db.session_scope() as session:
        moved = add_holiday(session, date(2026, 12, 3), "Cuti bersama", actor_id=None)

    assert moved == 1
    after = ticket_dues(open_id)
    # Thursday is now a holiday: the first response is due a working day later.
    assert after[0] == wib(2026, 12, 8, 0, 0)
    assert after[0] != before[0]
    assert after[1] > before[1]
    assert ticket_dues(closed_id) == before
    assert not get_calendar().is_working_day(date(2026, 12, 3))

    with db.session_scope() as session:
        moved_back = remove_holiday(session, date(2026, 12, 3), actor_id=None)

    assert moved_back == 1
    assert ticket_dues(open_id) == before
    assert get_calendar().is_working_day(date(2026, 12, 3))


def test_holiday_before_arrival_moves_nothing(app: Flask) -> None:
    ticket_id = add_ticket_with_deadlines()
    before = ticket_dues(ticket_id)

    with db.session_scope() as session:
        moved = add_holiday(session, date(2026, 11, 30), "Libur daerah", actor_id=None)

    assert moved == 0
    assert ticket_dues(ticket_id) == before


def test_holiday_changes_are_audited(app: Flask) -> None:
    with db.session_scope() as session:
        add_holiday(session, date(2026, 12, 3), "Cuti bersama", actor_id=None)
        remove_holiday(session, date(2026, 12, 3), actor_id=None)

    with db.session_scope() as session:
        actions = list(
            session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
        )
        details = list(
            session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id))
        )
    assert actions == ["holiday_added", "holiday_removed"]
    assert details[0]["day"] == "2026-12-03"
    assert details[0]["name"] == "Cuti bersama"


def test_duplicate_and_file_holidays_rejected(app: Flask) -> None:
    with db.session_scope() as session:
        add_holiday(session, date(2026, 12, 3), "Cuti bersama", actor_id=None)

    with db.session_scope() as session, pytest.raises(HolidayError):
        add_holiday(session, date(2026, 12, 3), "Lagi", actor_id=None)

    # Christmas comes from tickets/holidays.toml.
    with db.session_scope() as session, pytest.raises(HolidayError):
        add_holiday(session, date(2026, 12, 25), "Natal", actor_id=None)

    with db.session_scope() as session, pytest.raises(HolidayError):
        remove_holiday(session, date(2026, 12, 25), actor_id=None)

    with db.session_scope() as session, pytest.raises(HolidayError):
        add_holiday(session, date(2026, 12, 4), " ", actor_id=None)


def test_list_merges_file_and_table(app: Flask) -> None:
    with db.session_scope() as session:
        add_holiday(session, date(2026, 12, 24), "Cuti bersama Natal", actor_id=None)

    with db.session_scope() as session:
        holidays = list_holidays(session, 2026)
        stored = session.scalars(select(Holiday)).all()

    assert (date(2026, 12, 24), "Cuti bersama Natal", True) in holidays
    assert (date(2026, 12, 25), "Hari Raya Natal", False) in holidays
    assert [day for day, _, _ in holidays] == sorted(day for day, _, _ in holidays)
    assert len(stored) == 1


def test_removed_holiday_no_longer_counts(app: Flask) -> None:
    """Another process removed a holiday this process had read before."""
    ticket_id = add_ticket_with_deadlines()
    before = ticket_dues(ticket_id)
    with db.session_scope() as session:
        session.add(Holiday(day=date(2026, 12, 3), name="Cuti bersama"))
    assert not get_calendar().is_working_day(date(2026, 12, 3))
    with db.session_scope() as session:
        session.delete(session.get(Holiday, date(2026, 12, 3)))

    with db.session_scope() as session:
        add_holiday(session, date(2026, 12, 10), "Libur daerah", actor_id=None)

    # Only the new holiday, after the first-response deadline, counts.
    first_response, resolution = ticket_dues(ticket_id)
    assert first_response == before[0]
    assert resolution > before[1]


def test_new_ticket_counts_holiday_at_once(app: Flask) -> None:
    """A ticket opened just after another process entered a holiday counts it."""
    assert get_calendar().is_working_day(date(2026, 12, 3))
    with db.session_scope() as session:
        session.add(Holiday(day=date(2026, 12, 3), name="Cuti bersama"))

    with db.session_scope() as session:
        due = deadlines(session, "ktp_el", ARRIVAL)

    assert due["first_response_due"] == wib(2026, 12, 8, 0, 0)


def test_weekend_holiday_moves_nothing(app: Flask) -> None:
    ticket_id = add_ticket_with_deadlines()
    before = ticket_dues(ticket_id)

    with db.session_scope() as session:
        moved = add_holiday(session, date(2026, 12, 5), "Sabtu", actor_id=None)

    assert moved == 0
    assert ticket_dues(ticket_id) == before


def test_call_across_midnight_keeps_deadlines(app: Flask) -> None:
    """Deadlines count from the ticket's creation, also when a holiday moves them,
    whenever its call started."""
    started = wib(2026, 12, 3, 23, 59)
    created = wib(2026, 12, 4, 0, 0) + timedelta(seconds=30)
    with db.session_scope() as session:
        call = Call(call_sid="CA" + "5" * 32, started_at=started)
        session.add(call)
        session.flush()
        due = deadlines(session, "ktp_el", created)
        ticket = Ticket(
            reference="12345674",
            topic="ktp_el",
            call_id=call.id,
            created_at=created,
            **due,
        )
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id

    before = ticket_dues(ticket_id)
    with db.session_scope() as session:
        add_holiday(session, date(2026, 12, 15), "Cuti bersama", actor_id=None)
    with db.session_scope() as session:
        remove_holiday(session, date(2026, 12, 15), actor_id=None)

    assert ticket_dues(ticket_id) == before
