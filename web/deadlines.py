"""Deadline states of tickets (overdue, due soon), for highlighting in the workspace."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext

from models import Ticket, TicketStatus
from models.base import utcnow
from tickets.calendar import DUE_SOON_DAYS, WorkingCalendar, get_calendar

OVERDUE = "overdue"
DUE_SOON = "due-soon"

STATE_LABELS = {
    OVERDUE: lazy_gettext("Terlambat"),
    DUE_SOON: lazy_gettext("Hampir jatuh tempo"),
}


def deadline_state(
    ticket: Ticket,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> str:
    """Return OVERDUE, DUE_SOON or "" for an open ticket's nearest unmet deadline."""
    if ticket.status not in TicketStatus.open_values():
        return ""

    now = now or utcnow()
    calendar = calendar or get_calendar()
    pending = [ticket.resolution_due]
    if ticket.first_responded_at is None:
        pending.append(ticket.first_response_due)

    days_left = [calendar.working_days_left(now, due) for due in pending if due]
    if not days_left:
        return ""

    nearest = min(days_left)
    if nearest < 0:
        return OVERDUE

    return DUE_SOON if nearest <= DUE_SOON_DAYS else ""
