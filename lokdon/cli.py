"""The `lokdon` command: Flask's CLI plus the hotline's own commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from lokdon import create_app
from lokdon.cli_support import needs_database
from lokdon.logs import configure_logging
from lokdon.migrate import upgrade_database
from models import db


def make_app() -> object:
    app = create_app()
    configure_logging(app.config["LOG_LEVEL"])
    return app


@click.group(cls=FlaskGroup, create_app=make_app, add_version_option=False)
def main() -> None:
    """LOKDON, the complaints hotline of Disdukcapil Kota Pekanbaru."""


@main.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision.")
def db_upgrade(revision: str) -> None:
    """Apply the database migrations up to a revision."""
    upgrade_database(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--name", default=None, help="Worker name shown in RQ; defaults to host-pid."
)
@needs_database
def worker(burst: bool, name: str | None) -> None:
    """Run a worker: load the speech model once, then transcribe and send messages."""
    from queue_workers.worker import run_worker

    run_worker(current_app._get_current_object(), burst=burst, name=name)  # type: ignore[attr-defined]


@main.command("reconcile")
@needs_database
def reconcile_command() -> None:
    """Enqueue recordings and messages that have no live job, once."""
    from lokdon.redis_client import get_redis
    from queue_workers.reconcile import reconcile

    with db.session_scope() as session:
        report = reconcile(session, get_redis(), current_app.config)

    click.echo(json.dumps(vars(report)))


@main.group("speech")
def speech_group() -> None:
    """Check the speech model."""


@speech_group.command("check")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
def speech_check(file: str | None) -> None:
    """Load the Vosk model, transcribe FILE (default: a bundled test recording) and
    print
    the real-time factor."""
    from speech import SpeechError, load_model, transcribe_file

    path = (
        Path(file)
        if file
        else Path(__file__).resolve().parent.parent / "tests/data/ktp.wav"
    )
    if not path.is_file():
        raise click.UsageError(f"{path} does not exist; pass an audio FILE.")

    try:
        loaded = load_model(current_app.config["VOSK_MODEL_PATH"] or None)
        decoded, transcript = transcribe_file(loaded, path)
    except SpeechError as e:
        raise click.ClickException(f"{path}: {type(e).__name__}: {e}") from e

    click.echo(
        f"model: {loaded.name} ({loaded.path}), loaded in {loaded.load_seconds:.2f} s"
    )
    if loaded.bundled:
        click.echo(
            "note: this is the bundled Korean model; its text for Indonesian speech is "
            "not meaningful. Set VOSK_MODEL_PATH to an Indonesian model."
        )

    click.echo(f"audio: {decoded.source_format}, {decoded.duration_seconds:.2f} s")
    click.echo(
        f"decode: {transcript.decode_seconds:.2f} s, real-time factor "
        f"{transcript.real_time_factor:.3f}"
    )
    click.echo(f"words: {len(transcript.words)}")
    click.echo(f"text: {transcript.text}")


def register_commands() -> None:
    from lokdon.cli_agents import agents_group
    from lokdon.cli_tickets import tickets_group
    from twilio_sim.cli import simulate

    main.add_command(agents_group)
    main.add_command(tickets_group)
    main.add_command(simulate)


register_commands()

if __name__ == "__main__":
    sys.exit(main())
