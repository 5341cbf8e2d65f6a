"""The ticket queue: an officer's own tickets and the unassigned ones."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from models import AgentRole, Ticket, TicketStatus, db
from tickets.reference import format_reference
from tickets.topics import get_topics
from web.auth import login_required

bp = Blueprint("queue", __name__, template_folder="templates")

# Rows per list; the full queue with filters and paging builds on this page.
PAGE_SIZE = 100

STATUS_LABELS = {
    TicketStatus.BARU.value: "Baru",
    TicketStatus.DIPROSES.value: "Diproses",
    TicketStatus.MENUNGGU_WARGA.value: "Menunggu warga",
    TicketStatus.SELESAI.value: "Selesai",
    TicketStatus.DITUTUP.value: "Ditutup",
}


@bp.get("/")
def index() -> Response:
    return redirect(url_for("queue.tickets"))


@bp.get("/tickets")
@login_required
def tickets() -> str:
    """List the officer's open tickets and the unassigned queue, oldest first."""
    agent = g.agent
    open_statuses = TicketStatus.open_values()
    base = (
        select(Ticket)
        .options(joinedload(Ticket.assignee))
        .where(Ticket.status.in_(open_statuses))
        .order_by(Ticket.created_at)
        .limit(PAGE_SIZE)
    )
    with db.session_scope() as session:
        if AgentRole(agent.role).sees_all_tickets:
            mine = session.scalars(base.where(Ticket.assignee_id.is_not(None))).all()
        else:
            mine = session.scalars(base.where(Ticket.assignee_id == agent.id)).all()

        unassigned = session.scalars(base.where(Ticket.assignee_id.is_(None))).all()

    topics = {topic.key: topic.name for topic in get_topics().topics}
    return render_template(
        "web/tickets.html",
        mine=mine,
        unassigned=unassigned,
        topics=topics,
        statuses=STATUS_LABELS,
        format_reference=format_reference,
        sees_all=AgentRole(agent.role).sees_all_tickets,
    )
