"""`lokdon tickets`: look up tickets from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from models import db
from tickets.exceptions import TicketNotFoundError
from tickets.lookup import find_ticket, ticket_summary
from tickets.reference import format_reference, is_valid_reference


@click.group("tickets", cls=AppGroup)
def tickets_group() -> None:
    """Look up tickets."""


@tickets_group.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_command(reference: str, as_json: bool) -> None:
    """Print the ticket REFERENCE with its status, topic, flags, assignee and
    transcript.
    """
    if not is_valid_reference(reference):
        raise click.UsageError(
            f"{reference!r} is not a valid ticket reference "
            "(8 digits, the last a check digit)."
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

    transcript = summary["transcript"]
    click.echo(f"  transcript: {transcript['text'] if transcript else '(none yet)'}")
