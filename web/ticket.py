"""The ticket page: caller, topic, status, history, recording, transcript, actions."""

from __future__ import annotations

import logging
import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from lokdon.redis_client import get_redis
from models import (
    Agent,
    AuditEntry,
    Message,
    Ticket,
    TicketNote,
    TranscriptCorrection,
    db,
)
from queue_workers.enqueue import enqueue_message
from tickets.exceptions import UnknownTopicError, WorkflowError
from tickets.lookup import first_transcript
from tickets.reference import normalize_reference
from tickets.service import deadlines
from tickets.topics import get_topics
from tickets.workflow import (
    can_edit,
    can_view,
    change_status,
    mark_first_response,
    record_event,
)
from web.auth import login_required
from web.ticket_view import has_nik, latest_correction, ticket_context

logger = logging.getLogger(__name__)

bp = Blueprint("ticket", __name__, template_folder="templates")

# Longest SMS reply, in characters: three concatenated GSM-7 segments.
MAX_REPLY_LENGTH = 459
MAX_NOTE_LENGTH = 4000
# Key in Flask's session of the ticket ids whose NIKs this officer has unmasked.
UNMASKED_KEY = "unmasked_tickets"


def load_ticket(db_session: Session, reference: str) -> Ticket:
    """Return the ticket the current officer may see, or end the request with 404."""
    ticket = db_session.scalars(
        select(Ticket).where(Ticket.reference == normalize_reference(reference))
    ).first()
    if ticket is None or not can_view(g.agent, ticket):
        abort(404)

    return ticket


def editable_ticket(db_session: Session, reference: str) -> Ticket:
    ticket = load_ticket(db_session, reference)
    if not can_edit(g.agent, ticket):
        abort(403)

    return ticket


def may_unmask(agent: Agent, ticket: Ticket) -> bool:
    """Return whether agent may see the ticket's NIKs in full: the assignee,
    supervisors and admins may."""
    return can_edit(agent, ticket)


def is_unmasked(ticket: Ticket) -> bool:
    return ticket.id in session.get(UNMASKED_KEY, [])


def back_to(ticket: Ticket, message: str = "") -> Response:
    return redirect(
        url_for("ticket.show", reference=ticket.reference, info=message or None)
    )


@bp.get("/tickets/<reference>")
@login_required
def show(reference: str) -> str:
    """Show one ticket with its recording, transcript, history, notes and messages."""
    with db.session_scope() as db_session:
        ticket = load_ticket(db_session, reference)
        context = ticket_context(db_session, ticket, g.agent, is_unmasked(ticket))
        context["may_edit"] = can_edit(g.agent, ticket)
        context["may_unmask"] = may_unmask(g.agent, ticket)
        context["info"] = request.args.get("info", "")
        return render_template("web/ticket.html", **context)


@bp.post("/tickets/<reference>/status")
@login_required
def update_status(reference: str) -> Response | tuple[str, int]:
    with db.session_scope() as db_session:
        ticket = editable_ticket(db_session, reference)
        try:
            change_status(db_session, ticket, request.form.get("status", ""), g.agent)
        except WorkflowError as e:
            logger.info(
                "status change rejected ticket=%s error=%s", ticket.reference, e
            )
            return _("Perubahan status ini tidak diizinkan."), 409

        return back_to(ticket, _("Status diperbarui."))


@bp.post("/tickets/<reference>/topic")
@login_required
def update_topic(reference: str) -> Response | tuple[str, int]:
    with db.session_scope() as db_session:
        ticket = editable_ticket(db_session, reference)
        try:
            topic = get_topics().get(request.form.get("topic", ""))
        except UnknownTopicError:
            return _("Topik tidak dikenal."), 400

        record_event(
            db_session, ticket, g.agent, "topic", old=ticket.topic, new=topic.key
        )
        ticket.topic = topic.key
        # Deadlines follow the corrected topic's targets, still from the arrival time.
        for name, due in deadlines(db_session, topic.key, ticket.created_at).items():
            setattr(ticket, name, due)
        return back_to(ticket, _("Topik dikoreksi."))


@bp.post("/tickets/<reference>/notes")
@login_required
def add_note(reference: str) -> Response | tuple[str, int]:
    body = request.form.get("body", "").strip()
    if not body or len(body) > MAX_NOTE_LENGTH:
        return _(
            "Catatan harus berisi 1 sampai %(max)d karakter.", max=MAX_NOTE_LENGTH
        ), 400

    with db.session_scope() as db_session:
        ticket = editable_ticket(db_session, reference)
        db_session.add(TicketNote(ticket_id=ticket.id, agent_id=g.agent.id, body=body))
        record_event(db_session, ticket, g.agent, "note")
        return back_to(ticket, _("Catatan disimpan."))


@bp.post("/tickets/<reference>/reply")
@login_required
def reply(reference: str) -> Response | tuple[str, int]:
    """Queue an SMS to the caller; a job sends it and the page shows its delivery."""
    body = request.form.get("body", "").strip()
    if not body or len(body) > MAX_REPLY_LENGTH:
        return _(
            "Balasan harus berisi 1 sampai %(max)d karakter.", max=MAX_REPLY_LENGTH
        ), 400

    with db.session_scope() as db_session:
        ticket = editable_ticket(db_session, reference)
        if ticket.caller_number is None:
            return _(
                "Nomor penelepon disembunyikan; balasan SMS tidak bisa dikirim."
            ), 409

        message = Message(
            ticket_id=ticket.id,
            kind=f"reply:{uuid.uuid4().hex[:12]}",
            to_number=ticket.caller_number,
            body=body,
        )
        db_session.add(message)
        record_event(db_session, ticket, g.agent, "reply")
        mark_first_response(ticket)
        db_session.flush()

    enqueue_message(db_session, get_redis(), current_app.config, message)
    return back_to(ticket, _("Balasan SMS sedang dikirim."))


@bp.post("/tickets/<reference>/unmask")
@login_required
def unmask(reference: str) -> Response:
    """Show this ticket's NIKs in full for the rest of the session; audited."""
    with db.session_scope() as db_session:
        ticket = load_ticket(db_session, reference)
        if not may_unmask(g.agent, ticket):
            abort(403)

        db_session.add(
            AuditEntry(agent_id=g.agent.id, action="nik_unmask", ticket_id=ticket.id)
        )
        unmasked = [*session.get(UNMASKED_KEY, []), ticket.id]
        session[UNMASKED_KEY] = unmasked[-50:]
        logger.info("nik unmasked ticket=%s agent=%s", ticket.reference, g.agent.id)
        return back_to(ticket)


@bp.post("/tickets/<reference>/transcript")
@login_required
def correct_transcript(reference: str) -> Response | tuple[str, int]:
    """Store a corrected transcript as a new version; the machine transcript stays."""
    text = request.form.get("text", "").strip()
    with db.session_scope() as db_session:
        ticket = editable_ticket(db_session, reference)
        transcript = first_transcript(db_session, ticket.id)
        if transcript is None:
            return _("Tiket ini belum memiliki transkrip."), 409

        correction = latest_correction(db_session, transcript)
        if has_nik(transcript, correction) and not is_unmasked(ticket):
            return _("Buka NIK terlebih dahulu sebelum mengoreksi transkrip."), 409

        db_session.add(
            TranscriptCorrection(
                transcript_id=transcript.id, agent_id=g.agent.id, text=text
            )
        )
        record_event(db_session, ticket, g.agent, "correction")
        return back_to(ticket, _("Koreksi transkrip disimpan."))
