"""The `simulate` command group: simulated Twilio calls against the running app."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from tickets.reference import format_reference
from twilio_sim.call import KEYPAD_KEYS, run_call
from twilio_sim.cloud import TwilioCloud
from twilio_sim.events import CallEvent, CallResult
from twilio_sim.exceptions import CloudStartError, SimulatorConfigError

# A caller number the app can text back: a plus sign and digits only.
TEXTABLE_NUMBER = re.compile(r"\+[0-9]{6,15}")
REQUIRED_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL")


@click.group("simulate", cls=AppGroup)
def simulate() -> None:
    """Play Twilio towards the running app: calls, recordings and SMS."""


@simulate.command("call")
@click.option("--from", "from_number", required=True, help="Caller number, e.g. +62...")
@click.option(
    "--to", "to_number", help="Number dialled. [default: TWILIO_PHONE_NUMBER]"
)
@click.option(
    "--press",
    "presses",
    multiple=True,
    help="Keys entered at one <Gather>, e.g. 1 or 1234#. Repeat once per <Gather>; "
    "a <Gather> with no value left times out.",
)
@click.option(
    "--speak",
    "speak_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Audio file (WAV, MP3, ...) the caller speaks at each <Record>. Without it "
    "the caller stays silent.",
)
@click.option(
    "--hangup-during-record",
    is_flag=True,
    help="Hang up at the end of the --speak audio instead of pressing #.",
)
@click.option(
    "--duplicate-callbacks",
    is_flag=True,
    help="Send each recording status callback twice at once, as Twilio retries can.",
)
@click.option(
    "--url", "voice_url", help="Voice URL. [default: PUBLIC_BASE_URL/ivr/voice]"
)
@click.option(
    "--status-callback",
    "status_callback_url",
    help="Call status callback URL. [default: PUBLIC_BASE_URL/ivr/status]",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=90.0,
    show_default=True,
    help="Seconds to keep the simulated REST API up after a call that made a "
    "recording, until the app downloaded it and, for a +digits --from, sent an SMS "
    "to it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def call(
    from_number: str,
    to_number: str | None,
    presses: tuple[str, ...],
    speak_path: Path | None,
    hangup_during_record: bool,
    duplicate_callbacks: bool,
    voice_url: str | None,
    status_callback_url: str | None,
    wait_seconds: float,
    as_json: bool,
) -> None:
    """Call the app as Twilio would and report what the caller heard.

    The simulated Twilio REST API runs on TWILIO_API_BASE_URL for the call and the
    wait after it, so the app can download the recording and send its SMS. The
    exit status is 1 when the call had errors.
    """
    config = current_app.config
    check_settings(config)
    check_presses(presses)
    public_base_url = app_base_url(config)
    voice_url = voice_url or default_url(public_base_url, "/ivr/voice", "--url")
    status_callback_url = status_callback_url or default_url(
        public_base_url, "/ivr/status", "--status-callback"
    )
    to_number = to_number or config.get("TWILIO_PHONE_NUMBER")
    if not to_number:
        raise click.UsageError("TWILIO_PHONE_NUMBER is not set; pass --to.")

    cloud = start_cloud(config)
    try:
        result = run_call(
            cloud,
            voice_url,
            from_number,
            to_number,
            presses=presses,
            speak_path=speak_path,
            hangup_during_record=hangup_during_record,
            duplicate_callbacks=duplicate_callbacks,
            status_callback_url=status_callback_url,
            on_event=None if as_json else print_event,
        )
        opened = find_ticket(result.call_sid)
        expect_sms = opened is not None and opened.get("caller_number") is not None
        wait_errors = wait_for_follow_up(
            cloud, result, from_number, wait_seconds, expect_sms
        )
    finally:
        cloud.stop()

    sms = [message.to_dict() for message in cloud.messages]
    ticket = find_ticket(result.call_sid)
    errors = result.errors + wait_errors
    if as_json:
        report = {**result.to_dict(), "sms": sms, "errors": errors, "ticket": ticket}
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        print_summary(result, sms, wait_errors, ticket)

    if errors:
        raise click.exceptions.Exit(1)


def check_settings(config: Mapping[str, Any]) -> None:
    """Raise click.UsageError naming each Twilio setting that is empty."""
    missing = [name for name in REQUIRED_SETTINGS if not config.get(name)]
    if missing:
        raise click.UsageError(
            f"{', '.join(missing)} must be set for the simulator; the simulated "
            "REST API serves TWILIO_API_BASE_URL and signs webhooks with the token."
        )


def check_presses(presses: tuple[str, ...]) -> None:
    """Raise click.UsageError for a --press value with a key not on the keypad."""
    for keys in presses:
        if not set(keys) <= KEYPAD_KEYS:
            raise click.UsageError(
                f"--press {keys!r} is invalid; use the keypad keys 0-9, * and #."
            )


def app_base_url(config: Mapping[str, Any]) -> str:
    """Return PUBLIC_BASE_URL; in development without it, where `make run` serves."""
    public_base_url = config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if not public_base_url and config.get("LOKDON_ENV") == "development":
        # The web process of `make run` listens here (lokdon/gunicorn_conf.py).
        public_base_url = "http://" + os.environ.get("WEB_BIND", "127.0.0.1:8000")

    return str(public_base_url)


def default_url(public_base_url: str, path: str, option: str) -> str:
    """Return PUBLIC_BASE_URL + path, or raise click.UsageError when it is not set."""
    if not public_base_url:
        raise click.UsageError(
            f"PUBLIC_BASE_URL is not set; set it to the app's URL (e.g. "
            f"http://127.0.0.1:8000) or pass {option}."
        )

    return public_base_url + path


def start_cloud(config: Mapping[str, Any]) -> TwilioCloud:
    """Start the simulated REST API on TWILIO_API_BASE_URL."""
    try:
        cloud = TwilioCloud(
            config["TWILIO_API_BASE_URL"],
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
        )
        return cloud.start()
    except SimulatorConfigError as e:
        raise click.UsageError(str(e)) from e
    except CloudStartError as e:
        raise click.ClickException(str(e)) from e


def wait_for_follow_up(
    cloud: TwilioCloud,
    result: CallResult,
    from_number: str,
    wait_seconds: float,
    expect_sms: bool,
) -> list[str]:
    """Wait for the recording download and the SMS to the caller; return what is late.

    The SMS is awaited when expect_sms is set (the app opened a ticket for a caller
    number it can text), also after a call without a recording.
    """
    if wait_seconds <= 0:
        return []

    deadline = time.monotonic() + wait_seconds
    late: list[str] = []
    if result.recording_sid is not None and not cloud.wait_for_download(
        result.recording_sid, wait_seconds
    ):
        late.append(
            f"Recording {result.recording_sid} was not downloaded within "
            f"{wait_seconds:g} s; check that a worker runs and that the app's "
            "TWILIO_API_BASE_URL is the simulator's."
        )

    if expect_sms and TEXTABLE_NUMBER.fullmatch(from_number):
        remaining = max(0.0, deadline - time.monotonic())
        if not cloud.wait_for_messages(to=from_number, timeout=remaining):
            late.append(
                f"No SMS to the caller arrived within {wait_seconds:g} s; check "
                "that a worker runs and the messaging queue is served."
            )

    return late


def find_ticket(call_sid: str) -> dict[str, Any] | None:
    """Return the summary of the ticket the app opened for the call, or None."""
    from tickets.lookup import ticket_summary_for_call

    return ticket_summary_for_call(call_sid)


def describe_event(event: CallEvent) -> str:
    """Format one call event as a line of the human-readable output."""
    data = event.data
    match event.kind:
        case "request":
            status = data["http_status"] or "no response"
            return f"request: {data['method']} {data['url']} -> {status}"
        case "say":
            return f"heard: {data['text']}"
        case "play":
            return f"heard audio: {data['url'] or data['digits']}"
        case "pause":
            return f"pause: {data['length']} s"
        case "pressed":
            return f"pressed: {data['digits'] or data['keys']}"
        case "timeout":
            return f"no input: {data['seconds']} s"
        case "recording":
            return f"recorded: {data['duration']} s ({data['recording_sid']})"
        case "callback":
            status = data["http_status"] or "no response"
            return f"callback {data['name']} ({data['status']}): {status}"
        case "hangup":
            return f"hung up by {data['by']}"
        case "reject":
            return f"rejected: {data['reason']}"
        case _:
            code = f" {data['code']}" if data.get("code") else ""
            return f"error{code}: {data.get('message')}"


def print_event(event: CallEvent) -> None:
    """Print one call event as it happens."""
    click.echo(describe_event(event), err=event.kind == "error")


def print_summary(
    result: CallResult,
    sms: list[dict[str, Any]],
    wait_errors: list[str],
    ticket: dict[str, Any] | None,
) -> None:
    """Print what followed the call: SMS, late follow-ups, ticket and final status."""
    for message in sms:
        click.echo(f"sms to {message['to']}: {message['body']}")

    for error in wait_errors:
        click.echo(f"error: {error}", err=True)

    if ticket is None:
        click.echo("ticket: none")
    else:
        reference = str(ticket.get("reference", ""))
        click.echo(f"ticket: {format_reference(reference)} ({ticket.get('status')})")

    click.echo(
        f"call {result.call_sid}: {result.status}, {result.duration} s, "
        f"{len(result.errors) + len(wait_errors)} error(s)"
    )
