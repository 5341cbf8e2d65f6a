"""The `simulate call` command against the IVR test app."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

import tickets.lookup
from tests.twilio_sim.sim_ivr import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER,
    HOTLINE,
    WELCOME,
    IvrState,
    create_ivr_app,
    free_port,
    reference_for,
    serve,
)
from twilio_sim.cli import simulate


@pytest.fixture
def api_base_url() -> str:
    """Base URL for the cloud the command starts; the IVR app needs it up front."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def cli_ivr_url(api_base_url: str, ivr_state: IvrState) -> Iterator[str]:
    server, url = serve(create_ivr_app(api_base_url, ivr_state))
    yield url
    server.shutdown()


@pytest.fixture
def cli_app(api_base_url: str, cli_ivr_url: str) -> Flask:
    app = Flask("simulate_cli_test")
    app.config.update(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=api_base_url,
        TWILIO_PHONE_NUMBER=HOTLINE,
        PUBLIC_BASE_URL=cli_ivr_url,
    )
    return app


@pytest.fixture
def ticket_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the database lookup of tickets; return the call SIDs looked up."""
    looked_up: list[str] = []

    def summary_for_call(call_sid: str) -> dict[str, Any]:
        looked_up.append(call_sid)
        return {
            "reference": reference_for(call_sid),
            "status": "open",
            "caller_number": CALLER,
        }

    monkeypatch.setattr(tickets.lookup, "ticket_summary_for_call", summary_for_call)
    return looked_up


def invoke(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(simulate, ["call", "--from", CALLER, *args])


def test_call_json_reports_call_sms_and_ticket(cli_app, speech_wav, ticket_lookups):
    result = invoke(cli_app, "--press", "1", "--speak", str(speech_wav), "--json")

    report = json.loads(result.stdout)
    reference = reference_for(report["call_sid"])
    assert result.exit_code == 0
    assert re.fullmatch("CA[0-9a-f]{32}", report["call_sid"])
    assert re.fullmatch("RE[0-9a-f]{32}", report["recording_sid"])
    assert report["errors"] == []
    assert report["to"] == HOTLINE
    assert [sms["to"] for sms in report["sms"]] == [CALLER]
    assert (
        report["sms"][0]["body"]
        == f"LOKDON: pengaduan Anda tercatat, nomor {reference}."
    )
    assert report["ticket"]["reference"] == reference
    assert report["ticket"]["status"] == "open"
    # Looked up once to decide whether to wait for an SMS, once for the report.
    assert ticket_lookups == [report["call_sid"], report["call_sid"]]
    assert [e["digits"] for e in report["events"] if e["kind"] == "pressed"] == ["1"]


def test_call_prints_heard_pressed_recorded_sms(cli_app, speech_wav, ticket_lookups):
    result = invoke(cli_app, "--press", "1", "--speak", str(speech_wav))

    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert f"heard: {WELCOME}" in lines
    assert "pressed: 1" in lines
    assert any(
        re.fullmatch("recorded: 4 s \\(RE[0-9a-f]{32}\\)", line) for line in lines
    )
    assert any(line.startswith(f"sms to {CALLER}: LOKDON:") for line in lines)
    assert any(line.startswith("ticket: LK-") for line in lines)


def test_call_error_exits_nonzero(cli_app, cli_ivr_url, ticket_lookups):
    result = invoke(
        cli_app, "--url", cli_ivr_url + "/ivr/broken", "--wait", "0.2", "--json"
    )

    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert "HTTP 500" in report["errors"][0]


def test_call_reports_recording_not_downloaded(
    cli_app, cli_ivr_url, ivr_state, speech_wav, ticket_lookups
):
    ivr_state.documents["record"] = '<Response><Record action="/doc/done"/></Response>'
    ivr_state.documents["done"] = "<Response><Hangup/></Response>"

    result = invoke(
        cli_app,
        "--url",
        cli_ivr_url + "/doc/record",
        "--speak",
        str(speech_wav),
        "--wait",
        "0.2",
        "--json",
    )

    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert "was not downloaded within 0.2 s" in report["errors"][0]
    assert "No SMS to the caller arrived" in report["errors"][1]


def test_missing_public_base_url_usage_error(cli_app):
    cli_app.config["PUBLIC_BASE_URL"] = ""

    result = invoke(cli_app)

    assert result.exit_code == 2
    assert "PUBLIC_BASE_URL is not set" in result.output


def test_missing_auth_token_usage_error(cli_app):
    cli_app.config["TWILIO_AUTH_TOKEN"] = ""

    result = invoke(cli_app)

    assert result.exit_code == 2
    assert "TWILIO_AUTH_TOKEN must be set" in result.output


def test_invalid_press_usage_error(cli_app):
    result = invoke(cli_app, "--press", "9x")

    assert result.exit_code == 2
    assert "--press '9x' is invalid" in result.output


def test_api_port_in_use_fails(cli_app, api_base_url):
    port = int(api_base_url.rsplit(":", 1)[1])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()

        result = invoke(cli_app)

    assert result.exit_code == 1
    assert f"Port {port} is already in use" in result.output
    assert "TWILIO_API_BASE_URL" in result.output


def test_speak_file_must_exist(cli_app, tmp_path: Path):
    result = invoke(cli_app, "--speak", str(tmp_path / "missing.wav"))

    assert result.exit_code == 2
    assert "does not exist" in result.output
