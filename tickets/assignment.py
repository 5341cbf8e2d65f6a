"""Assignment of new tickets to the least loaded active agent who handles the topic."""

from __future__ import annotations

import logging

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models import Agent, AgentTopic, Ticket, TicketEvent, TicketStatus
from models.base import utcnow

logger = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock that serialises assignments, so two tickets opened
# at the same moment do not both go to the agent who was least loaded before either.
ASSIGNMENT_LOCK_KEY = 0x4C4F4B01


def pick_agent(session: Session, topic: str) -> Agent | None:
    """Return the active agent for topic with the fewest open tickets, or None.

    Ties go to the agent whose last assignment is oldest (never assigned counts as
    oldest), then to the lowest id.
    """
    open_tickets = (
        select(func.count(Ticket.id))
        .where(
            Ticket.assignee_id == Agent.id,
            Ticket.status.in_(TicketStatus.open_values()),
        )
        .correlate(Agent)
        .scalar_subquery()
    )
    query = (
        select(Agent)
        .join(AgentTopic, AgentTopic.agent_id == Agent.id)
        .where(Agent.active.is_(True), AgentTopic.topic == topic)
        .order_by(open_tickets, Agent.last_assigned_at.asc().nulls_first(), Agent.id)
        .limit(1)
    )
    return session.scalars(query).first()


def assign_ticket(session: Session, ticket: Ticket) -> Agent | None:
    """Assign ticket to the agent pick_agent chooses; leave it unassigned if none."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ASSIGNMENT_LOCK_KEY}
        )

    agent = pick_agent(session, ticket.topic)
    if agent is None:
        logger.info(
            "ticket unassigned ticket=%s topic=%s", ticket.reference, ticket.topic
        )
        return None

    now = utcnow()
    ticket.assignee_id = agent.id
    ticket.assigned_at = now
    agent.last_assigned_at = now
    session.add(
        TicketEvent(ticket_id=ticket.id, kind="assigned", detail={"agent_id": agent.id})
    )
    logger.info("ticket assigned ticket=%s agent=%s", ticket.reference, agent.id)
    return agent
