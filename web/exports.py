"""CSV downloads of the tickets behind a view, masked unless an admin requests them in
full, each recorded in the audit log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import Response, g, render_template, request, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select

from models import AgentRole, AuditEntry, Ticket, db
from reports.export import ExportLabels, csv_chunks, export_rows
from web.i18n import topic_names
from web.labels import FLAG_LABELS, STATUS_LABELS
from web.queue_filters import CHANNEL_LABELS

logger = logging.getLogger(__name__)


def may_export_unmasked() -> bool:
    """Only admins may export NIKs and phone numbers in full."""
    return AgentRole(g.agent.role) is AgentRole.ADMIN


def export_labels() -> ExportLabels:
    headers = [
        _("Nomor tiket"),
        _("Diterima (WIB)"),
        _("Saluran"),
        _("Topik"),
        _("Status"),
        _("Petugas"),
        _("Telepon"),
        _("Tenggat tanggapan pertama (WIB)"),
        _("Tanggapan pertama (WIB)"),
        _("Tenggat penyelesaian (WIB)"),
        _("Selesai (WIB)"),
        _("Selesai dalam tenggat"),
        _("Tanda"),
        _("Transkrip"),
    ]
    return ExportLabels(
        headers=[str(header) for header in headers],
        topics=topic_names(),
        statuses={key: str(label) for key, label in STATUS_LABELS.items()},
        channels={key: str(label) for key, label in CHANNEL_LABELS.items()},
        flags={key: str(label) for key, label in FLAG_LABELS.items()},
        yes=_("ya"),
        no=_("tidak"),
    )


def csv_response(
    conditions: list[ColumnElement[bool]],
    filename: str,
    view: str,
    filters: dict[str, str],
) -> Response:
    """Stream the tickets matching conditions as CSV; 403 when unmasked data is
    requested by someone who may not have it."""
    unmasked = request.args.get("unmasked") == "1"
    if unmasked and not may_export_unmasked():
        logger.warning("unmasked export rejected view=%s agent=%s", view, g.agent.id)
        with db.session_scope() as session:
            session.add(
                AuditEntry(
                    agent_id=g.agent.id,
                    action="export_refused",
                    detail={"view": view, "filters": filters, "unmasked": True},
                )
            )

        message = _("Hanya admin yang boleh mengekspor NIK dan nomor telepon utuh.")
        html = render_template("web/forbidden.html", message=message)
        return Response(html, status=403, mimetype="text/html")

    labels = export_labels()
    with db.session_scope() as session:
        count = session.scalar(select(func.count(Ticket.id)).where(*conditions)) or 0
        session.add(
            AuditEntry(
                agent_id=g.agent.id,
                action="export",
                detail={
                    "view": view,
                    "filters": filters,
                    "unmasked": unmasked,
                    "tickets": count,
                },
            )
        )

    logger.info(
        "tickets exported view=%s tickets=%s unmasked=%s agent=%s",
        view,
        count,
        unmasked,
        g.agent.id,
    )

    def generate() -> Iterator[str]:
        # A read-only session: on SQLite the download holds no write lock, however
        # slowly the client reads it.
        with db.read_scope() as session:
            yield from csv_chunks(export_rows(session, conditions, labels, unmasked))

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
