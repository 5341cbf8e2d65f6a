"""Holidays entered in the workspace, and the deadlines of open tickets they move."""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import AuditEntry, Holiday, Ticket, TicketStatus
from tickets.calendar import OFFICE_ZONE, WorkingCalendar, get_holiday_calendar
from tickets.exceptions import HolidayError, UnknownTopicError
from tickets.service import deadlines

logger = logging.getLogger(__name__)

# Maximum length of a holiday name, as the table stores it.
MAX_NAME_LENGTH = 120
# Open tickets updated per flush when a holiday moves their deadlines.
BATCH_SIZE = 500


def list_holidays(session: Session, year: int) -> list[tuple[date, str, bool]]:
    """Return (day, name, entered) for each holiday of year, file and table merged;
    entered is True for the ones entered in the workspace, which may be removed."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    source = get_holiday_calendar()
    rows: dict[date, tuple[date, str, bool]] = {
        day: (day, name, False)
        for day, name in source.file_holidays.items()
        if start <= day <= end
    }
    entered = session.scalars(
        select(Holiday).where(Holiday.day >= start, Holiday.day <= end)
    )
    for holiday in entered:
        rows.setdefault(holiday.day, (holiday.day, holiday.name, True))

    return [rows[day] for day in sorted(rows)]


def add_holiday(session: Session, day: date, name: str, actor_id: int | None) -> int:
    """Store a holiday and move the deadlines of the open tickets it falls in; return
    how many tickets got new deadlines."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise HolidayError(
            f"Holiday name must have 1 to {MAX_NAME_LENGTH} characters, "
            f"not {len(name)}."
        )

    source = get_holiday_calendar()
    if day in source.file_holidays or session.get(Holiday, day) is not None:
        raise HolidayError(f"{day:%Y-%m-%d} is a holiday already.")

    try:
        # A savepoint, so that a holiday added at the same moment by another
        # supervisor leaves this transaction usable on PostgreSQL.
        with session.begin_nested():
            session.add(Holiday(day=day, name=name, added_by_id=actor_id))
    except IntegrityError as e:
        raise HolidayError(f"{day:%Y-%m-%d} is a holiday already.") from e

    moved = move_deadlines(session, source.read(session), day)
    session.add(
        AuditEntry(
            agent_id=actor_id,
            action="holiday_added",
            detail={"day": day.isoformat(), "name": name, "tickets": moved},
        )
    )
    logger.info("holiday added day=%s tickets_moved=%s by=%s", day, moved, actor_id)
    return moved


def remove_holiday(session: Session, day: date, actor_id: int | None) -> int:
    """Remove a holiday entered in the workspace and move deadlines back; return how
    many tickets got new deadlines. Holidays of the file are removed from the file."""
    holiday = session.get(Holiday, day)
    if holiday is None:
        raise HolidayError(
            f"{day:%Y-%m-%d} is not a holiday entered in the workspace; holidays of "
            "the holidays file are removed from the file."
        )

    session.delete(holiday)
    session.flush()
    moved = move_deadlines(session, get_holiday_calendar().read(session), day)
    session.add(
        AuditEntry(
            agent_id=actor_id,
            action="holiday_removed",
            detail={"day": day.isoformat(), "name": holiday.name, "tickets": moved},
        )
    )
    logger.info("holiday removed day=%s tickets_moved=%s by=%s", day, moved, actor_id)
    return moved


def move_deadlines(session: Session, calendar: WorkingCalendar, day: date) -> int:
    """Recount the deadlines of open tickets received before day whose deadlines end
    after it, and return how many changed. Deadlines count from the ticket's
    creation, as when it was opened, with its topic's targets."""
    day_start = datetime.combine(day, time.min, OFFICE_ZONE)
    statement = (
        select(Ticket)
        .where(
            Ticket.status.in_(TicketStatus.open_values()),
            Ticket.created_at < day_start,
            or_(
                Ticket.resolution_due > day_start, Ticket.first_response_due > day_start
            ),
        )
        .order_by(Ticket.id)
        .execution_options(yield_per=BATCH_SIZE)
    )
    moved = 0
    for ticket in session.scalars(statement):
        try:
            due = deadlines(session, ticket.topic, ticket.created_at, calendar)
        except UnknownTopicError:
            # A topic removed from the topics file keeps its ticket's old deadlines.
            logger.warning(
                "deadlines kept ticket=%s: topic %s unknown",
                ticket.reference,
                ticket.topic,
            )
            continue

        changed = (
            ticket.first_response_due != due["first_response_due"]
            or ticket.resolution_due != due["resolution_due"]
        )
        ticket.first_response_due = due["first_response_due"]
        ticket.resolution_due = due["resolution_due"]
        moved += changed

    return moved
