"""The ticket queue: an officer's own tickets and the unassigned ones, with filters,
search and paging, and the take and reassign actions on its rows.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, joinedload, lazyload, raiseload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from messaging.phone import mask_number
from models import Agent, Ticket, db
from models.base import utcnow
from tickets.calendar import get_holiday_calendar
from tickets.exceptions import TicketNotFoundError, WorkflowError
from tickets.reference import format_reference, normalize_reference
from tickets.workflow import can_view, reassign_ticket, sees_all, take_ticket
from web import OFFICE_ZONE, format_wib
from web.auth import login_required, safe_next
from web.deadlines import KIND_LABELS, STATE_LABELS, nearest_deadline
from web.exports import csv_response, may_export_unmasked
from web.i18n import topic_names
from web.labels import STATUS_LABELS
from web.queue_filters import (
    CHANNEL_LABELS,
    DEADLINE_OPTIONS,
    STATUS_OPTIONS,
    UNASSIGNED,
    parse_filters,
    parse_page,
)

logger = logging.getLogger(__name__)

bp = Blueprint("queue", __name__, template_folder="templates")

# Rows per list and page; each list pages on its own.
PAGE_SIZE = 50


@dataclass
class QueuePage:
    """One page of one list, with the total the filters match."""

    rows: list[Ticket]
    total: int
    page: int
    pages: int
    links: dict[str, str] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def load_page(
    session: Session, conditions: list[ColumnElement[bool]], page: int
) -> QueuePage:
    """Count the tickets matching conditions and load one page of them: two queries."""
    total = session.scalar(select(func.count(Ticket.id)).where(*conditions)) or 0
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    page = min(page, pages)
    # Earliest resolution deadline first; tickets without one (older than deadlines)
    # come last, oldest first.
    statement = (
        select(Ticket)
        .options(
            joinedload(Ticket.assignee).raiseload(Agent.topics),
            raiseload(Ticket.flags),
        )
        .where(*conditions)
        .order_by(
            Ticket.resolution_due.asc().nulls_last(), Ticket.created_at, Ticket.id
        )
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = list(session.scalars(statement).unique())
    return QueuePage(rows=rows, total=total, page=page, pages=pages)


def page_links(args: MultiDict[str, str], name: str, page: QueuePage) -> None:
    """Add the previous and next page URLs of a list, keeping every other parameter."""
    params = args.to_dict()
    if page.page > 1:
        page.links["prev"] = url_for("queue.tickets", **{**params, name: page.page - 1})

    if page.page < page.pages:
        page.links["next"] = url_for("queue.tickets", **{**params, name: page.page + 1})


def render_queue(
    args: MultiDict[str, str], notice: str | None = None, status: int = 200
) -> tuple[str, int]:
    """Render both lists for the filters in args, with an optional error notice."""
    agent = g.agent
    filters = parse_filters(args)
    page_numbers = {
        name: parse_page(args, name, filters.errors)
        for name in ("page_mine", "page_unassigned")
    }
    if sees_all(agent):
        mine_condition = Ticket.assignee_id.is_not(None)
    else:
        mine_condition = Ticket.assignee_id == agent.id

    with db.session_scope() as session:
        mine = load_page(
            session, [*filters.conditions, mine_condition], page_numbers["page_mine"]
        )
        unassigned = load_page(
            session,
            [*filters.conditions, Ticket.assignee_id.is_(None)],
            page_numbers["page_unassigned"],
        )
        officers = officer_choices(session) if sees_all(agent) else []
        calendar = get_holiday_calendar().read(session)

    page_links(args, "page_mine", mine)
    page_links(args, "page_unassigned", unassigned)
    if filters.errors and status == 200:
        status = 400

    html = render_template(
        "web/tickets.html",
        mine=mine,
        unassigned=unassigned,
        filters=filters.form,
        errors=filters.errors,
        notice=notice,
        officers=officers,
        sees_all=sees_all(agent),
        queue_url=url_for("queue.tickets", **args.to_dict()),
        export_url=url_for("queue.export", **filters.form),
        may_unmask=may_export_unmasked(),
        topics=topic_names(),
        statuses=STATUS_LABELS,
        status_options=STATUS_OPTIONS,
        channels=CHANNEL_LABELS,
        deadline_options=DEADLINE_OPTIONS,
        unassigned_key=UNASSIGNED,
        format_reference=format_reference,
        mask_number=mask_number,
        office_time=format_wib,
        nearest_deadline=nearest_deadline,
        kind_labels=KIND_LABELS,
        calendar=calendar,
        state_labels=STATE_LABELS,
    )
    return html, status


def officer_choices(session: Session) -> list[tuple[int, str]]:
    """Return the id and name of every active officer, for the reassign control."""
    statement = (
        select(Agent.id, Agent.name).where(Agent.active.is_(True)).order_by(Agent.name)
    )
    return [(row.id, row.name) for row in session.execute(statement)]


@bp.get("/")
def index() -> Response:
    return redirect(url_for("queue.tickets"))


@bp.get("/tickets")
@login_required
def tickets() -> tuple[str, int]:
    """List the officer's tickets and the unassigned ones, filtered and paged."""
    return render_queue(request.args)


@bp.get("/tickets.csv")
@login_required
def export() -> Response | tuple[str, int]:
    """Export the tickets the queue's filters select, both lists, as CSV."""
    filters = parse_filters(request.args)
    if filters.errors:
        notice = _("Ekspor CSV tidak dibuat karena ada filter yang tidak valid.")
        return render_queue(request.args, notice=notice)

    conditions = list(filters.conditions)
    if not sees_all(g.agent):
        conditions.append(
            or_(Ticket.assignee_id == g.agent.id, Ticket.assignee_id.is_(None))
        )

    day = utcnow().astimezone(OFFICE_ZONE).date()
    name = f"lokdon-antrian-{day.isoformat()}.csv"
    return csv_response(conditions, name, view="queue", filters=filters.form)


def queue_args(target: str) -> tuple[str, MultiDict[str, str]]:
    """Return the queue URL to go back to and its filters, from a form's next field."""
    url = safe_next(target)
    parts = urlsplit(url)
    if parts.path != url_for("queue.tickets"):
        return url_for("queue.tickets"), MultiDict()

    return url, MultiDict(parse_qsl(parts.query))


def locked_ticket(session: Session, reference: str) -> Ticket:
    """Load the ticket for update, so two officers taking it at once queue on the row.

    Raises TicketNotFoundError for an unknown reference and for a ticket the officer may
    not see, as the ticket page does.
    """
    statement = (
        select(Ticket)
        .options(lazyload(Ticket.assignee))
        .where(Ticket.reference == normalize_reference(reference))
        .with_for_update(of=Ticket)
    )
    ticket = session.scalars(statement).first()
    if ticket is None or not can_view(g.agent, ticket):
        raise TicketNotFoundError(f"No ticket has the reference {reference!r}.")

    return ticket


def not_found(reference: str, args: MultiDict[str, str]) -> tuple[str, int]:
    shown = format_reference(normalize_reference(reference))
    return render_queue(
        args, _("Tiket %(reference)s tidak ditemukan.", reference=shown), 404
    )


@bp.post("/tickets/<reference>/take")
@login_required
def take(reference: str) -> Response | tuple[str, int]:
    """Assign an unassigned ticket to the officer who presses "Ambil"."""
    back_url, args = queue_args(request.form.get("next", ""))
    shown = format_reference(normalize_reference(reference))
    try:
        with db.session_scope() as session:
            ticket = locked_ticket(session, reference)
            actor = session.get(Agent, g.agent.id)
            assert actor is not None, "the logged-in officer has no row"
            take_ticket(session, ticket, actor)
    except TicketNotFoundError:
        return not_found(reference, args)
    except WorkflowError as e:
        logger.info("take rejected ticket=%s agent=%s: %s", shown, g.agent.id, e)
        message = _(
            "Tiket %(reference)s sudah ditangani petugas lain.", reference=shown
        )
        return render_queue(args, message, 409)

    flash(_("Tiket %(reference)s sekarang Anda tangani.", reference=shown))
    return redirect(back_url)


@bp.post("/tickets/<reference>/assign")
@login_required
def assign(reference: str) -> Response | tuple[str, int]:
    """Give a ticket to the officer chosen in agent_id; supervisors and admins only."""
    back_url, args = queue_args(request.form.get("next", ""))
    shown = format_reference(normalize_reference(reference))
    agent_id = request.form.get("agent_id", "").strip()
    if not (agent_id.isascii() and agent_id.isdigit()):
        return render_queue(args, _("Pilih petugas yang akan menangani tiket."), 400)

    assignee_name = None
    try:
        with db.session_scope() as session:
            ticket = locked_ticket(session, reference)
            actor = session.get(Agent, g.agent.id)
            assignee = session.get(Agent, int(agent_id))
            assert actor is not None, "the logged-in officer has no row"
            if assignee is not None:
                assignee_name = assignee.name
                reassign_ticket(session, ticket, assignee, actor)
    except TicketNotFoundError:
        return not_found(reference, args)
    except WorkflowError as e:
        logger.info("reassign rejected ticket=%s agent=%s: %s", shown, g.agent.id, e)
        if not sees_all(g.agent):
            message = _("Hanya supervisor atau admin yang dapat mengalihkan tiket.")
            return render_queue(args, message, 403)

        message = _(
            "Petugas %(name)s tidak aktif; pilih petugas lain.", name=assignee_name
        )
        return render_queue(args, message, 409)

    if assignee_name is None:
        message = _("Petugas dengan nomor %(id)s tidak ditemukan.", id=agent_id)
        return render_queue(args, message, 400)

    flash(
        _(
            "Tiket %(reference)s dialihkan ke %(name)s.",
            reference=shown,
            name=assignee_name,
        )
    )
    return redirect(back_url)
