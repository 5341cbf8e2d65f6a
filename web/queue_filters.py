"""Filters of the ticket queue, read from the query string into SQL conditions.

Each invalid value is left out and reported in the officer's language.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import ColumnElement, and_, or_
from werkzeug.datastructures import MultiDict

from messaging.phone import normalize_caller
from models import Ticket, TicketStatus, db
from models.base import utcnow
from reports.live import deadline_reached_by
from tickets.calendar import DUE_SOON_DAYS, get_holiday_calendar, office_midnight
from tickets.reference import BODY_LENGTH, normalize_reference
from tickets.topics import get_topics
from web.labels import STATUS_LABELS

# A shorter part of a reference matches too many tickets to be a useful search.
MIN_PREFIX_DIGITS = 4
# Years a date filter accepts; outside them the zone conversion can overflow.
MIN_YEAR, MAX_YEAR = 2000, 2999

OPEN_STATUSES = "terbuka"
ALL_STATUSES = "semua"
STATUS_OPTIONS = {
    OPEN_STATUSES: lazy_gettext("Terbuka (baru, diproses, menunggu warga)"),
    ALL_STATUSES: lazy_gettext("Semua status"),
    **STATUS_LABELS,
}
CHANNEL_LABELS = {"phone": lazy_gettext("Telepon"), "whatsapp": "WhatsApp"}
FILTER_FIELDS = (
    "status",
    "topic",
    "channel",
    "date_from",
    "date_to",
    "q",
    "officer",
    "deadline",
)
# The officer filter takes an officer's id or UNASSIGNED; the deadline filter takes
# OVERDUE or DUE_SOON.
UNASSIGNED = "none"
OVERDUE = "lewat"
DUE_SOON = "dekat"
DEADLINE_OPTIONS = {
    OVERDUE: lazy_gettext("Melewati tenggat"),
    DUE_SOON: lazy_gettext("Hampir jatuh tempo"),
}


class QueueFilters:
    """The filters of a queue request: the raw form values, the SQL conditions built
    from the valid ones, and an Indonesian message for each invalid one.
    """

    def __init__(self, args: MultiDict[str, str]) -> None:
        self.form = {name: args.get(name, "").strip() for name in FILTER_FIELDS}
        self.conditions: list[ColumnElement[bool]] = []
        self.errors: list[str] = []


def parse_filters(args: MultiDict[str, str]) -> QueueFilters:
    """Build the conditions of args; an invalid value is reported and left out."""
    filters = QueueFilters(args)
    filter_status(filters)
    filter_choice(filters, "topic", _("Topik"), set(get_topics().keys()))
    filter_choice(filters, "channel", _("Saluran"), set(CHANNEL_LABELS))
    filter_dates(filters)
    filter_search(filters)
    filter_officer(filters)
    filter_deadline(filters)
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
            _(
                "Status “%(value)s” tidak dikenal, jadi yang ditampilkan tiket "
                "terbuka. Pilih status dari daftar.",
                value=value,
            )
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
            _(
                "%(label)s “%(value)s” tidak dikenal, jadi filter ini diabaikan. "
                "Pilih dari daftar.",
                label=label,
                value=value,
            )
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
            _(
                "%(label)s “%(value)s” di luar jangkauan, jadi filter tanggal "
                "diabaikan. Pilih tahun antara %(first)d dan %(last)d.",
                label=label,
                value=value,
                first=MIN_YEAR,
                last=MAX_YEAR,
            )
        )
        return None

    errors.append(
        _(
            "%(label)s “%(value)s” tidak valid, jadi filter tanggal diabaikan. "
            "Tulis tanggal sebagai tahun-bulan-tanggal, misalnya 2025-01-31.",
            label=label,
            value=value,
        )
    )
    return None


def filter_dates(filters: QueueFilters) -> None:
    errors: list[str] = []
    start = parse_day(filters.form["date_from"], _("Tanggal awal"), errors)
    end = parse_day(filters.form["date_to"], _("Tanggal akhir"), errors)
    filters.errors.extend(errors)
    if errors:
        return

    if start and end and start > end:
        filters.errors.append(
            _(
                "Tanggal awal %(start)s jatuh setelah tanggal akhir %(end)s, jadi "
                "filter tanggal diabaikan. Tukar kedua tanggal.",
                start=f"{start:%d-%m-%Y}",
                end=f"{end:%d-%m-%Y}",
            )
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
            _(
                "Pencarian “%(query)s” bukan nomor tiket atau nomor telepon, jadi "
                "diabaikan. Masukkan nomor tiket (minimal %(digits)d angka) atau "
                "nomor telepon seperti 0812 3456 7890.",
                query=query,
                digits=MIN_PREFIX_DIGITS,
            )
        )
        return

    filters.conditions.append(or_(*matches))


def filter_officer(filters: QueueFilters) -> None:
    """Match an officer's id, or UNASSIGNED for tickets without one."""
    value = filters.form["officer"]
    if not value:
        return

    if value == UNASSIGNED:
        filters.conditions.append(Ticket.assignee_id.is_(None))
        return

    if not (value.isascii() and value.isdigit()):
        filters.errors.append(
            _(
                "Petugas “%(value)s” tidak dikenal, jadi filter ini diabaikan.",
                value=value,
            )
        )
        filters.form["officer"] = ""
        return

    filters.conditions.append(Ticket.assignee_id == int(value))


def filter_deadline(filters: QueueFilters) -> None:
    """Match open tickets past a deadline, or near one as the queue marks them."""
    value = filters.form["deadline"]
    if not value:
        return

    if value not in DEADLINE_OPTIONS:
        filters.errors.append(
            _(
                "Tenggat “%(value)s” tidak dikenal, jadi filter ini diabaikan.",
                value=value,
            )
        )
        filters.form["deadline"] = ""
        return

    now = utcnow()
    overdue = deadline_reached_by(now)
    if value == OVERDUE:
        filters.conditions.append(overdue)
    else:
        with db.read_scope() as session:
            calendar = get_holiday_calendar().read(session)

        soon = calendar.deadline(now, DUE_SOON_DAYS)
        filters.conditions.append(and_(~overdue, deadline_reached_by(soon)))


def parse_page(args: MultiDict[str, str], name: str, errors: list[str]) -> int:
    value = args.get(name, "").strip() or "1"
    if value.isascii() and value.isdigit() and int(value) >= 1:
        return int(value)

    errors.append(
        _(
            "Halaman “%(value)s” tidak valid, jadi halaman pertama ditampilkan.",
            value=value,
        )
    )
    return 1
