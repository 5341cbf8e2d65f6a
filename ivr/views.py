"""Twilio voice webhooks: greeting, topic menu, recording, reference read-back."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from ivr import twiml
from ivr.call_starts import get_writer
from ivr.calls import (
    advance_call_status,
    advance_ivr_step,
    ensure_call,
    parse_call_status,
    start_call,
)
from ivr.prompts import get_prompts
from ivr.recordings import handle_recording_status, store_recording
from ivr.security import validate_twilio_request
from lokdon.redis_client import get_redis
from models import db
from models.call import IvrStep
from queue_workers.enqueue import enqueue_message
from tickets.service import flag_ticket, open_ticket_for_call
from tickets.topics import REPEAT_DIGIT, get_topics

logger = logging.getLogger(__name__)

bp = Blueprint("ivr", __name__, url_prefix="/ivr")

# Timeouts before a caller who presses nothing is sent to the recording step.
MAX_SILENT_MENUS = 2
# Wrong keys before a caller is sent to the recording step under the fallback topic.
MAX_INVALID_CHOICES = 3
# Silent recording attempts before the ticket is opened without audio.
MAX_SILENT_RECORDINGS = 2


def external_url(endpoint: str, **values: Any) -> str:
    """Return the absolute URL of endpoint as Twilio must call it."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if base:
        return base + url_for(endpoint, **values)

    return url_for(endpoint, _external=True, **values)


def twiml_response(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def caller_facing(view: Callable[..., Response]) -> Callable[..., Response]:
    """Return an apology in TwiML when the view fails.

    The caller never hears Twilio's application error. The failure is logged with the
    CallSid and the session is rolled back.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except Exception:
            db.request_session().rollback()
            logger.exception(
                "voice webhook failed endpoint=%s call_sid=%s",
                request.endpoint,
                request.form.get("CallSid", "-"),
            )
            try:
                prompts = get_prompts()
            except Exception:
                prompts = None

            return twiml_response(twiml.error_twiml(prompts))

    return wrapper


def counter_arg(name: str, maximum: int) -> int:
    """Read a retry counter from the query string, clamped to 0..maximum."""
    return min(max(request.args.get(name, 0, type=int), 0), maximum)


def require_call_sid() -> str | None:
    call_sid = request.form.get("CallSid", "")
    return call_sid if call_sid.startswith("CA") and len(call_sid) <= 64 else None


def bad_request(reason: str) -> Response:
    logger.warning("rejected webhook path=%s reason=%s", request.path, reason)
    return Response(reason, status=400, mimetype="text/plain")


def menu_response(lead_texts: list[str], silent: int, invalid: int) -> Response:
    """Return the menu TwiML; each variant is rendered once per app and then reused,
    since prompts and topics are fixed while the app runs."""
    cache = current_app.extensions.setdefault("lokdon.menu_twiml", {})
    key = (tuple(lead_texts), silent, invalid)
    if key not in cache:
        if silent + 1 >= MAX_SILENT_MENUS:
            after_url = url_for("ivr.record", fallback="no_input")
        else:
            after_url = url_for("ivr.menu", silent=silent + 1, invalid=invalid)

        document = twiml.menu_twiml(
            get_prompts(),
            get_topics(),
            choice_url=url_for("ivr.choose_topic", invalid=invalid),
            after_url=after_url,
            timeout=current_app.config["MENU_TIMEOUT"],
            lead_texts=lead_texts,
        )
        cache[key] = str(document)

    return Response(cache[key], mimetype="text/xml")


@bp.post("/voice")
@validate_twilio_request
@caller_facing
def welcome() -> Response:
    """Greet a new caller, say the call is recorded, and read the topic menu."""
    if require_call_sid() is None:
        return bad_request("CallSid is missing or invalid")

    writer = get_writer()
    if writer is not None:
        writer.submit(request.form)
    else:
        session = db.request_session()
        start_call(session, request.form, current_app.config["DEFAULT_PHONE_REGION"])
        session.commit()

    logger.info("call started call_sid=%s", request.form["CallSid"])

    prompts = get_prompts()
    return menu_response(
        [prompts.text("greeting"), prompts.text("recording_notice")],
        silent=0,
        invalid=0,
    )


@bp.post("/menu")
@validate_twilio_request
@caller_facing
def menu() -> Response:
    """Read the menu again; after a silent menu, apologise first."""
    silent = counter_arg("silent", MAX_SILENT_MENUS)
    invalid = counter_arg("invalid", MAX_INVALID_CHOICES)
    prompts = get_prompts()
    lead = [prompts.text("no_input")] if silent > 0 else []
    return menu_response(lead, silent=silent, invalid=invalid)


@bp.post("/menu/choice")
@validate_twilio_request
@caller_facing
def choose_topic() -> Response:
    """Act on the key pressed: 9 repeats the menu, a topic key starts the recording."""
    digits = request.form.get("Digits", "")
    invalid = counter_arg("invalid", MAX_INVALID_CHOICES)
    prompts = get_prompts()
    if digits == REPEAT_DIGIT:
        return menu_response([], silent=0, invalid=invalid)

    topic = get_topics().by_digit(digits)
    if topic is not None:
        return record_response(topic.key, silent=0, lead_texts=[])

    logger.info(
        "invalid menu key call_sid=%s attempt=%s",
        request.form.get("CallSid"),
        invalid + 1,
    )
    if invalid + 1 >= MAX_INVALID_CHOICES:
        return twiml_response(
            twiml.redirect_twiml(
                prompts,
                url_for("ivr.record", fallback="invalid"),
                [prompts.text("invalid_choice")],
            )
        )

    return menu_response(
        [prompts.text("invalid_choice")], silent=0, invalid=invalid + 1
    )


def record_response(topic: str, silent: int, lead_texts: list[str]) -> Response:
    """Store the caller's topic and return the <Record> step."""
    call_sid = require_call_sid()
    if call_sid is None:
        return bad_request("CallSid is missing or invalid")

    session = db.request_session()
    call = ensure_call(
        session, request.form, current_app.config["DEFAULT_PHONE_REGION"]
    )
    advance_ivr_step(session, call, IvrStep.RECORDING, topic=topic)
    session.commit()

    if silent + 1 >= MAX_SILENT_RECORDINGS:
        after_url = url_for("ivr.recorded", no_audio=1)
    else:
        after_url = url_for("ivr.record", silent=silent + 1)

    config = current_app.config
    return twiml_response(
        twiml.record_twiml(
            get_prompts(),
            action_url=url_for("ivr.recorded"),
            status_url=external_url("ivr.recording_status"),
            after_url=after_url,
            max_length=config["RECORD_MAX_LENGTH"],
            silence_timeout=config["RECORD_SILENCE_TIMEOUT"],
            lead_texts=lead_texts,
        )
    )


@bp.post("/record")
@validate_twilio_request
@caller_facing
def record() -> Response:
    """Ask for the complaint again after silence, or under the fallback topic."""
    prompts = get_prompts()
    silent = counter_arg("silent", MAX_SILENT_RECORDINGS)
    lead: list[str] = []
    topic = None
    if request.args.get("fallback"):
        topic = get_topics().fallback.key
        lead.append(prompts.text("no_choice_fallback"))

    if silent > 0:
        lead.append(prompts.text("record_silent"))

    if topic is None:
        session = db.request_session()
        call = ensure_call(
            session, request.form, current_app.config["DEFAULT_PHONE_REGION"]
        )
        topic = call.topic or get_topics().fallback.key

    return record_response(topic, silent=silent, lead_texts=lead)


@bp.post("/recorded")
@validate_twilio_request
@caller_facing
def recorded() -> Response:
    """Open the ticket and read its reference back twice; the SMS follows from a job."""
    if require_call_sid() is None:
        return bad_request("CallSid is missing or invalid")

    config = current_app.config
    session = db.request_session()
    call = ensure_call(session, request.form, config["DEFAULT_PHONE_REGION"])
    topic = call.topic or get_topics().fallback.key
    opened = open_ticket_for_call(session, call, topic)
    advance_ivr_step(session, call, IvrStep.RECORDED)

    if request.form.get("RecordingSid"):
        store_recording(session, request.form, call, opened.ticket)
    elif request.args.get("no_audio"):
        flag_ticket(session, opened.ticket.id, "no_audio", "caller said nothing twice")

    session.commit()

    if opened.message is not None:
        enqueue_message(session, get_redis(), config, opened.message)

    logger.info(
        "recording step done call_sid=%s ticket=%s digits=%s",
        call.call_sid,
        opened.ticket.reference,
        request.form.get("Digits", "-"),
    )
    return twiml_response(
        twiml.ticket_created_twiml(
            get_prompts(),
            opened.ticket.reference,
            sms_sent=opened.ticket.caller_number is not None,
        )
    )


@bp.post("/recording-status")
@validate_twilio_request
def recording_status() -> tuple[str, int]:
    """Store the recording and enqueue its transcription; 204, or 400 for bad data."""
    form = request.form
    if not form.get("RecordingSid", "").startswith("RE") or require_call_sid() is None:
        return "RecordingSid and CallSid are required", 400

    if form.get("RecordingStatus") == "completed" and not form.get("RecordingUrl"):
        return "RecordingUrl is required for a completed recording", 400

    handle_recording_status(db.request_session(), get_redis(), current_app.config, form)
    return "", 204


@bp.post("/status")
@validate_twilio_request
def call_status() -> tuple[str, int]:
    """Record the call's progress from Twilio's status callback; 204, or 400 for bad
    data.
    """
    call_sid = require_call_sid()
    status = request.form.get("CallStatus", "")
    if call_sid is None or not status:
        return "CallSid and CallStatus are required", 400

    session = db.request_session()
    ensure_call(session, request.form, current_app.config["DEFAULT_PHONE_REGION"])
    duration = request.form.get("CallDuration", type=int)
    changed = advance_call_status(
        session, call_sid, parse_call_status(status), duration
    )
    session.commit()
    logger.info(
        "call status call_sid=%s status=%s applied=%s", call_sid, status, changed
    )
    return "", 204
