"""Fixtures for the simulator tests: a started TwilioCloud and the IVR test app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.twilio_sim.sim_ivr import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    IvrState,
    create_ivr_app,
    serve,
    write_tone,
)
from twilio_sim.cloud import TwilioCloud


@pytest.fixture
def cloud() -> Iterator[TwilioCloud]:
    with TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, AUTH_TOKEN) as started:
        yield started


@pytest.fixture
def ivr_state() -> IvrState:
    return IvrState()


@pytest.fixture
def ivr_url(cloud: TwilioCloud, ivr_state: IvrState) -> Iterator[str]:
    server, url = serve(create_ivr_app(cloud.base_url, ivr_state))
    yield url
    server.shutdown()


@pytest.fixture
def speech_wav(tmp_path: Path) -> Path:
    """A 3.2 s recording, so Twilio's RecordingDuration is 4."""
    return write_tone(tmp_path / "complaint.wav", 3.2)
