"""Assignment: fewest open tickets among active agents of the topic, oldest assignment
first.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session

from models import Agent, AgentTopic, Ticket, db
from models.base import utcnow
from tickets.assignment import assign_ticket, pick_agent
from tickets.reference import generate_reference


def add_agent(
    session: Session, name: str, topics: list[str], **fields: object
) -> Agent:
    agent = Agent(name=name, topics=[AgentTopic(topic=t) for t in topics], **fields)
    session.add(agent)
    session.flush()
    return agent


def add_ticket(
    session: Session, topic: str, agent: Agent | None, status: str = "baru"
) -> Ticket:
    ticket = Ticket(
        reference=generate_reference(),
        topic=topic,
        status=status,
        assignee_id=agent.id if agent else None,
    )
    session.add(ticket)
    session.flush()
    return ticket


def test_fewest_open_tickets_wins(app: Flask) -> None:
    with db.session_scope() as session:
        busy = add_agent(session, "Busy", ["kk"])
        light = add_agent(session, "Light", ["kk"])
        add_ticket(session, "kk", busy)
        add_ticket(session, "kk", busy)
        add_ticket(session, "kk", light)

        assert pick_agent(session, "kk").id == light.id


def test_closed_tickets_do_not_count(app: Flask) -> None:
    with db.session_scope() as session:
        first = add_agent(session, "First", ["kk"])
        second = add_agent(session, "Second", ["kk"])
        for status in ("selesai", "ditutup", "selesai"):
            add_ticket(session, "kk", first, status=status)
        add_ticket(session, "kk", second)

        assert pick_agent(session, "kk").id == first.id


def test_tie_goes_to_longest_idle(app: Flask) -> None:
    now = utcnow()
    with db.session_scope() as session:
        add_agent(session, "Recent", ["akta"], last_assigned_at=now)
        idle = add_agent(
            session, "Idle", ["akta"], last_assigned_at=now - timedelta(hours=3)
        )

        assert pick_agent(session, "akta").id == idle.id


def test_never_assigned_counts_as_longest_idle(app: Flask) -> None:
    with db.session_scope() as session:
        add_agent(session, "Used", ["akta"], last_assigned_at=utcnow())
        fresh = add_agent(session, "Fresh", ["akta"])

        assert pick_agent(session, "akta").id == fresh.id


def test_inactive_and_other_topic_agents_are_skipped(app: Flask) -> None:
    with db.session_scope() as session:
        add_agent(session, "Away", ["ktp_el"], active=False)
        add_agent(session, "Other", ["kk"])

        assert pick_agent(session, "ktp_el") is None


def test_assignment_spreads_tickets_evenly(app: Flask) -> None:
    with db.session_scope() as session:
        agents = [add_agent(session, f"Agent {i}", ["kk"]) for i in range(3)]

    for _ in range(9):
        with db.session_scope() as session:
            ticket = add_ticket(session, "kk", None)
            assign_ticket(session, ticket)

    with db.session_scope() as session:
        for agent in agents:
            count = session.query(Ticket).filter(Ticket.assignee_id == agent.id).count()
            assert count == 3, agent.name


def test_unmatched_ticket_stays_unassigned(app: Flask) -> None:
    with db.session_scope() as session:
        ticket = add_ticket(session, "pindah_datang", None)
        assert assign_ticket(session, ticket) is None
        assert ticket.assignee_id is None
