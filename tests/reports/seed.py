"""Tickets with chosen times for the report tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Ticket, db
from tickets.calendar import OFFICE_ZONE
from tickets.reference import generate_reference


def wib(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """Return a WIB wall-clock time as a UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_ZONE).astimezone(UTC)


def add_ticket(
    created_at: datetime,
    topic: str = "ktp_el",
    assignee_id: int | None = None,
    resolved_after: timedelta | None = None,
    due_after: timedelta | None = timedelta(days=14),
    status: str | None = None,
    caller_number: str | None = "+6281200000001",
) -> int:
    resolved_at = created_at + resolved_after if resolved_after is not None else None
    with db.session_scope() as session:
        ticket = Ticket(
            reference=generate_reference(),
            topic=topic,
            assignee_id=assignee_id,
            caller_number=caller_number,
            status=status or ("selesai" if resolved_at else "baru"),
            created_at=created_at,
            resolved_at=resolved_at,
            resolution_due=created_at + due_after if due_after is not None else None,
            first_response_due=created_at + timedelta(days=3),
        )
        session.add(ticket)
        session.flush()
        return ticket.id
