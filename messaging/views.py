"""Twilio's message status callbacks."""

from __future__ import annotations

import logging

from flask import Blueprint, request

from ivr.security import validate_twilio_request
from messaging.sms import apply_status_callback
from models import db

logger = logging.getLogger(__name__)

bp = Blueprint("messaging", __name__, url_prefix="/messaging")


@bp.post("/status")
@validate_twilio_request
def message_status() -> tuple[str, int]:
    message_sid = request.form.get("MessageSid", "")
    status = request.form.get("MessageStatus", "")
    if not message_sid or not status:
        return "MessageSid and MessageStatus are required", 400

    message_id = request.args.get("message_id", type=int)
    session = db.request_session()
    message = apply_status_callback(session, message_id, message_sid, status)
    session.commit()
    if message is None:
        logger.warning("status for unknown message message_sid=%s", message_sid)
        return "unknown MessageSid", 404

    logger.info("message status message_sid=%s status=%s", message_sid, status)
    return "", 204
