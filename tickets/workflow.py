"""The ticket workflow: status changes, taking and reassigning.

Each change is recorded in the ticket's history with who made it and when.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from models import Agent, AgentRole, Ticket, TicketEvent, TicketStatus
from models.base import utcnow
from tickets.exceptions import WorkflowError

logger = logging.getLogger(__name__)

S = TicketStatus
# Status changes an officer may make. "ditutup" (closed) is final; a resolved ticket can
# be reopened when the citizen reports that the problem persists.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.BARU: {S.DIPROSES, S.MENUNGGU_WARGA, S.SELESAI, S.DITUTUP},
    S.DIPROSES: {S.MENUNGGU_WARGA, S.SELESAI, S.DITUTUP},
    S.MENUNGGU_WARGA: {S.DIPROSES, S.SELESAI, S.DITUTUP},
    S.SELESAI: {S.DIPROSES, S.DITUTUP},
    S.DITUTUP: set(),
}


def sees_all(actor: Agent) -> bool:
    return AgentRole(actor.role).sees_all_tickets


def can_view(actor: Agent, ticket: Ticket) -> bool:
    """Agents see their own and unassigned tickets; supervisors and admins see all."""
    return sees_all(actor) or ticket.assignee_id in (None, actor.id)


def can_edit(actor: Agent, ticket: Ticket) -> bool:
    """Only the assignee, a supervisor or an admin changes a ticket."""
    return sees_all(actor) or ticket.assignee_id == actor.id


def record_event(
    session: Session, ticket: Ticket, actor: Agent, kind: str, **detail: object
) -> None:
    session.add(
        TicketEvent(ticket_id=ticket.id, kind=kind, actor=str(actor.id), detail=detail)
    )


def change_status(
    session: Session, ticket: Ticket, new_status: str, actor: Agent
) -> None:
    """Move ticket to new_status, or raise WorkflowError naming what is not allowed."""
    if not can_edit(actor, ticket):
        raise WorkflowError(
            f"Officer {actor.id} may not change ticket {ticket.reference}; "
            "only its assignee or a supervisor may."
        )

    if new_status not in ALLOWED_TRANSITIONS.get(ticket.status, set()):
        raise WorkflowError(
            f"Ticket {ticket.reference} cannot go from {ticket.status} to {new_status}."
        )

    old_status = ticket.status
    now = utcnow()
    ticket.status = new_status
    mark_first_response(ticket)
    ticket.updated_at = now
    # A resolved ticket that is closed keeps the time it was resolved; a reopened one
    # counts as open again until it is resolved anew.
    if new_status not in TicketStatus.resolved_values():
        ticket.resolved_at = None
    elif old_status not in TicketStatus.resolved_values():
        ticket.resolved_at = now

    record_event(session, ticket, actor, "status", old=old_status, new=new_status)
    logger.info(
        "ticket status ticket=%s old=%s new=%s agent=%s",
        ticket.reference,
        old_status,
        new_status,
        actor.id,
    )


def mark_first_response(ticket: Ticket) -> None:
    """Record the first officer response (a status change or a reply) once."""
    if ticket.first_responded_at is None:
        ticket.first_responded_at = utcnow()


def take_ticket(session: Session, ticket: Ticket, actor: Agent) -> None:
    """Assign an unassigned ticket to the officer taking it."""
    if ticket.assignee_id is not None:
        raise WorkflowError(f"Ticket {ticket.reference} is assigned already.")

    assign(session, ticket, actor, actor)


def reassign_ticket(
    session: Session, ticket: Ticket, assignee: Agent, actor: Agent
) -> None:
    """Give ticket to another officer; supervisors and admins only."""
    if not sees_all(actor):
        raise WorkflowError(f"Officer {actor.id} may not reassign tickets.")

    if not assignee.active:
        raise WorkflowError(f"Officer {assignee.id} is inactive.")

    assign(session, ticket, assignee, actor)


def assign(session: Session, ticket: Ticket, assignee: Agent, actor: Agent) -> None:
    previous = ticket.assignee_id
    now = utcnow()
    ticket.assignee_id = assignee.id
    ticket.assigned_at = now
    assignee.last_assigned_at = now
    record_event(
        session, ticket, actor, "assigned", agent_id=assignee.id, previous=previous
    )
    logger.info(
        "ticket assigned ticket=%s agent=%s by=%s",
        ticket.reference,
        assignee.id,
        actor.id,
    )
