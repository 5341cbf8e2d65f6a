"""CSV export of tickets, one row per ticket, with NIK and phone numbers masked unless
the exporting user may see them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, lazyload

from messaging.phone import mask_number, mask_numbers_in_text
from models import Agent, Ticket, TicketFlag, Transcript, TranscriptCorrection
from tickets.calendar import OFFICE_ZONE, last_minute
from tickets.nik import mask_text
from tickets.reference import format_reference

# Tickets read per query. Each batch also loads its transcripts and flags.
BATCH_SIZE = 1000
# Spreadsheet programs evaluate a cell that starts with one of these as a formula
# (CSV injection), so such cells get a leading apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportLabels:
    """Column headers and the names of topics, statuses, channels and flags, in the
    user's language."""

    headers: Sequence[str]
    topics: dict[str, str]
    statuses: dict[str, str]
    channels: dict[str, str]
    flags: dict[str, str]
    yes: str
    no: str


def export_rows(
    session: Session,
    conditions: list[ColumnElement[bool]],
    labels: ExportLabels,
    unmasked: bool,
) -> Iterator[list[str]]:
    """Yield the header, then one row per ticket matching conditions, oldest first."""
    yield list(labels.headers)

    statement = (
        select(Ticket, Agent.name)
        .outerjoin(Agent, Agent.id == Ticket.assignee_id)
        # The officer's name comes from the join and the flags from ticket_flags.
        .options(lazyload(Ticket.assignee), lazyload(Ticket.flags))
        .where(*conditions)
        .order_by(Ticket.created_at, Ticket.id)
        .execution_options(yield_per=BATCH_SIZE)
    )
    show_number: Callable[[str | None], str] = (
        (lambda number: number or "") if unmasked else mask_caller
    )
    for batch in session.execute(statement).partitions():
        ticket_ids = [ticket.id for ticket, _ in batch]
        texts = transcript_texts(session, ticket_ids)
        flags = ticket_flags(session, ticket_ids)
        for ticket, officer in batch:
            text = texts.get(ticket.id, "")
            yield [
                format_reference(ticket.reference),
                local_time(ticket.created_at),
                labels.channels.get(ticket.channel, ticket.channel),
                labels.topics.get(ticket.topic, ticket.topic),
                labels.statuses.get(ticket.status, ticket.status),
                officer or "",
                show_number(ticket.caller_number),
                local_deadline(ticket.first_response_due),
                local_time(ticket.first_responded_at),
                local_deadline(ticket.resolution_due),
                local_time(ticket.resolved_at),
                within_deadline(ticket, labels),
                ", ".join(labels.flags.get(kind, kind) for kind in flags[ticket.id]),
                text if unmasked else mask_numbers_in_text(mask_text(text)),
            ]


def mask_caller(number: str | None) -> str:
    return mask_number(number) if number else ""


def within_deadline(ticket: Ticket, labels: ExportLabels) -> str:
    if ticket.resolved_at is None or ticket.resolution_due is None:
        return ""

    return labels.yes if ticket.resolved_at <= ticket.resolution_due else labels.no


def local_time(moment: datetime | None) -> str:
    """Format a UTC timestamp as WIB, sortable in a spreadsheet: 2026-12-04 17:05."""
    if moment is None:
        return ""

    return moment.astimezone(OFFICE_ZONE).strftime("%Y-%m-%d %H:%M")


def local_deadline(moment: datetime | None) -> str:
    """Format a deadline as the last minute it allows, in WIB."""
    if moment is None:
        return ""

    return last_minute(moment).strftime("%Y-%m-%d %H:%M")


def transcript_texts(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    """Return each ticket's transcript text: its latest correction, else the machine
    transcript of its first recording."""
    first_ids = (
        select(func.min(Transcript.id))
        .where(Transcript.ticket_id.in_(ticket_ids))
        .group_by(Transcript.ticket_id)
    )
    transcripts = session.execute(
        select(Transcript.id, Transcript.ticket_id, Transcript.text).where(
            Transcript.id.in_(first_ids)
        )
    ).all()
    texts = {ticket_id: text for _, ticket_id, text in transcripts}
    ticket_of = {
        transcript_id: ticket_id for transcript_id, ticket_id, _ in transcripts
    }
    if not ticket_of:
        return texts

    latest_ids = (
        select(func.max(TranscriptCorrection.id))
        .where(TranscriptCorrection.transcript_id.in_(list(ticket_of)))
        .group_by(TranscriptCorrection.transcript_id)
    )
    corrections = session.execute(
        select(TranscriptCorrection.transcript_id, TranscriptCorrection.text).where(
            TranscriptCorrection.id.in_(latest_ids)
        )
    )
    for transcript_id, text in corrections:
        texts[ticket_of[transcript_id]] = text

    return texts


def ticket_flags(session: Session, ticket_ids: list[int]) -> dict[int, list[str]]:
    flags: dict[int, list[str]] = {ticket_id: [] for ticket_id in ticket_ids}
    rows = session.execute(
        select(TicketFlag.ticket_id, TicketFlag.kind)
        .where(TicketFlag.ticket_id.in_(ticket_ids))
        .order_by(TicketFlag.created_at)
    )
    for ticket_id, kind in rows:
        flags[ticket_id].append(kind)

    return flags


def safe_cell(value: str) -> str:
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value

    return value


def csv_chunks(rows: Iterable[list[Any]]) -> Iterator[str]:
    """Encode rows as CSV text in chunks, opening with a byte order mark so that
    spreadsheet programs read the file as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(str(value)) for value in row])
        if count % BATCH_SIZE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    yield buffer.getvalue()
