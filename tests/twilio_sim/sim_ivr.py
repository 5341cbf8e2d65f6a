"""A small IVR app for the simulator tests, and helpers to serve it and make audio.

The IVR replaces the product in these tests. Its webhooks check X-Twilio-Signature,
and its recording status callback downloads the recording and sends an SMS through
twilio.rest.Client pointed at the simulated REST API.
"""

from __future__ import annotations

import math
import socket
import struct
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.serving import make_server

ACCOUNT_SID = "AC" + "5e" * 16
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
CALLER = "+6281234567890"
HOTLINE = "+62761571000"
VOICE = "Google.id-ID-Standard-A"

WELCOME = (
    "Selamat datang di LOKDON. Tekan 1 untuk KTP-el, tekan 2 untuk Kartu Keluarga."
)
NO_CHOICE = "Kami tidak menerima pilihan Anda. Terima kasih."
RECORD_PROMPT = "Silakan sampaikan pengaduan Anda setelah nada, lalu tekan pagar."
NOT_HEARD = "Kami tidak mendengar pengaduan Anda."


@dataclass
class Hit:
    """One request the IVR app received."""

    path: str
    method: str
    params: dict[str, str]
    signature_valid: bool
    idempotency_token: str | None


@dataclass
class IvrState:
    """Requests the IVR app received, and its downloads and SMS, across threads."""

    hits: list[Hit] = field(default_factory=list)
    downloads: dict[str, bytes] = field(default_factory=dict)
    download_statuses: list[int] = field(default_factory=list)
    sms_sids: list[str] = field(default_factory=list)
    # Extra TwiML documents served at /doc/<name>, set by each test.
    documents: dict[str, str] = field(default_factory=dict)
    # When set, the recording status callback waits here for a second copy.
    callback_barrier: threading.Barrier | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def hits_to(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]


def reference_for(call_sid: str) -> str:
    return "LK-" + call_sid[-6:].upper()


def twiml(response: VoiceResponse | str) -> Response:
    return Response(str(response), content_type="text/xml")


def create_ivr_app(api_base_url: str, state: IvrState) -> Flask:
    """Build the test IVR: welcome menu, recording, reference, SMS."""
    app = Flask("test_ivr")
    validator = RequestValidator(AUTH_TOKEN)

    @app.before_request
    def check_signature() -> Response | None:
        params = request.form if request.method == "POST" else {}
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = validator.validate(request.url, params, signature)
        hit = Hit(
            path=request.path,
            method=request.method,
            params=dict(request.values),
            signature_valid=valid,
            idempotency_token=request.headers.get("I-Twilio-Idempotency-Token"),
        )
        with state.lock:
            state.hits.append(hit)

        if not valid:
            return Response("invalid signature", status=403)

        return None

    @app.post("/ivr/voice")
    def welcome() -> Response:
        response = VoiceResponse()
        gather = response.gather(num_digits=1, action="/ivr/menu", timeout=6)
        gather.say(WELCOME, voice=VOICE, language="id-ID")
        response.say(NO_CHOICE, voice=VOICE, language="id-ID")
        response.hangup()
        return twiml(response)

    @app.post("/ivr/menu")
    def menu() -> Response:
        response = VoiceResponse()
        response.say(RECORD_PROMPT, voice=VOICE, language="id-ID")
        response.record(
            action="recorded",
            max_length=120,
            timeout=5,
            finish_on_key="#",
            recording_status_callback="/ivr/recording-status",
        )
        response.say(NOT_HEARD, voice=VOICE, language="id-ID")
        response.hangup()
        return twiml(response)

    @app.post("/ivr/recorded")
    def recorded() -> Response:
        reference = reference_for(request.form["CallSid"])
        response = VoiceResponse()
        response.say(
            f"Nomor pengaduan Anda {reference}.", voice=VOICE, language="id-ID"
        )
        response.hangup()
        return twiml(response)

    @app.post("/ivr/recording-status")
    def recording_status() -> Response:
        if state.callback_barrier is not None:
            state.callback_barrier.wait()

        recording_sid = request.form["RecordingSid"]
        with state.lock:
            if recording_sid in state.downloads:
                return Response(status=204)

            state.downloads[recording_sid] = b""

        state.downloads[recording_sid] = download(request.form["RecordingUrl"], state)
        client = Client(ACCOUNT_SID, AUTH_TOKEN)
        client.api.base_url = api_base_url
        reference = reference_for(request.form["CallSid"])
        message = client.messages.create(
            to=CALLER,
            from_=HOTLINE,
            body=f"LOKDON: pengaduan Anda tercatat, nomor {reference}.",
            status_callback=request.url_root + "ivr/sms-status",
        )
        state.sms_sids.append(message.sid)
        return Response(status=204)

    @app.post("/ivr/status")
    @app.post("/ivr/sms-status")
    def status() -> Response:
        return Response(status=204)

    @app.post("/ivr/broken")
    def broken() -> Response:
        return Response("Internal Server Error", status=500)

    @app.post("/ivr/page")
    def page() -> Response:
        return Response("<html><body>Halo</body></html>", content_type="text/html")

    @app.route("/doc/<path:name>", methods=["GET", "POST"])
    def document(name: str) -> Response:
        return twiml(state.documents[name])

    return app


def download(recording_url: str, state: IvrState) -> bytes:
    """Download a recording with basic auth, retrying while Twilio returns 404."""
    for _ in range(40):
        response = requests.get(
            recording_url + ".wav", auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5
        )
        state.download_statuses.append(response.status_code)
        if response.status_code == 200:
            return response.content

        time.sleep(0.02)

    raise AssertionError(f"Recording {recording_url} never became ready.")


def serve(app: Flask) -> tuple[Any, str]:
    """Serve app on 127.0.0.1 with a free port from a thread; return server and URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server, f"http://127.0.0.1:{server.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_tone(path: Path, seconds: float, sample_rate: int = 8000) -> Path:
    """Write a 440 Hz tone as 16-bit mono WAV."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / sample_rate)))
        for n in range(int(seconds * sample_rate))
    )
    with wave.open(str(path), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(sample_rate)
        output.writeframes(frames)

    return path
