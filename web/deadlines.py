"""Deadline states of tickets (overdue, due soon), for highlighting in the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext

from models import Ticket, TicketStatus
from models.base import utcnow
from tickets.calendar import DUE_SOON_DAYS, WorkingCalendar, get_calendar

OVERDUE = "overdue"
DUE_SOON = "due-soon"

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
KIND_LABELS = {
    FIRST_RESPONSE: lazy_gettext("Tanggapan pertama"),
    RESOLUTION: lazy_gettext("Penyelesaian"),
}

STATE_LABELS = {
    OVERDUE: lazy_gettext("Terlambat"),
    DUE_SOON: lazy_gettext("Hampir jatuh tempo"),
}


@dataclass(frozen=True)
class PendingDeadline:
    """The unmet deadline of an open ticket that is nearest, and its state."""

    kind: str  # FIRST_RESPONSE or RESOLUTION
    due: datetime
    state: str  # OVERDUE, DUE_SOON or ""


def deadline_states(
    ticket: Ticket,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> dict[str, str]:
    """Return OVERDUE, DUE_SOON or "" for each unmet deadline of an open ticket, keyed
    FIRST_RESPONSE and RESOLUTION; a met or missing deadline has no key."""
    if ticket.status not in TicketStatus.open_values():
        return {}

    now = now or utcnow()
    calendar = calendar or get_calendar()
    pending = {RESOLUTION: ticket.resolution_due}
    if ticket.first_responded_at is None:
        pending[FIRST_RESPONSE] = ticket.first_response_due

    states = {}
    for kind, due in pending.items():
        if due is None:
            continue

        days_left = calendar.working_days_left(now, due)
        if days_left < 0:
            states[kind] = OVERDUE
        else:
            states[kind] = DUE_SOON if days_left <= DUE_SOON_DAYS else ""

    return states


def nearest_deadline(
    ticket: Ticket,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> PendingDeadline | None:
    """Return the earliest unmet deadline of an open ticket, or None."""
    states = deadline_states(ticket, now, calendar)
    dues = {
        FIRST_RESPONSE: ticket.first_response_due,
        RESOLUTION: ticket.resolution_due,
    }
    pending = [(dues[kind], kind) for kind in states if dues[kind] is not None]
    if not pending:
        return None

    due, kind = min(pending)
    return PendingDeadline(kind, due, states[kind])


def deadline_state(
    ticket: Ticket,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> str:
    """Return OVERDUE, DUE_SOON or "" for an open ticket's nearest unmet deadline."""
    nearest = nearest_deadline(ticket, now, calendar)
    return nearest.state if nearest else ""
