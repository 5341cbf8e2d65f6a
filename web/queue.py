"""The ticket queue: an officer's own tickets and the unassigned ones, with filters,
search and paging, and the take and reassign actions on its rows.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, joinedload, lazyload, raiseload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from messaging.phone import mask_number, normalize_caller
from models import Agent, Ticket, TicketStatus, db
from tickets.exceptions import TicketNotFoundError, WorkflowError
from tickets.reference import BODY_LENGTH, format_reference, normalize_reference
from tickets.topics import get_topics
from tickets.workflow import can_view, reassign_ticket, sees_all, take_ticket
from web import OFFICE_ZONE, format_wib
from web.auth import login_required, safe_next
from web.labels import STATUS_LABELS

logger = logging.getLogger(__name__)

bp = Blueprint("queue", __name__, template_folder="templates")

# Rows per list and page; each list pages on its own.
PAGE_SIZE = 50
# A shorter part of a reference matches too many tickets to be a useful search.
MIN_PREFIX_DIGITS = 4
# Years a date filter accepts; outside them the zone conversion can overflow.
MIN_YEAR, MAX_YEAR = 2000, 2999

OPEN_STATUSES = "terbuka"
ALL_STATUSES = "semua"
STATUS_OPTIONS = {
    OPEN_STATUSES: "Terbuka (baru, diproses, menunggu warga)",
    ALL_STATUSES: "Semua status",
    **STATUS_LABELS,
}
CHANNEL_LABELS = {"phone": "Telepon", "whatsapp": "WhatsApp"}
FILTER_FIELDS = ("status", "topic", "channel", "date_from", "date_to", "q")


class QueueFilters:
    """The filters of a queue request: the raw form values, the SQL conditions built
    from the valid ones, and an Indonesian message for each invalid one.
    """

    def __init__(self, args: MultiDict[str, str]) -> None:
        self.form = {name: args.get(name, "").strip() for name in FILTER_FIELDS}
        self.conditions: list[ColumnElement[bool]] = []
        self.errors: list[str] = []


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


def parse_filters(args: MultiDict[str, str]) -> QueueFilters:
    """Build the conditions of args; an invalid value is reported and left out."""
    filters = QueueFilters(args)
    filter_status(filters)
    filter_choice(filters, "topic", "Topik", set(get_topics().keys()))
    filter_choice(filters, "channel", "Saluran", set(CHANNEL_LABELS))
    filter_dates(filters)
    filter_search(filters)
    return filters


def filter_status(filters: QueueFilters) -> None:
    value = filters.form["status"] or OPEN_STATUSES
    filters.form["status"] = value
    if value == ALL_STATUSES:
        return

    if value in STATUS_LABELS:
        filters.conditions.append(Ticket.status == value)
        return

    if value != OPEN_STATUSES:
        filters.errors.append(
            f"Status “{value}” tidak dikenal, jadi yang ditampilkan tiket terbuka. "
            "Pilih status dari daftar."
        )

    filters.conditions.append(Ticket.status.in_(TicketStatus.open_values()))


def filter_choice(
    filters: QueueFilters, name: str, label: str, allowed: set[str]
) -> None:
    value = filters.form[name]
    if not value:
        return

    if value not in allowed:
        filters.errors.append(
            f"{label} “{value}” tidak dikenal, jadi filter {label.lower()} diabaikan. "
            f"Pilih {label.lower()} dari daftar."
        )
        return

    filters.conditions.append(getattr(Ticket, name) == value)


def parse_day(value: str, label: str, errors: list[str]) -> date | None:
    """Read a date typed as 2025-01-31 (what a date field sends) or 31-01-2025."""
    if not value:
        return None

    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue

        if MIN_YEAR <= day.year <= MAX_YEAR:
            return day

    errors.append(
        f"Tanggal {label} “{value}” tidak valid, jadi filter tanggal diabaikan. "
        "Tulis tanggal sebagai tahun-bulan-tanggal, misalnya 2025-01-31."
    )
    return None


def office_midnight(day: date) -> datetime:
    """Return the start of day in WIB as a UTC time, the zone stored in the database."""
    return datetime.combine(day, time.min, OFFICE_ZONE).astimezone(UTC)


def filter_dates(filters: QueueFilters) -> None:
    errors: list[str] = []
    start = parse_day(filters.form["date_from"], "awal", errors)
    end = parse_day(filters.form["date_to"], "akhir", errors)
    filters.errors.extend(errors)
    if errors:
        return

    if start and end and start > end:
        filters.errors.append(
            f"Tanggal awal {start:%d-%m-%Y} jatuh setelah tanggal akhir "
            f"{end:%d-%m-%Y}, jadi filter tanggal diabaikan. Tukar kedua tanggal."
        )
        return

    if start:
        filters.conditions.append(Ticket.created_at >= office_midnight(start))

    # Both ends are inclusive: the end day runs up to the next midnight in WIB.
    if end:
        next_day = office_midnight(end + timedelta(days=1))
        filters.conditions.append(Ticket.created_at < next_day)


def filter_search(filters: QueueFilters) -> None:
    """Match q as a ticket reference, a reference prefix or a phone number."""
    query = filters.form["q"]
    if not query:
        return

    matches: list[ColumnElement[bool]] = []
    digits = normalize_reference(query)
    full_length = BODY_LENGTH + 1
    if digits.isascii() and digits.isdigit():
        if len(digits) == full_length:
            matches.append(Ticket.reference == digits)
        elif MIN_PREFIX_DIGITS <= len(digits) < full_length:
            matches.append(Ticket.reference.startswith(digits))

    phone = normalize_caller(query)
    if phone is not None:
        matches.append(Ticket.caller_number == phone)

    if not matches:
        filters.errors.append(
            f"Pencarian “{query}” bukan nomor tiket atau nomor telepon, jadi "
            f"diabaikan. Masukkan nomor tiket (minimal {MIN_PREFIX_DIGITS} angka) "
            "atau nomor telepon seperti 0812 3456 7890."
        )
        return

    filters.conditions.append(or_(*matches))


def parse_page(args: MultiDict[str, str], name: str, errors: list[str]) -> int:
    value = args.get(name, "").strip() or "1"
    if value.isascii() and value.isdigit() and int(value) >= 1:
        return int(value)

    errors.append(f"Halaman “{value}” tidak valid, jadi halaman pertama ditampilkan.")
    return 1


def load_page(
    session: Session, conditions: list[ColumnElement[bool]], page: int
) -> QueuePage:
    """Count the tickets matching conditions and load one page of them: two queries."""
    total = session.scalar(select(func.count(Ticket.id)).where(*conditions)) or 0
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    page = min(page, pages)
    # NOTE: the queue is ordered by arrival; once tickets have working-day deadlines,
    # it is to be ordered by deadline, earliest first.
    statement = (
        select(Ticket)
        .options(
            joinedload(Ticket.assignee).raiseload(Agent.topics),
            raiseload(Ticket.flags),
        )
        .where(*conditions)
        .order_by(Ticket.created_at, Ticket.id)
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
        topics={topic.key: topic.name for topic in get_topics().topics},
        statuses=STATUS_LABELS,
        status_options=STATUS_OPTIONS,
        channels=CHANNEL_LABELS,
        format_reference=format_reference,
        mask_number=mask_number,
        office_time=format_wib,
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
    return render_queue(args, f"Tiket {shown} tidak ditemukan.", 404)


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
        message = f"Tiket {shown} sudah ditangani petugas lain."
        return render_queue(args, message, 409)

    flash(f"Tiket {shown} sekarang Anda tangani.")
    return redirect(back_url)


@bp.post("/tickets/<reference>/assign")
@login_required
def assign(reference: str) -> Response | tuple[str, int]:
    """Give a ticket to the officer chosen in agent_id; supervisors and admins only."""
    back_url, args = queue_args(request.form.get("next", ""))
    shown = format_reference(normalize_reference(reference))
    agent_id = request.form.get("agent_id", "").strip()
    if not (agent_id.isascii() and agent_id.isdigit()):
        return render_queue(args, "Pilih petugas yang akan menangani tiket.", 400)

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
            message = "Hanya supervisor atau admin yang dapat mengalihkan tiket."
            return render_queue(args, message, 403)

        message = f"Petugas {assignee_name} tidak aktif; pilih petugas lain."
        return render_queue(args, message, 409)

    if assignee_name is None:
        message = f"Petugas dengan nomor {agent_id} tidak ditemukan."
        return render_queue(args, message, 400)

    flash(f"Tiket {shown} dialihkan ke {assignee_name}.")
    return redirect(back_url)
