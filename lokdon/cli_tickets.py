"""`lokdon tickets`: look up tickets from the command line."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import AppGroup

from lokdon.cli_support import needs_database
from models import db
from tickets.exceptions import TicketNotFoundError
from tickets.lookup import find_ticket, ticket_summary
from tickets.reference import (
    BODY_LENGTH,
    format_reference,
    is_valid_reference,
    normalize_reference,
)


@click.group("tickets", cls=AppGroup)
def tickets_group() -> None:
    """Look up tickets."""


@tickets_group.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@needs_database
def show_command(reference: str, as_json: bool) -> None:
    """Print the ticket REFERENCE with its status, topic, flags, assignee and
    transcript.
    """
    digits = normalize_reference(reference)
    if len(digits) != BODY_LENGTH + 1 or not digits.isdigit():
        raise click.UsageError(
            f"{reference!r} is not a ticket reference: references have "
            f"{BODY_LENGTH + 1} digits."
        )

    if not is_valid_reference(digits):
        raise click.UsageError(
            f"{reference!r} fails its check digit, so a digit is probably mistyped; "
            "check the reference again."
        )

    with db.session_scope() as session:
        try:
            summary = ticket_summary(session, find_ticket(session, reference))
        except TicketNotFoundError as e:
            raise click.ClickException(str(e)) from e

    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return

    assignee = summary["assignee"]["name"] if summary["assignee"] else "(unassigned)"
    click.echo(f"ticket {format_reference(summary['reference'])}")
    click.echo(f"  status:   {summary['status']}")
    click.echo(f"  topic:    {summary['topic']}")
    click.echo(f"  assignee: {assignee}")
    click.echo(f"  flags:    {', '.join(summary['flags']) or '-'}")
    recording = summary["recording"]
    if recording:
        click.echo(
            f"  recording: {recording['status']}, {recording['duration_seconds']} s"
        )

    for message in summary["messages"]:
        click.echo(f"  sms:      {message['status']}")

    click.echo(f"  transcript: {transcript_line(summary)}")


def transcript_line(summary: dict[str, Any]) -> str:
    transcript = summary["transcript"]
    if transcript and transcript["text"]:
        return transcript["text"]

    if summary["flags"]:
        return f"(none: flagged {', '.join(summary['flags'])})"

    return "(none yet)"
