"""Recordings played in the browser: served by the app, with range requests, audited."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, abort, current_app, g, request, send_file
from werkzeug.wrappers import Response

from models import AuditEntry, db
from speech import SpeechError
from speech.playable import playable_audio
from tickets.lookup import first_recording
from web.auth import login_required
from web.ticket import load_ticket

logger = logging.getLogger(__name__)

bp = Blueprint("recording", __name__)


def starts_playback() -> bool:
    """Return whether this request starts a playback rather than continuing one.

    Browsers fetch audio in ranges; only a request from byte 0 counts, so one playback
    writes one audit entry however many ranges it needs.
    """
    range_header = request.headers.get("Range", "")
    return not range_header or range_header.replace(" ", "").startswith("bytes=0-")


@bp.get("/tickets/<reference>/recording")
@login_required
def play(reference: str) -> Response:
    """Serve the recording in a format the browser plays; ?download=1 saves it."""
    download = request.args.get("download") == "1"
    with db.session_scope() as session:
        ticket = load_ticket(session, reference)
        recording = first_recording(session, ticket.id)
        if recording is None or not recording.local_path:
            abort(404)

        if download or starts_playback():
            action = "recording_download" if download else "recording_play"
            session.add(
                AuditEntry(agent_id=g.agent.id, action=action, ticket_id=ticket.id)
            )

        reference, local_path = ticket.reference, recording.local_path

    root = Path(current_app.config["RECORDINGS_DIR"])
    try:
        audio = playable_audio(root / local_path, root / "playable")
    except (SpeechError, FileNotFoundError) as e:
        logger.warning("recording not playable ticket=%s error=%s", reference, e)
        abort(404)

    return send_file(
        audio.path,
        mimetype=audio.mimetype,
        conditional=True,
        as_attachment=download,
        download_name=f"tiket-{reference}{audio.path.suffix}",
        max_age=0,
    )
